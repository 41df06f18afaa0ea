"""What drafts share: which evidence may be cited, the customer's language, the numbering of citations."""

from __future__ import annotations

import re

from contract.evidence import Evidence, EvidenceKind
from contract.suggestions import Citation

CITABLE = (
    EvidenceKind.COMPUTED_FACT,
    EvidenceKind.POLICY_CLAUSE,
    EvidenceKind.CUSTOMER_FACT,
    EvidenceKind.SIGNAL,
    EvidenceKind.PERCEPTION,
)
EXTRACTIVE_LABEL = "【摘录草稿】"
EXTRACTIVE_LABEL_EN = "[Extractive draft] "
CJK = re.compile(r"[\u4e00-\u9fff]")
VERSION_SUFFIX = re.compile(r"\s*[Vv]\d+(?:\.\d+)*\s*$")


# an identifier that starts with a Chinese character (a licence plate "京·7QX2K", "沪D8Z3Q"): no Chinese written
PLATE_LIKE = re.compile(r"[\u4e00-\u9fff][A-Z]?[·.\-\s]?[A-Z0-9]{4,7}(?![A-Za-z0-9])")
LATIN_WORD = re.compile(r"[A-Za-z]{2,}")


def detect_lang(text: str, declared: str = "zh") -> str:
    """'en' when the customer wrote in English: no Chinese characters and some Latin words, or English sentences with
    one Chinese word in them ("What is the unit price after the 补贴?", "…end? 谢谢": six Latin words or more, two
    Chinese characters at most); else the declared language. A Chinese sentence with English words in it («我的X5 那个
    12V battery 的 warranty 还有多久») is Chinese, and so is a message addressing someone by a Chinese name and title
    ("Hi 王经理 when does it end"). A plate's leading characters are part of an identifier, not Chinese written ("the
    van with plate 京·7QX2K", "沪Z·QX7K2", "苏N·Q1209")."""
    text = PLATE_LIKE.sub(" ", text)
    letters = LATIN_WORD.findall(text)
    chinese = len(CJK.findall(text))
    if len(letters) >= 3 and (not chinese or (len(letters) >= 6 and chinese <= 2)):
        return "en"
    return "zh" if chinese else declared


def citable(evidence: list[Evidence], limit: int = 6) -> list[Evidence]:
    """Computed facts first (the answer), then policy clauses, signals and customer facts; PERCEPTION only when nothing
    else exists. A document's preamble is never cited as a clause."""
    order = {
        EvidenceKind.COMPUTED_FACT: -1,
        EvidenceKind.POLICY_CLAUSE: 0,
        EvidenceKind.SIGNAL: 1,
        EvidenceKind.CUSTOMER_FACT: 2,
    }
    evidence = [
        e
        for e in evidence
        if not (e.kind is EvidenceKind.POLICY_CLAUSE and e.source_ids.get("clause", "x") in ("前言", ""))
    ]
    picked = [e for e in evidence if e.kind in order]
    picked.sort(key=lambda e: (order[e.kind], -(e.score or 0.0)))
    if not picked:
        picked = [e for e in evidence if e.kind is EvidenceKind.PERCEPTION]
    return picked[:limit]


def numbered(evidence: list[Evidence]) -> list[tuple[str, Evidence]]:
    return [(str(i), e) for i, e in enumerate(evidence, start=1)]


def citations_for(text: str, numbering: list[tuple[str, Evidence]]) -> list[Citation]:
    used = set(re.findall(r"\[(\d{1,3})\]", text))
    return [Citation(marker=m, evidence_id=e.id) for m, e in numbering if m in used]


def label(ev: Evidence) -> str:
    """A human-readable source: 《title》 第5条 for a clause, the title for the rest. The version stays in the citation's
    evidence (doc, version, clause), not in the text: a version string is a claim the grounding check must find."""
    if ev.kind is EvidenceKind.POLICY_CLAUSE:
        clause = ev.source_ids.get("clause", "")
        title = VERSION_SUFFIX.sub("", ev.title or ev.source_ids.get("doc_id", ""))
        return f"《{title}》" + (f" {clause}" if clause else "")
    return ev.title or ev.kind.value


def draft_evidence(evidence: list[Evidence], actions: list, limit: int = 3) -> list[Evidence]:
    """The evidence a draft may cite: the best clauses/facts plus every clause an action rests on (e.g. the spine plan)."""
    picked = citable(evidence, limit=limit)
    by_id = {e.id: e for e in evidence}
    for action in actions:
        for eid in action.evidence_ids:
            ev = by_id.get(eid)
            if ev is not None and ev.kind is EvidenceKind.POLICY_CLAUSE and ev not in picked:
                picked.append(ev)
    return picked


def focus_terms(entities: dict[str, list[str]]) -> list[str]:
    """Entity values an extractive excerpt should centre on (alarm codes, models, serials, order ids)."""
    keep = ("alarm_code", "product_model", "serial_number", "order_id", "sku")
    return [v for k in keep for v in entities.get(k, [])]
