"""The demo tenant's CRM schema, named the way a Chinese distributor's ERP/CRM might name things (cust_no, sales_rep …),
so copilot/tenants/demo/crm/mapping.yaml shows a real mapping rather than an identity. Indexes serve the customer 360."""

from __future__ import annotations

from sqlalchemy import Column, Date, Float, ForeignKey, Index, Integer, MetaData, String, Table

metadata = MetaData()

crm_sales_rep = Table(
    "crm_sales_rep",
    metadata,
    Column("rep_id", String(40), primary_key=True),
    Column("rep_name", String(80), nullable=False),
    Column("team_code", String(40), nullable=False),
    Column("team_name", String(80), nullable=False),
)

crm_customer = Table(
    "crm_customer",
    metadata,
    Column("cust_no", String(40), primary_key=True),
    Column("cust_name", String(120), nullable=False),
    Column("cust_type", String(20), nullable=False),  # dealer | hospital
    Column("grade", String(4), nullable=False),
    Column("sales_rep", String(40), ForeignKey("crm_sales_rep.rep_id"), nullable=False),
    Column("bu", String(40), nullable=False),
    Column("region", String(40), nullable=False),
    Column("city", String(40), nullable=False),
    Index("ix_crm_customer_sales_rep", "sales_rep"),
)

crm_contact = Table(
    "crm_contact",
    metadata,
    Column("contact_id", String(40), primary_key=True),
    Column("cust_no", String(40), ForeignKey("crm_customer.cust_no"), nullable=False),
    Column("contact_name", String(80), nullable=False),
    Column("job_title", String(80), nullable=False),
    Column("mobile", String(20), nullable=False),
    Index("ix_crm_contact_cust", "cust_no"),
)

erp_product = Table(
    "erp_product",
    metadata,
    Column("sku", String(40), primary_key=True),
    Column("product_name", String(120), nullable=False),
    Column("model_no", String(40), nullable=False),
    Column("category", String(40), nullable=False),
)

erp_order = Table(
    "erp_order",
    metadata,
    Column("order_no", String(40), primary_key=True),
    Column("cust_no", String(40), ForeignKey("crm_customer.cust_no"), nullable=False),
    Column("order_date", Date, nullable=False),
    Column("status", String(20), nullable=False),
    Column("total_amount", Float, nullable=False),
    Index("ix_erp_order_cust_date", "cust_no", "order_date"),
)

erp_order_line = Table(
    "erp_order_line",
    metadata,
    Column("line_id", String(48), primary_key=True),
    Column("order_no", String(40), ForeignKey("erp_order.order_no"), nullable=False),
    Column("sku", String(40), ForeignKey("erp_product.sku"), nullable=False),
    Column("qty", Integer, nullable=False),
    Column("line_amount", Float, nullable=False),
    Index("ix_erp_order_line_order", "order_no", "sku", "qty"),
)

crm_contract = Table(
    "crm_contract",
    metadata,
    Column("contract_no", String(40), primary_key=True),
    Column("cust_no", String(40), ForeignKey("crm_customer.cust_no"), nullable=False),
    Column("title", String(120), nullable=False),
    Column("start_date", Date, nullable=False),
    Column("end_date", Date, nullable=False),
    Column("status", String(20), nullable=False),
    Index("ix_crm_contract_cust", "cust_no"),
)

svc_ticket = Table(
    "svc_ticket",
    metadata,
    Column("ticket_no", String(40), primary_key=True),
    Column("cust_no", String(40), ForeignKey("crm_customer.cust_no"), nullable=False),
    Column("subject", String(200), nullable=False),
    Column("status", String(20), nullable=False),
    Column("priority", String(10), nullable=False),
    Column("opened_at", Date, nullable=False),
    Column("serial_no", String(40), nullable=True),
    Index("ix_svc_ticket_cust_status", "cust_no", "status"),
)

iot_device = Table(
    "iot_device",
    metadata,
    Column("serial_no", String(40), primary_key=True),
    Column("cust_no", String(40), ForeignKey("crm_customer.cust_no"), nullable=False),
    Column("sku", String(40), ForeignKey("erp_product.sku"), nullable=False),
    Column("device_name", String(120), nullable=False),
    Column("installed_at", Date, nullable=False),
    Index("ix_iot_device_cust", "cust_no"),
)

iot_telemetry = Table(
    "iot_telemetry",
    metadata,
    Column("reading_id", Integer, primary_key=True),
    Column("serial_no", String(40), ForeignKey("iot_device.serial_no"), nullable=False),
    Column("reading_day", Date, nullable=False),
    Column("metric", String(40), nullable=False),
    Column("value", Float, nullable=False),
    Column("unit", String(20), nullable=False),
    Index("ix_iot_telemetry_serial_day", "serial_no", "reading_day"),
)
