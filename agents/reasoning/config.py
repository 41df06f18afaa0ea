"""The tenant's low-code files, owned by the business:

- `tools.yaml` — which reasoning tools each intent runs, with their parameters (which document and table, which CRM
  field). Validated at load; a bad file is a UserError naming the file and the entry.
- `profile.yaml` — company, industry, persona, tone, sign-off and language: how the tenant's reps speak. The code never
  names a tenant; drafts and prompts read this."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, Literal, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from contract.errors import UserError

ToolKind = Literal[
    "tier_rate",
    "row_lookup",
    "authority",
    "term_end",
    "renewal_window",
    "eligibility",
    "days_since",
    "crm_record",
    "scope_rows",
    "row_tier",
    "volume_tier",
    "clause_quote",
    "unit_amount",
    "year_total",
    "record_count",
    "next_due",
]
# the tool kind that checks a discount asked against the approval ladder: one name other layers compare with
AUTHORITY_TOOL = "authority"


class RecordCase(BaseModel):
    """crm_record: a template said when a condition on the record holds ("days <= 7", "status == confirmed";
    several joined by " and ")."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    when: str = Field(min_length=3)
    template: str = Field(min_length=1)
    # said for a later day the message names ("这周六去退"、"拖到下周二"): the record's arithmetic redone with that day
    # as today; {on} is the day as the customer reads it. No template_on: that day is not said in this case.
    template_on: str = ""
    template_en: str = ""  # the same case for an English reader ("" = the entry's template_en, if any)
    # tools.yaml ids this case makes wrong to say beside it: a refusal ("定金不予退还") is not followed by how soon the
    # refund arrives
    replaces: list[str] = Field(default_factory=list)


