"""An English draft's sentence with an unsupported claim is removed whole: never a span from the middle of one sentence to
the middle of the next (session 20: «…PR-2604 … ; the order day decides: orders placed by 2026-11-30» — the head of one
offer joined to the tail of the next, with the next one's end date), nor a clause after its "; " left alone."""

from __future__ import annotations

from contract import Citation, Draft, Evidence, EvidenceKind
from guardrails.grounding import ClaimGroundingChecker
from guardrails.grounding.checker import _sentences

A = Evidence(
    id="cf-a", kind=EvidenceKind.COMPUTED_FACT, content="AB-12：2026年9月1日至2026年12月31日，每台补贴6000元"
)
B = Evidence(
    id="cf-b", kind=EvidenceKind.COMPUTED_FACT, content="CD-34：2026年11月1日至2026年11月30日，工时费8折"
)
CITES = [Citation(marker="1", evidence_id="cf-a"), Citation(marker="2", evidence_id="cf-b")]


def test_an_unsupported_english_sentence_goes_whole_and_alone() -> None:
    text = (
        "Hello Ms. Li, AB-12 (2026-09-01 to 2026-12-31): a CNY 6,000 subsidy per unit; orders placed by 2026-12-31 "
        "get it[1]. CD-34 (2026-11-01 to 2026-11-30): labour 20% off, part 77 free; orders placed by 2026-11-30 get "
        "it[2]. Feel free to reach out."
    )
    draft, verdict = ClaimGroundingChecker("remove").check(Draft(text=text, citations=CITES), [A, B])
    assert draft.text == (
        "Hello Ms. Li, AB-12 (2026-09-01 to 2026-12-31): a CNY 6,000 subsidy per unit; orders placed by 2026-12-31 "
        "get it[1]. Feel free to reach out."
    )
    assert "2026-11-30" not in draft.text and verdict.details["unsupported_sentences"] == 1


def test_sentences_end_at_an_english_full_stop_not_a_title_or_decimal() -> None:
    text = (
        "Hello Mr. Wu, the 1.5T model: CNY 1,000[1]. Next one; still the same sentence[2]. 尾句。好的；再见"
    )
    assert _sentences(text) == [
        "Hello Mr. Wu, the 1.5T model: CNY 1,000[1].",
        " Next one; still the same sentence[2].",
        " 尾句。",
        "好的；",
        "再见",
    ]
