"""Do the answers generalise to shapes nobody tuned on? One test over every round's answers scratch set
(tests/agents/data/answers_scratch_r*.yaml): NEW messages written from the autodealer pack's policies and CSVs (never a
held-out file) with hand-computed must-mention facts and must-not-claim guards, run through the real graph (no LLM), as
`copilot eval run … -c evals/configs/no-llm.yaml` does. Each round's before/after and what it still misses is in the
comments of its row in ROUNDS; the floors sit at or a little under what was measured, so they guard the mechanisms.

This file replaces test_answers_scratch_r7/r8/r9/r10/r10b.py (the same three tests per set), same behaviour."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.agents.scratch_suite import must_mention_items, must_not_claim_breaks, run_scratch_suite

DATA = Path(__file__).parent / "data"


@dataclass(frozen=True)
class Round:
    data: str  # file under tests/agents/data
    prefix: str  # every case id starts with it
    min_cases: int  # cases the set holds at least
    min_items: int  # must-mention items the set asks at least
    item_floor: float  # share of must-mention items stated
    cases_floor: int | None = None  # cases passing every check, where the round measured it
    breaks_allowed: int = 0  # must-not-claim checks that may break


ROUNDS = [
    # r7: 26 messages — rambling voice calls, English rep asks over mixed warranty versions, trade-ins refused by the
    # 名下满6个月 rule, multi-need messages, images with and without OCR text, date edges; must-not-claim guards for an
    # unrelated offer appended, Chinese table words in an English draft, long drafts.
    # Before (47a4b9b + that round's tree): items 35/46 = 0.761, 14/26 cases. After: 41/46 = 0.891, 22/26 cases; the
    # misses are the English rep asks' answers (agents/ask.py) and a package renewal price the fleet-tier package quote
    # crowds out.
    Round("answers_scratch_r7.yaml", "scr-r7-", 20, 40, 0.84, cases_floor=20),
    # r8: 27 messages — photos with no text where the CRM holds the fault codes or open ticket, part-level warranty
    # (brake pads, wipers, tyres, 12V battery, spark plugs) and exclusions (outside shop, accident, modification),
    # English messages with several questions, open tickets for the same vehicle, refusals to someone speaking for the
    # holder, fault drafts that read like a form, tier rows pasted.
    # Before (e217441): items 20/49 = 0.408, 3/27 cases, 9 must-not breaks. After: 47/49 = 0.959, 25/27, 0 breaks; the
    # misses: an English fleet-package price (no package the price table knows) and the refund rule of an English
    # two-question message. e1/e2 (a proxy caller) are refused by the authz screen; without it their drafts carry the
    # holder's package and warranty: at most those two breaks.
    Round("answers_scratch_r8.yaml", "scr-r8-", 25, 40, 0.9, cases_floor=23, breaks_allowed=2),
    # r9: 7 messages, one per mechanism — another maker's car dated by the message, one order of two models, a code
    # read aloud with letters, an extended warranty priced for a count and started the day after the term, an English
    # renewal window, a new car's warranty for a prospect, an individual's traction-battery term. Written after the
    # round's first commit (2dcac70): it guards, the numbers are in that commit message.
    Round("answers_scratch_r9.yaml", "scr-r9-", 7, 14, 0.85),
    # r10: 8 messages in registers the tuning cases have few of (voice transcript with fillers, WeChat with emoji,
    # English, a rep's ask), some two tools chained. Before: 8/23 items (0.348), 0/8 cases. After: the rep's own
    # discount limit, the writer greeted rather than a colleague, a part's own term deciding who pays, a refund
    # recomputed for the later days named, a fleet's trade-in per delivery batch, a rep's talking points. Still
    # missing: (a) the voice transcript with fillers reads as out of scope (intent), (h) an English rep ask's dates in
    # Chinese.
    Round("answers_scratch_r10.yaml", "scr-r10-", 8, 23, 0.7),
    # r10b: 7 messages (WeChat with emoji, voice, English, a rep's ask) for other customers than the tuning cases — a
    # count over the customer's CRM records, last service + the interval → next due, the privacy notice's purpose
    # clause, the extended-warranty lead among talking points. Before: 1/14 items (0.071), 0/7. After: 14/14, 7/7.
    Round("answers_scratch_r10b.yaml", "scr-r10b-", 7, 14, 0.85),
    # r11: 12 messages in registers the earlier sets lack — traditional characters, code-switching, a past weekday with
    # 了, a self-correcting voice transcript, ①②, typos, a plate number, a period word inside a whole-fleet count, an
    # English demand to promise an approval. Written before the round's fixes (committed with its baseline).
    # Before (3aa70cc): items 20/27 = 0.741, 7/12 cases. After: 26/27 = 0.963, 11/12 cases — the next service by
    # mileage (d), the whole-fleet count past a period word (k), the extended warranty's end (i), the 4% worth in
    # English (l). Still missing: e (a plate the masker hides, and 下一次 is no need word: next_service never runs).
    Round("answers_scratch_r11.yaml", "scr-r11-", 12, 27, 0.96, cases_floor=11),
    # r15: 28 messages (16 English, 4 voice) for the fact kinds batches A–E and note14 found missed — a renewal price
    # that does not stack with the tier's package price (the better one), an extended warranty for N units in English,
    # who approves (English, a rate said in words), another maker's car dated in English, an expired warranty with no
    # extended-warranty price, 续航 read as no renewal, complaint shapes under another intent, a booking question.
    # Before (7ae93fa): items 18/34 = 0.529, 5 must-not breaks. After: 32/34 = 0.941, 2 breaks — xh a/b: a
    # service_package question about range still hears its contract's end date (package_renewal runs unconditionally
    # for that intent; gating it on end/renewal words dropped asked facts in the tuning suite and batch D). Misses:
    # ti-c (a 2024 BYD beside a 2025 delivery reads as the customer's own car), dr-c (no booking action offered).
    # dr-a's "24个月" is also met by the vehicle term: the battery's own term is not said for a fleet of three batches.
    Round("answers_scratch_r15.yaml", "scr-r15-", 25, 34, 0.9, breaks_allowed=2),
    # r16: 30 messages (6 English, 3 voice, 3 traditional) for four kinds the A–F audit and note15 found — a campaign
    # checked at the day the customer says they will order, not today (pd, 12 incl. 5 controls); the most a rep may
    # grant asked with no figure, priced after the fleet tier (ol, 9); a deletion request answered as a deletion (dl, 4);
    # why a newer warranty version does not apply (wv, 5 incl. a control). Before (0bd19f5): items 21/44 = 0.477, 6/30
    # cases, 6 must-not breaks ("您符合条件" for a campaign ending before the order day). After: 42/44 = 0.955, 29/30,
    # 0 breaks; the miss is ol-c (an English "the most you can knock off" reads as out of scope: intent).
    Round("answers_scratch_r16.yaml", "scr-r16-", 28, 40, 0.9, cases_floor=27),
    # r17: 52 messages in author styles the earlier sets lack (terse chat, typos, Cantonese/traditional, rambling voice
    # with self-corrections, forwarded threads, English mixed with Chinese, numbers without units, vehicles described)
    # for seven kinds note16 left open — an offer declined / already had is not quoted (st, 8 + 4 innocents); a second
    # question gets its own tool (sq, 10); a total the customer states holds the tier (tt, 6 + 2 innocents); the price
    # belongs to the model the ask names (mn, 5); the 12V battery (bt, 5); an order day said in English (en, 7); a
    # campaign with no order day says its window, not «您符合条件» (cw, 5). Before (59919ea): items 58/85 = 0.682,
    # 16/52 cases, 16 must-not breaks. After d3513df: 70/85 = 0.824, 37/52, 3 breaks (st b/g/h: «唔使», «不用了谢谢», «想了想
    # 还是算了» are not read as declining by the stance reader). With the English 12V battery words (tools.yaml synonyms):
    # 74/85 = 0.871, 40/52, 3 breaks. Misses: a tier price asked beside a second question (sq g–j), an English last
    # service beside the battery (sq f), English "8% all-in" (no price word by the figure), mn-c and en-b read as out of
    # scope (intent), the fleet subsidy line without its last day (cw-d).
    Round("answers_scratch_r17.yaml", "scr-r17-", 50, 80, 0.87, cases_floor=40, breaks_allowed=3),
    # r17b (reviewer M2/M3 on d3513df): 35 messages written and measured before the fix (c31d9ae) — bare points vs. a
    # count of people after the measure word (11 innocents, 7 intended: zh, voice, Cantonese, English) and a denied
    # decline / a price asked back beside a decline (10 intended, 7 innocents that must still drop the offer).
    # Before: 23/35 cases (bp innocents 7/11: «您提到的N个点» for 司机/驾驶员/客户经理/新手司机; dn intended 2/10),
    # must-mention 16/24. After (jieba's tag of the word after 个; _DENIED_BEFORE in the stance reader; a price clause
    # naming nothing else keeps the offer): 35/35, 24/24, 0 breaks.
    Round("answers_scratch_r17b.yaml", "scr-r17b-", 35, 24, 1.0, cases_floor=35, breaks_allowed=0),
    # r18: 34 messages for the kinds of batch H's must-mention misses (tests/agents/test_answers_r18.py), written and
    # measured before the fixes (fb104de): the traction battery said as plain 电池 (bt, 6 + 3 innocents: a petrol
    # car's 电瓶 / "battery"), pack words typed as homophones (hp, 6 + 1), a count said with 个 (ct, 5 + 1), the final
    # price with every offer that stacks (fp, 5 + 1), a vehicle described by its odometer (dv, 4), a plate without its
    # region (pl, 2). Before: items 19/42, 12/34 cases, 1 break (bt-i: the traction battery told for a petrol car).
    # After the battery head word and the column's qualifier (（纯电车型）), the plate's local part, «来6个» as units
    # (and a renewal priced for the units asked), the final price over the savings a policy lets stack, a vehicle
    # picked by its odometer's extreme: 38/42, 31/34, 0 breaks (the misses: hp c/d/e, homophones).
    Round("answers_scratch_r18.yaml", "scr-r18-", 34, 42, 0.9, cases_floor=31, breaks_allowed=0),
    # r19: 45 messages for the kinds of blind batch I's must-mention misses (tests/agents/test_answers_r19.py),
    # written and measured before the fixes (fe3be5d), other customers and vehicles, zh/en/voice/procurement/stories:
    # corrections across turns and in one breath (co, 5 + 1 innocent), points on top of the tier incl. «一个半点» and
    # English "points" (xp, 5 + 1), an order over 300万 → 总经理 (gm, 4 + 1), a package for N vehicles (pa, 5), a
    # hypothetical trade-in count (ht, 4 + 1), a package's remainder refunded in a follow-up (rf, 4 + 1), the price a
    # customer excluded from an offer does get, also when the order is said only as «能用就订5台» (ex, 6 + 2), another
    # maker's car of a given year → subsidy and final price (ob, 4 + 1). Before: items 38/79, 18/45 cases. After
    # (counts in Chinese numerals, what is taken back, English counts/points, a package's table price below every tier,
    # the units of a batch traded, two-digit years, the final price asked «补完/算下来…多少» and without an offer, a
    # follow-up's subject from the turn before, an ordered count as a price ask): 75/79, 43/45, 0 breaks. Misses: co-a
    # («搞错了» read as a complaint), co-c (an English correction read out of scope): intent.
    Round("answers_scratch_r19.yaml", "scr-r19-", 45, 79, 0.94, cases_floor=43, breaks_allowed=0),
]


@pytest.fixture(scope="module", params=ROUNDS, ids=[r.prefix.strip("-") for r in ROUNDS])
def round_run(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    rnd: Round = request.param
    for run in run_scratch_suite(DATA / rnd.data, tmp_path_factory.mktemp(rnd.prefix.strip("-"))):
        yield rnd, run


@pytest.mark.parametrize("rnd", ROUNDS, ids=[r.prefix.strip("-") for r in ROUNDS])
def test_scratch_set_is_new_and_hand_computed(rnd: Round) -> None:
    text = (DATA / rnd.data).read_text(encoding="utf-8")
    assert text.count(f"  - id: {rnd.prefix}") >= rnd.min_cases
    assert "heldout" not in text.split("cases:")[1]  # never a held-out case


def test_must_mention_generalises(round_run) -> None:  # type: ignore[no-untyped-def]
    rnd, run = round_run
    hit, total = must_mention_items(run)
    assert total >= rnd.min_items
    assert hit / total >= rnd.item_floor, f"{hit}/{total}"
    if rnd.cases_floor is not None:
        passed = sum(1 for c in run.cases if c.status == "pass")
        assert passed >= rnd.cases_floor, f"{passed}/{len(run.cases)} cases"


def test_no_must_not_claim_broken(round_run) -> None:  # type: ignore[no-untyped-def]
    rnd, run = round_run
    broken = must_not_claim_breaks(run)
    assert len(broken) <= rnd.breaks_allowed, broken