class StackSpec(BaseModel):
    """volume_tier: per-unit offers (a promotion table) that a rule clause lets stack on the tier price ("PR-X可与…
    同享：先按阶梯折扣计算折后单价，再减每台补贴"); each row is checked against this customer like scope_rows."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    doc: str = Field(min_length=1)
    table: int = 1
    rule_clause: str = Field(min_length=1)  # the clause naming which rows stack (by their id)
    id_column: str = Field(min_length=1)  # 活动编号
    name_column: str = ""  # 活动名称
    amount_column: str = Field(min_length=1)  # 优惠内容: "每台补贴3000元" / "X7每台立减2000元"
    scope: dict[Literal["date", "region", "product", "customer"], str] = Field(default_factory=dict)
    kind_words: dict[str, str] = Field(default_factory=dict)


class RowValue(BaseModel):
    """crm_record: a figure read from the policy table row the record names (a package's 价格 by its 编码)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    doc: str = Field(min_length=1)
    table: int = 1
    key_column: str = Field(min_length=1)  # 编码
    key_field: str = Field(min_length=1)  # the record's field holding the key (package_code)
    column: str = Field(min_length=1)  # 价格


class PriceRow(BaseModel):
    """volume_tier: the price table whose row the message names (by a name or code cell) and its price column."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    doc: str = Field(min_length=1)
    table: int = 1
    key_column: str = ""  # the code column, said beside the name (编码)
    column: str = Field(min_length=1)  # 价格


class AfterEnd(BaseModel):
    """term_end: what a clause of another document starts the day after the term ends ("延保自保修到期日的次日起生效"),
    said when the message has one of `words`; `template` names that day ({date}) and the term's end ({end})."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    doc: str = Field(min_length=1)
    clause: str = Field(min_length=1)
    words: list[str] = Field(default_factory=list)  # [] = always (a rep's talking points: the lead itself)
    template: str = Field(min_length=1)
    # the same for an English reader ({date}, {end}, {until} in ISO form); "" = a plain sentence of the dates
    template_en: str = ""


class WhileTerm(BaseModel):
    """An offer that can only be taken while a term runs ("加长保障须在保修到期前购买"): when the term it rests on
    (`term`, the tools.yaml id of a term_end) has ended for every asset it was computed for, the offer's price is no
    answer — `template` (the clause saying it can no longer be done, `clause` of the offer's document) is said instead,
    right after the term's end date."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    term: str = Field(min_length=1)
    clause: str = ""
    template: str = Field(min_length=1)
    template_en: str = ""


class BetterOf(BaseModel):
    """crm_record: a policy figure that does not stack with another tool's price for the same thing, the customer
    getting the better of the two ("续购优惠不与阶梯折扣叠加，两者取其高者"): `tool` (a volume_tier entry with a
    `price_row`) prices the record's `key_field` row at this customer's tier; when that price is lower than `value`
    (a policy_values name), it takes its place in the compute and `template` / `template_en` are said instead, with
    {tier}, {rate} and {instead} (the figure it beat) beside the record's values."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    tool: str = Field(min_length=1)
    value: str = Field(min_length=1)
    key_field: str = Field(min_length=1)
    template: str = Field(min_length=1)
    template_en: str = ""


class NewAsset(BaseModel):
    """term_end from a table, for a customer with no asset on record who asks about buying one ("新车保几年"): the
    version in force today, the row for the customer's kind (`rows`: CRM kind → row key), said from the delivery day."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    words: list[str] = Field(min_length=1)
    rows: dict[str, str] = Field(min_length=1)


class ToolSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1)
    tool: ToolKind
    doc: str = ""  # policy doc_id
    table: int = 1  # table index within the governing version (1-based)
    clause: str = ""  # 第二条, 3.1 …
    label: str = ""  # what the output is called in the answer (折扣, 保修期 …)
    label_en: str = ""
    # tier_rate
    key_column: str = ""  # the row key (产品线)
    model_column: str = ""  # a column listing models (适用型号): a model in the message picks the row
    amount: Literal["quarter_amount"] = "quarter_amount"
    period: Literal["last_quarter", "this_quarter", "this_year", "last_year"] = "last_quarter"
    money: bool = False  # also compute the amount (e.g. the rebate in 元)
    rounding: str = "0.01"
    rounding_mode: Literal["half_up", "half_even", "down"] = "half_up"
    # row_lookup: column → source ("entity:alarm_code", "crm:customer.tier", "text:<column>" or a literal)
    match: dict[str, str] = Field(default_factory=dict)
    outputs: list[str] = Field(default_factory=list)
    template: str = ""  # e.g. "{报警代码}（{含义}）：{现场处理}"
    template_en: str = (
        ""  # row_lookup: the same row for an English reader (the cells as written in the table)
    )
    # row_lookup "text:<column>": when the message names no value of the column (a photo with no text, "又是这个灯"),
    # the values the CRM records on the asset the message is about (device field, e.g. fault_codes), stated through
    # `device_template` (the customer did not say it: "系统里这台车记录的是…")
    from_device: str = ""
    device_template: str = ""
    # row_lookup: the column holding a per-unit price ("5800元"): a count the message asks ("那两台") is priced in total
    per_unit_column: str = ""
    # row_lookup: several rows match (two codes at once): the first by this column's order ("按其中最高等级处理")
    prefer: dict[str, list[str]] = Field(default_factory=dict)
    # authority
    limit_column: str = ""
    approver_column: str = ""
    actor: str = ""  # the row for the rep's own role (销售代表)
    actor_field: str = ""  # "rep.position": the role read from the 360 (the owning rep's 岗位), else `actor`
    # term_end / renewal_window / days_since
    term: str = ""  # the words before the term in the clause (整机保修)
    end_rule: Literal["same_day", "day_before"] = "same_day"  # how the policy counts the last day of a term
    row_column: str = ""  # term_end from a table: the column naming the row (车辆类别) …
    row_by: str = ""  # … picked by this CRM field's value (device.use_type) …
    term_column: str = ""  # … and the column holding the term (整机保修: "24个月或5000小时")
    mileage_field: str = ""  # optional: device field with the odometer, checked against the term's km limit
    # next_due: an interval "every 500小时 or 3个月" is due at whichever comes first. With `usage_since` (the day the
    # asset's use began: device.installed_at) and `usage_unit` (the canonical unit the `mileage_field` counts in: km,
    # 小时), the day the usage part is reached is estimated from the average use per day since then; none → time only
    usage_since: str = ""
    usage_unit: str = ""
    # who pays, when the message has one of `covered_words`: the clause saying what is free within the term (第八条)
    # and the one saying what applies after it (第十条), quoted from the same document's governing version
    covered_clause: str = ""
    expired_clause: str = ""
    covered_words: list[str] = Field(default_factory=list)
    after_end: AfterEnd | None = None
    while_term: WhileTerm | None = None  # an offer only open while a term runs (see WhileTerm)
    # clause_quote: only for a customer with NO record of `records` matching `where` (a prospect asking the refund rule
    # before any order: the record tool answers the others with their own order's figures)
    when_no_records: bool = False
    new_asset: NewAsset | None = None
    start_field: str = ""  # device.installed_at, contract.start_date, order.order_date …
    field: str = ""  # contract.end_date …
    days: int | None = None  # renewal window length when the clause does not say
    category: str = ""  # days_since: a fixed category (else the one in the message)
    # crm_record: one of this customer's CRM records (open_tickets | contracts | devices), stated through `template`
    records: Literal["open_tickets", "contracts", "devices", "orders"] = "open_tickets"
    group_by: str = ""  # record_count: the field whose values the count is told by (a model's name)
    pick: Literal["named", "latest", "only", "device"] = (
        "named"  # named: the one the message names (id, words), else latest; device: the record of the vehicle
        # (asset) the message is about, none when that asset has no such record
    )
    require: list[str] = Field(default_factory=list)  # fields the record must have (e.g. x_visits_total)
    # crm_record: the record's count field a count the customer names replaces ("这次只续8台" of a contract for 12:
    # the renewal priced for 8); the message's count is an input of the fact
    units_field: str = ""
    compute: dict[str, str] = Field(default_factory=dict)  # name → "a - b" over the record's numeric fields
    # (dates too: "today - order_date" = days since), and the `policy_values` below
    where: dict[str, list[str]] = Field(
        default_factory=dict
    )  # only records whose field is one of these values
    # name → a unit: the first figure written with that unit in the governing `doc`'s `clause` ("元/台/年" → 1980)
    policy_values: dict[str, str] = Field(default_factory=dict)
    row_values: dict[str, RowValue] = Field(
        default_factory=dict
    )  # name → a figure from the row the record names
    round_whole: list[str] = Field(
        default_factory=list
    )  # computed names rounded to a whole unit (按元四舍五入取整)
    cases: list[RecordCase] = Field(
        default_factory=list
    )  # the first case whose `when` holds picks the template
    labels: dict[str, dict[str, str]] = Field(
        default_factory=dict
    )  # field → value → wording (in_progress → 处理中)
    # … and for the English line (template_en): a table's cells in the tenant's English ("7天内预约进店检查" → "book a
    # workshop check within 7 days"); a cell without one is left out of the English line rather than said in Chinese
    labels_en: dict[str, dict[str, str]] = Field(default_factory=dict)
    # volume_tier: last calendar year's units of `category` → the tier row (down `tier_column`) → `output_column`
    tier_column: str = ""
    output_column: str = ""
    # volume_tier: a price-list product the message names by code or name (a part "FL-9") is priced at the column of its
    # CRM kind (品类 → column: {配件: 配件折扣}); a kind without a column is "can't compute", never the vehicle rate
    category_columns: dict[str, str] = Field(default_factory=dict)
    stack: StackSpec | None = None  # per-unit offers that stack on the tier price (net price and total)
    # volume_tier: price the model and units the message names (False: the tier alone — "今年才买了4台X7" in a rep's
    # ask for talking points is what they bought, not a quote)
    quote: bool = True
    # volume_tier: the tier's rate applied to a product priced in a policy table row the message names (a package
    # "PKG-X 1200元/台/年"), instead of a CRM list price
    price_row: PriceRow | None = None
    # authority: the id of a scope_rows tool (promotions) whose named rows' own rates ("工时费8折") are quoted offers,
    # not discounts asked on top: such a rate gets no approval check
    offer_rates: str = ""
    # authority: the id of a volume_tier tool; the most the actor may grant is priced after the customer's tier
    tier_tool: str = ""
    better_of: BetterOf | None = (
        None  # crm_record: a figure that does not stack with a tier price (see BetterOf)
    )
    # an order-size approval rule ("单笔订单金额超过300万元…须报总经理审批") checked against the computed total
    approval_doc: str = ""
    approval_clause: str = ""
    # row_tier: the row by `match`, then the tier (across the header) holding a CRM-derived value
    value: Literal["device_age_years"] = "device_age_years"
    bonus_clause: str = (
        ""  # row_tier: a clause adding a per-unit amount for a batch ("10台（含）以上…另加1000元")
    )
    # row_tier: a clause holding how long the asset must have been held before the row applies ("名下满6个月"):
    # an asset held less long is told that it does not qualify yet, and from which day it will
    min_held_clause: str = ""
    # row_tier: an asset the CRM does not hold, described in the message by the month it was first registered
    # ("2024年3月上牌的…"): one of these words right after a year and month gives its start; the row is then `text_match`
    # (another maker's car), unless the message names one of the tenant's brands (entity "brand")
    text_date_words: list[str] = Field(default_factory=list)
    text_match: dict[str, str] = Field(default_factory=dict)
    # scope_rows: rows of a table (promotions, offers) checked against this customer's scope
    scope: dict[Literal["date", "region", "product", "customer"], str] = Field(
        default_factory=dict
    )  # → column
    kind_words: dict[str, str] = Field(
        default_factory=dict
    )  # CRM customer kind → word in the customer column
    all_words: list[str] = Field(default_factory=lambda: ["全国", "全部", "所有", "不限"])
    name_columns: list[str] = Field(
        default_factory=list
    )  # columns that name a row (活动名称 …) for "named" rows
    # eligibility
    checks: list[Literal["region", "window", "customer_kind", "product_line"]] = Field(default_factory=list)
    customer_kinds: list[str] = Field(default_factory=list)
    when_entities: list[str] = Field(
        default_factory=list
    )  # run only when one of these entity kinds is present
    when_words: list[str] = Field(default_factory=list)  # run only when the message has one of these words
    # never run when the message has one of these words: the question is about another thing the same words price
    # (a package for six new vehicles is not a quote for six vehicles)
    unless_words: list[str] = Field(default_factory=list)
    # … except where the unless word describes a counted batch in its own clause ("算上今年新到的那6台，总共几台":
    # 今年 picks the 6 the customer counts in, it does not make the question a period's purchases); counted in the
    # pack's count_units
    unless_not_batch: bool = False
    # always computed (answer line and evidence for the rep), told to the customer only when the message has one of
    # these words: a fault report gets the warranty date only when the customer asks about the warranty
    say_when_words: list[str] = Field(default_factory=list)
    # … unless `brief_unasked`: then the customer hears one short clause instead of nothing (a fault report: "这台设备目前在
    # 质保期内（至…）", whether the repair is covered), the full term only when asked
    brief_unasked: bool = False
    only_kinds: list[str] = Field(default_factory=list)  # run only for these CRM customer kinds (fleet …)
    # said beside the answer it qualifies, never instead of it: an exclusion ("事故…造成的损坏不属于质保范围") does
    # not replace the term the way a part's own term (a wear part's 6个月) does
    alongside: bool = False
    # tools.yaml ids whose facts this one makes redundant when it computes (the next service day, computed from the
    # interval clause, replaces that clause quoted whole)
    replaces: list[str] = Field(default_factory=list)

    def clause_label_for(self, ended: bool) -> str:
        """term_end: the clause saying who pays within the term (or, `ended`, after it)."""
        return self.expired_clause if ended else self.covered_clause


CLAUSE_END = re.compile(r"[，,。！!？?；;\n]")


ASCII_WORD = re.compile(r"[a-z0-9][a-z0-9 '\-]*")


def word_matches(word: str, low: str) -> Iterator[re.Match[str]]:
    """Where a tenant's word stands in a lower-cased message: an ASCII word where a word starts (ship: ship, ships,
    shipping; never membership, relationship; a stem such as servic or modif still reads service, modified), any other
    word (Chinese: no spaces between words) wherever it occurs."""
    w = word.lower()
    if not ASCII_WORD.fullmatch(w):
        return re.finditer(re.escape(w), low)
    return re.finditer(rf"(?<![a-z0-9]){re.escape(w)}", low)


def has_word(word: str, low: str) -> bool:
    return next(word_matches(word, low), None) is not None


def words_hit(words: Sequence[str], text: str) -> bool:
    """`text` has one of a tenant's `words` (a tool's when_words / say_when_words / covered_words), as a need reads
    them: case-insensitive, an ASCII word where a word starts ("Brakes" has brake, "Embrake" has not)."""
    low = text.lower()
    return any(has_word(w, low) for w in words if w)


def unless_hit(
    words: Sequence[str], text: str, count_units: Sequence[str] = (), not_batch: bool = False
) -> bool:
    """`text` has one of `words` (case-insensitive) — with `not_batch`, one that does not just describe a counted
    batch in its own clause: a number in the pack's `count_units` follows it there ("今年新到的那6台")."""
    low = text.lower()
    units = "|".join(re.escape(u) for u in count_units)
    for word in words:
        for m in word_matches(word, low):
            if not_batch and units:
                stop = CLAUSE_END.search(low, m.end())
                if re.search(rf"\d+\s*(?:{units})", low[m.end() : stop.start() if stop else len(low)]):
                    continue
            return True
    return False


