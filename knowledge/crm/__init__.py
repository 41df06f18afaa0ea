"""Customer data: a read-only, mapped SQL CRM → customer 360 and derived signals, every fact with lineage.

Public API: `build_customer_data` (the factory the wiring calls), `CrmCustomerData` (implements
`contract.ports.CustomerData`), `build_demo_crm` (the demo tenant's database), `import_csv` (small companies)."""

from knowledge.crm.csv_import import import_csv
from knowledge.crm.demo import build_demo_crm
from knowledge.crm.factory import build_customer_data
from knowledge.crm.mapping import CrmMapping, load_mapping
from knowledge.crm.service import CrmCustomerData
from knowledge.crm.signal_specs import SignalBook, load_signals

__all__ = [
    "CrmCustomerData",
    "CrmMapping",
    "SignalBook",
    "build_customer_data",
    "build_demo_crm",
    "import_csv",
    "load_mapping",
    "load_signals",
]
