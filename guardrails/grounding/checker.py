"""`ClaimGroundingChecker`: every claim in a draft must be found in the evidence it cites.

Per sentence: the evidence cited by that sentence's markers is tried first, then the rest of the draft's citations
(an uncited sentence may rest on the draft's sources). A claim is supported when the same normalised value occurs in
that evidence (3% = 百分之三 = 97折, ¥1,200 = 1200元, 2026-07-01 = 2026年7月1日); a promise is supported only when an
evidence sentence makes the same promise. Sentences with unsupported claims are removed (or flagged in place)."""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from typing import Literal

from contract.evidence import Evidence
from contract.suggestions import CITATION_MARKER, Draft, DraftSource, GuardVerdict, VerdictOutcome
from guardrails.grounding.claims import COUNT_UNITS, PROMISE, Claim, canon, extract

# A sentence ends at a Chinese stop or semicolon (。！？；), ! ?, a line end, or an English full stop before a space
# (not a title's "Ms. " nor a decimal's "1.5"), its citation markers kept with it. An English sentence is removed
# whole: never a span from the middle of one to the middle of the next (one offer's head joined to the next offer's
# tail, with the next one's dates), nor a clause after its "; " left standing without the words it belongs to.
_SENTENCE = re.compile(
    r"(?:[^。！？!?；\n.]|\.(?!\s)|(?<=\bMr|\bMs|\bDr|\bNo|\bSt|\bvs)\.|(?<=\bMrs)\.)*"
    r"(?:[。！？!?；\n]|\.(?=\s|$)|$)(?:\s*\[\d{1,3}\])*"
)
FLAG = "【待核实】"


def _sentences(text: str) -> list[str]:
    return [s for s in _SENTENCE.findall(text) if s]


def _bigrams(text: str) -> set[str]:
    t = re.sub(r"\s+|\[\d+\]", "", text)
    return {t[i : i + 2] for i in range(len(t) - 1)}


_CLAUSE = re.compile(r"[^，,；;。：:\n（）()!?！？]+")
_VALUE_CHARS = re.compile(r"[\d.%％¥$,]")
_SUBJECT_KINDS = ("percent", "money", "quantity")


def _subject_bigrams(text: str) -> set[str]:
    """Bigrams of the words around a value, without the value itself: what the number is about."""
    return {b for b in _bigrams(text) if not _VALUE_CHARS.search(b)}


def _clause_at(text: str, pos: int) -> str:
    return next((m.group(0) for m in _CLAUSE.finditer(text) if m.start() <= pos < m.end()), text)


class _EvidenceIndex:
    """Claims and promise sentences of one evidence text, computed once per check."""

    def __init__(self, ev: Evidence) -> None:
        text = canon(ev.content)
        self.id = ev.id
        self.claims = extract(text)
        self.values = {(c.kind, _key(c.value)) for c in self.claims}
        self.numbers = {_key(v) for c in self.claims for v in _numbers_in(c)}
        # the title and version count for model / version claims: a draft may name 《…V3.2》 it cites
        label = canon(f"{ev.title} V{ev.version} " if ev.version else f"{ev.title} ")
        self.flat = re.sub(r"[\s\-]", "", label + text).upper()
        self.promises = [_bigrams(s) for s in _sentences(text) if PROMISE.search(s)]
        # Which clause each value sits in, so 8% stated for 区域经理 does not support 8% claimed for 销售代表.
        self.clauses = [(m.start(), m.end(), _subject_bigrams(m.group(0))) for m in _CLAUSE.finditer(text)]
        self.value_clauses: dict[tuple[str, object], set[int]] = {}
        for c in self.claims:
            if c.kind in _SUBJECT_KINDS:
                idx = next((i for i, (a, b, _) in enumerate(self.clauses) if a <= c.start < b), -1)
                self.value_clauses.setdefault((c.kind, _key(c.value)), set()).add(idx)

    def misattributed(self, claim: Claim, sentence: str) -> bool:
        """The value is in the evidence, but the draft's words around it match another clause holding another value of
        the same kind better than any clause holding this one."""
        mine = self.value_clauses.get((claim.kind, _key(claim.value)), set())
        rivals = set().union(*(v for (k, val), v in self.value_clauses.items() if k == claim.kind)) - mine
        if not mine or not rivals:
            return False
        words = _subject_bigrams(_clause_at(sentence, claim.start))
        overlap = {i: len(words & self.clauses[i][2]) for i in mine | rivals if i >= 0}
        best_mine = max((overlap.get(i, 0) for i in mine), default=0)
        return max(overlap.get(i, 0) for i in rivals) > best_mine

    def supports(self, claim: Claim, sentence: str) -> bool:
        if claim.kind in ("model", "version"):
            return (
                str(claim.value).replace(".", "") in self.flat.replace(".", "")
                or (claim.kind, claim.value) in self.values
            )
        if claim.kind == "date":
            return any(k == "date" and _date_compatible(claim.value, v) for k, v in self.values)
        if claim.kind == "number":
            return _key(claim.value) in self.numbers
        if claim.kind == "promise":
            mine = _bigrams(sentence)
            return any(len(mine & theirs) / max(1, len(mine)) >= 0.5 for theirs in self.promises)
        if claim.kind == "quantity" and isinstance(claim.value, tuple) and claim.value[1] == "count":
            # "5 units": any count of 5 things the evidence states (5台, 5件), or the same English count
            n = _key(claim.value[0])
            return any(
                k == "quantity"
                and isinstance(v, tuple)
                and v[0] == n
                and (v[1] in COUNT_UNITS or v[1] == "count")
                for k, v in self.values
            )
        if (claim.kind, _key(claim.value)) not in self.values:
            return False
        return not (claim.kind in _SUBJECT_KINDS and self.misattributed(claim, sentence))