class Need(BaseModel):
    """What a message asks for, whatever intent it was filed under: when it has one of `words` (and, when `with_words`
    is given, one of those too), the tools named in `tools` (ids of tools.yaml entries) run as well and their facts
    are told — a warranty question filed as a trade-in, a ticket named in a price question, a second question in the
    same message. The tools still need their inputs (a CRM record, a named product): without them they stay silent."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    words: list[str] = Field(min_length=1)
    with_words: list[str] = Field(default_factory=list)
    tools: list[str] = Field(min_length=1)
    # a tool stating table rows (offers) answers this need only with rows naming one of these words (a battery
    # that died asks for the battery offer, not for a vehicle promotion of the same table); [] = any row
    row_words: list[str] = Field(default_factory=list)
    # the need is not this one when the message has one of these (the price of an extended warranty for the Z5s is not
    # a question about the Z5's offers)
    unless_words: list[str] = Field(default_factory=list)
    unless_not_batch: bool = False  # as ToolSpec.unless_not_batch
    # the need's word counts only with one of these in its own clause: what the word is said of must be the thing the
    # need's tools read (an end date said of the customer's contract, not of anything else that ends)
    near_words: list[str] = Field(default_factory=list)

    def _said(self, low: str) -> bool:
        """One of the need's words in `low` — with `near_words`, in a clause that has one of those too."""
        for word in self.words:
            for m in word_matches(word, low):
                if not self.near_words:
                    return True
                starts = [c.end() for c in CLAUSE_END.finditer(low, 0, m.start())]
                stop = CLAUSE_END.search(low, m.end())
                clause = low[starts[-1] if starts else 0 : stop.start() if stop else len(low)]
                if any(has_word(n.lower(), clause) for n in self.near_words):
                    return True
        return False

    def _asks_bare(self, low: str) -> bool:
        """A with-word's question that opens its own clause («一台多少，总共多少»): the question names no subject of
        its own, so it may be asked of the matter the turn before named (a clause naming something first — «另外你们
        那个X一台多少» — asks of that)."""
        for word in self.with_words:
            for m in word_matches(word, low):
                starts = [c.end() for c in CLAUSE_END.finditer(low, 0, m.start())]
                if len(low[starts[-1] if starts else 0 : m.start()].strip()) <= 2:
                    return True
        return False

    def asked(self, text: str, count_units: Sequence[str] = (), subject: str = "") -> bool:
        """The need's words in the text, with one of its with-words in the text or — for a follow-up that names no
        subject of its own («那剩下的退的话能退多少» after a turn about the package) — in `subject`, the turn it follows."""
        low, before = text.lower(), subject.lower()
        with_here = any(has_word(w, low) for w in self.with_words)
        return (
            self._said(low)
            and (
                not self.with_words
                or with_here
                or (bool(before) and any(has_word(w, before) for w in self.with_words))
            )
            # … or the follow-up asks the with-word's question («一台多少，总共多少») of the matter the turn before
            # named («保养合同快到期了»)
            or (
                with_here
                and bool(before)
                and self._asks_bare(low)
                and self._said(before)
                and not unless_hit(self.unless_words, subject, count_units, self.unless_not_batch)
            )
        ) and not unless_hit(self.unless_words, text, count_units, self.unless_not_batch)

    def matched(self, text: str, count_units: Sequence[str] = ()) -> list[str]:
        """The need's words (and with-words) the text has, when it asks; [] when it does not."""
        if not self.asked(text, count_units):
            return []
        low = text.lower()
        return [w for w in [*self.words, *self.with_words] if has_word(w, low)]


class DescribedBy(BaseModel):
    """tools.yaml `described_assets`: one asset picked by the extreme of a numeric CRM field."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    field: str = Field(min_length=1)  # the asset's field (device.mileage_km → mileage_km)
    most: list[str] = Field(default_factory=list)  # words asking for the highest value
    least: list[str] = Field(default_factory=list)  # words asking for the lowest value


class ToolsConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    intents: dict[str, list[ToolSpec]] = Field(default_factory=dict)
    # needs found in the message (words → tool ids): tools of any intent the question asks about also run
    needs: list[Need] = Field(default_factory=list)
    # tools for a message of ANY intent, gated by their when_words / when_entities (a discount figure named in a
    # complaint still gets the authority check); they add what they compute and stay silent when they cannot
    any_intent: list[ToolSpec] = Field(default_factory=list)
    period_words: dict[str, str] = Field(default_factory=dict)  # optional wording overrides
    # the tools of OTHER intents whose policy document is among the top `fallback_docs` documents retrieval brought
    # for this message also run (gated by their own when_words / when_entities; they add only what they compute, at
    # most `fallback_facts`): a question the intent model files under a neighbouring intent still gets its computed
    # answer. 0 turns it off.
    fallback_docs: int = Field(default=2, ge=0, le=5)
    fallback_facts: int = Field(default=2, ge=0, le=5)
    # the measure words a count of the customer's assets is written with (an industry's: 台, 辆 …): a follow-up
    # "那4台" or "10月份提的那8台" picks the batch of that size; none listed, a count selects nothing
    count_units: list[str] = Field(default_factory=list)
    # … and in English: what the assets are called, counted the English way ("6 vans", "9 sedans"); a count before a
    # model code ("7 X7 SUVs") or the neutral "units" is read without them
    count_units_en: list[str] = Field(default_factory=list)
    # an asset described by a CRM field rather than named ("跑得最多那台", "the one with the lowest mileage"): the
    # words that pick the one with the highest / lowest value of that field among the assets the message means
    described_assets: list[DescribedBy] = Field(default_factory=list)
    # the tenant's word for a thing → other ways customers write it ("延保": 延长保修, extended warranty): the message
    # reads with the tenant's word added after each (needs, word gates and tools then read one word)
    synonyms: dict[str, list[str]] = Field(default_factory=dict)

    def with_synonyms(self, text: str) -> str:
        """`text` with the tenant's word written after each other way of saying it (case-insensitive; an ASCII
        variant where a word starts), unless the tenant's word is already there."""
        for word, variants in self.synonyms.items():
            for variant in sorted((v for v in variants if v), key=len, reverse=True):
                low = text.lower()
                spots = [m.end() for m in word_matches(variant.lower(), low)]
                for end in reversed(spots):
                    if not text[end : end + len(word) + 2].lstrip("（(").startswith(word):
                        text = f"{text[:end]}（{word}）{text[end:]}"
        return text

    @model_validator(mode="after")
    def _needs_name_tools(self) -> ToolsConfig:
        known = {t.id for specs in self.intents.values() for t in specs} | {t.id for t in self.any_intent}
        for i, need in enumerate(self.needs):
            unknown = [t for t in need.tools if t not in known]
            if unknown:
                raise ValueError(f"needs[{i}] names tools that no intent defines: {unknown}")
        return self

    def for_intent(self, intent: str) -> list[ToolSpec]:
        return list(self.intents.get(intent, []))

    def fallbacks(self, intent: str, docs: list[str]) -> list[ToolSpec]:
        """Tools of other intents on the given retrieved documents (best-ranked document first), one per id: of the
        specs sharing an id, the most gated one (a tool that is unconditional for its own intent may need words here)."""
        docs = docs[: self.fallback_docs]
        have = {t.id for t in self.intents.get(intent, [])} | {t.id for t in self.extra_for(intent)}
        best: dict[str, ToolSpec] = {}
        for specs in self.intents.values():
            for t in specs:
                if t.id in have or not t.doc or t.doc not in docs:
                    continue
                gates = len(t.when_words) + len(t.when_entities) + len(t.only_kinds)
                old = best.get(t.id)
                if old is None or gates > len(old.when_words) + len(old.when_entities) + len(old.only_kinds):
                    best[t.id] = t
        return sorted(best.values(), key=lambda t: docs.index(t.doc))

    def spec(self, tool_id: str) -> ToolSpec | None:
        """The least gated entry with this id (any intent, or any_intent): a need already says the question asks it."""
        found = [t for specs in self.intents.values() for t in specs if t.id == tool_id]
        found += [t for t in self.any_intent if t.id == tool_id]
        if not found:
            return None
        return min(found, key=lambda t: (len(t.when_words) + len(t.when_entities), len(t.say_when_words)))

    def asked(self, text: str, subject: str = "") -> tuple[list[str], set[str]]:
        """(tool ids the message's needs ask for, in the order the needs are listed; ids that some need lists but
        no need of this message asks). `subject`: the earlier turn a subjectless follow-up is about (Need.asked)."""
        wanted: list[str] = []
        listed: set[str] = set()
        for need in self.needs:
            listed |= set(need.tools)
            if need.asked(text, self.count_units, subject):
                wanted += [t for t in need.tools if t not in wanted]
        return wanted, listed - set(wanted)

    def asked_by(self, text: str) -> dict[str, list[str]]:
        """tool id → the words of the message that asked for it (every need that asks; the draft reads them to tell an
        offer asked about from one a word of another answer triggered: 补贴 of a trade-in subsidy)."""
        out: dict[str, list[str]] = {}
        for need in self.needs:
            words = need.matched(text, self.count_units)
            for t in need.tools if words else []:
                out.setdefault(t, [])
                out[t] += [w for w in words if w not in out[t]]
        return out

    def row_words(self, text: str) -> dict[str, list[str]]:
        """tool id → the words its rows must name, when every need of this message asking for it narrows its rows."""
        out: dict[str, list[str]] = {}
        open_ended: set[str] = set()
        for need in self.needs:
            if not need.asked(text, self.count_units):
                continue
            for t in need.tools:
                if need.row_words:
                    out.setdefault(t, [])
                    out[t] += [w for w in need.row_words if w not in out[t]]
                else:
                    open_ended.add(t)
        return {t: words for t, words in out.items() if t not in open_ended}

    def needed(self, intent: str, text: str, subject: str = "") -> list[ToolSpec]:
        """The tools the message's needs ask for that this intent does not run already, ungated by words: the need's
        words are the question. An asked tool that is also an any-intent check comes as its fullest entry (the price
        question's tier with its stacked offers and order-size approval, not the bare discount-word check)."""
        have = {t.id for t in self.intents.get(intent, [])}
        out: list[ToolSpec] = []
        for tool_id in self.asked(text, subject)[0]:
            spec = self.spec(tool_id)
            if tool_id in have or spec is None:
                continue
            out.append(spec.model_copy(update={"when_words": [], "say_when_words": []}))
        return out

    def extra_for(self, intent: str) -> list[ToolSpec]:
        """The any-intent tools this intent does not already run (by id)."""
        own = {t.id for t in self.intents.get(intent, [])}
        return [t for t in self.any_intent if t.id not in own]