# An evidence text's index depends on that text alone, and the same clauses and customer facts come back message after
# message: built once per (id, content, title, version) instead of once per check (it was most of guard_output's time).
# Indexes are read-only once built. Bounded; the oldest is dropped first.
_INDEX_CACHE: OrderedDict[tuple[str, str, str, str], _EvidenceIndex] = OrderedDict()
_INDEX_CACHE_MAX = 4096
_INDEX_LOCK = threading.Lock()


def _index(ev: Evidence) -> _EvidenceIndex:
    key = (ev.id, ev.content, ev.title, ev.version)
    with _INDEX_LOCK:
        hit = _INDEX_CACHE.get(key)
        if hit is not None:
            _INDEX_CACHE.move_to_end(key)
            return hit
    built = _EvidenceIndex(ev)
    with _INDEX_LOCK:
        _INDEX_CACHE[key] = built
        while len(_INDEX_CACHE) > _INDEX_CACHE_MAX:
            _INDEX_CACHE.popitem(last=False)
    return built


def _key(value: object) -> object:
    if isinstance(value, float):
        return round(value, 4)
    if isinstance(value, tuple):
        return tuple(_key(v) for v in value)
    return value


def _numbers_in(c: Claim) -> list[object]:
    if c.kind in ("percent", "money", "number") and isinstance(c.value, float):
        return [c.value]
    if c.kind == "quantity" and isinstance(c.value, tuple):
        return [c.value[0]]
    if c.kind == "date" and isinstance(c.value, tuple):
        return [float(v) for v in c.value if v is not None]
    return []


def _date_compatible(mine: object, theirs: object) -> bool:
    if not isinstance(mine, tuple) or not isinstance(theirs, tuple):
        return False
    return all(a is None or a == b for a, b in zip(mine, theirs, strict=True)) and mine.count(
        None
    ) >= theirs.count(None)


class ClaimGroundingChecker:
    def __init__(self, on_unsupported: Literal["remove", "flag"] = "remove") -> None:
        self.on_unsupported = on_unsupported

    def check(self, draft: Draft, evidence: list[Evidence]) -> tuple[Draft, GuardVerdict]:
        by_id = {e.id: e for e in evidence}
        cited = {c.marker: c.evidence_id for c in draft.citations}
        reasons: list[str] = []
        dangling = [c.evidence_id for c in draft.citations if c.evidence_id not in by_id]
        if dangling:
            reasons.append(f"citations point at evidence not supplied: {', '.join(dangling)}")
        indexes = {eid: _index(by_id[eid]) for eid in dict.fromkeys(cited.values()) if eid in by_id}
        uncited = not indexes
        if uncited:
            indexes = {e.id: _index(e) for e in evidence}
        records: list[dict[str, object]] = []
        kept: list[str] = []
        unsupported = 0
        for idx, original in enumerate(_sentences(draft.text)):
            sentence = canon(original)  # NFKC for matching only; the draft keeps its own punctuation
            own = [cited[m] for m in CITATION_MARKER.findall(sentence) if m in cited and cited[m] in indexes]
            order = list(dict.fromkeys(own + list(indexes)))
            bad = False
            for claim in extract(sentence):
                support = next((eid for eid in order if indexes[eid].supports(claim, sentence)), "")
                records.append(
                    {
                        "sentence": idx,
                        "kind": claim.kind,
                        "text": claim.text,
                        "supported": bool(support),
                        "evidence_id": support,
                    }
                )
                bad = bad or not support
            if bad:
                unsupported += 1
                if self.on_unsupported == "flag":
                    kept.append(original + FLAG)
            else:
                kept.append(original)
        new_text = "".join(kept).strip()
        bad_claims = [r for r in records if not r["supported"]]
        if uncited and records:
            reasons.append(
                "draft cites no supplied evidence: its claims were checked against all evidence given"
            )
        for r in bad_claims:
            reasons.append(f"unsupported {r['kind']} claim「{r['text']}」")
        if bad_claims and not CITATION_MARKER.sub("", new_text).strip(" 。，,.!！"):
            outcome = VerdictOutcome.BLOCK
            reasons.append("nothing supported is left of the draft")
        else:
            outcome = VerdictOutcome.WARN if bad_claims or dangling else VerdictOutcome.ALLOW
        markers = set(CITATION_MARKER.findall(new_text))
        new_draft = draft.model_copy(
            update={
                "text": new_text if outcome is not VerdictOutcome.BLOCK else "",
                "citations": [c for c in draft.citations if c.marker in markers and c.evidence_id in by_id]
                if outcome is not VerdictOutcome.BLOCK
                else [],
                "source": draft.source if outcome is not VerdictOutcome.BLOCK else DraftSource.NONE,
            }
        )
        verdict = GuardVerdict(
            guard="grounding",
            outcome=outcome,
            reasons=reasons,
            details={
                "claims": records,
                "unsupported_sentences": unsupported,
                "mode": self.on_unsupported,
                "checked_claims": len(records),
            },
        )
        return new_draft, verdict