class Profile(BaseModel):
    model_config = ConfigDict(
        extra="ignore", frozen=True
    )  # the tenant pack may carry more than drafting needs

    company: str = ""
    industry: str = ""
    persona: str = ""  # who drafts: "销售代表" / "customer advisor"
    tone: str = ""
    sign_off: str = ""
    sign_off_en: str = ""
    lang: str = "zh"
    products: list[str] = Field(
        default_factory=list
    )  # product and brand names (the no-tenant-in-code test reads them)
    # how the rep states the next step for an action of the catalog ("{label}" = the action's label); never a promise
    next_steps: dict[str, str] = Field(default_factory=dict)
    disclaimer: str = ""  # said after a policy figure, e.g. 具体以协议原文为准。
    disclaimer_en: str = ""
    disclaimer_when: list[str] = Field(
        default_factory=list
    )  # words in the answer that call for the disclaimer
    next_steps_en: dict[str, str] = Field(default_factory=dict)
    # asked when several of the customer's assets match and no tool could tell which ({count}, {hint})
    clarify_which: str = ""
    terms_en: dict[str, str] = Field(
        default_factory=dict
    )  # the tenant's words in English drafts (滤芯 → filter …)
    # plain wording of the tenant's tables in English drafts (regions, table headings, customer types: 华东 → East
    # China), apart from terms_en, whose keys are the tenant's own product words; merged into terms_en when loaded
    wording_en: dict[str, str] = Field(default_factory=dict)
    # documents marked `confidentiality: internal` inform the answer, but the customer's text neither names nor quotes
    # them; a tenant whose internal documents are agreements the customer is party to (a rebate agreement) may name them
    name_internal_docs: bool = False
    clarify_which_en: str = ""
    # intents whose draft opens with an apology whatever the words' heat (a calm "想反馈个事…等了三小时" is a complaint
    # too); a message with one of those intents' keywords gets it as well, whichever intent it was filed under
    apologize_intents: list[str] = Field(default_factory=list)
    # actions whose step books a time (a service visit, a call on site): when the customer names a day for it
    # ("下周六上午去做个保养，排得开吗"), that step is the reply's next step, whatever ranks first
    scheduling_steps: list[str] = Field(default_factory=list)
    # catalog actions whose next step is never said right after a refusal (a quote, an offer, a look-up of what was
    # just refused); they stay on the rep's card
    not_after_refusal: list[str] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _wording_is_english_too(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("wording_en"), dict):
            data = {**data, "terms_en": {**data["wording_en"], **(data.get("terms_en") or {})}}
        return data


def _load(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise UserError(f"{path}: not valid YAML ({exc})", reason="tenant_yaml_invalid") from exc
    if not isinstance(data, dict):
        raise UserError(f"{path}: must be a mapping", reason="tenant_yaml_invalid")
    return data


def _explain(path: Path, exc: ValidationError) -> str:
    lines = [f"{path.name}: {'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()[:8]]
    return "; ".join(lines)


_Pack = TypeVar("_Pack", bound=BaseModel)


def _validated(model: type[_Pack], path: Path) -> _Pack:
    """A pack file as its model, or a UserError naming the file and the fields at fault."""
    try:
        return model.model_validate(_load(path))
    except ValidationError as exc:
        raise UserError(f"{path}: {_explain(path, exc)}", reason="tenant_config_invalid") from exc


def load_tools(tenant_dir: Path) -> ToolsConfig:
    return _validated(ToolsConfig, tenant_dir / "tools.yaml")


def load_profile(tenant_dir: Path) -> Profile:
    return _validated(Profile, tenant_dir / "profile.yaml")
