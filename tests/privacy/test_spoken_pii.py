"""Spoken, spaced and mixed forms of mobiles, resident IDs and bank cards are masked; non-PII numbers survive."""

from __future__ import annotations

from pathlib import Path

import pytest

from contract.numerals import normalise_spoken, spoken_runs, spoken_to_digits
from copilot.privacy.spoken_eval import load, score
from guardrails.pii import RuleMasker, detect

DATA = Path(__file__).resolve().parents[2] / "evals" / "datasets" / "privacy"


def test_normaliser_is_length_preserving_and_reads_yao_liang_and_mixed_groups() -> None:
    text = "手机幺三八 1762 四五九零，订单E二零三"
    out = normalise_spoken(text)
    assert len(out) == len(text)
    assert "138 1762 4590" in out
    assert out.endswith("E二零三")  # three digits are not a number read aloud
    assert spoken_to_digits("电话一三八，一七六两，四五九零") == "电话13817624590"
    assert list(spoken_runs("二零二四年三月")) == []


@pytest.mark.parametrize(
    ("text", "entity"),
    [
        ("手机号幺五九二七六三零八一四，找我就行", "CN_MOBILE"),  # 15927630814 with 幺
        ("电话一五九 2763 零八一四", "CN_MOBILE"),  # mixed groups
        ("电话 1 5 9 2 7 6 3 0 8 1 4", "CN_MOBILE"),  # digits read one by one, spaced by the ASR
        ("证件四四零三零五一九八八零七二一幺零五叉", "CN_RESIDENT_ID"),  # 44030519880721105X, 叉 = X
        ("卡号六二二二 零二一二 三四五六 七八九零 一二八", "BANK_CARD"),  # Luhn-valid 19 digits
    ],
)
def test_spoken_values_are_detected_with_the_right_entity(text: str, entity: str) -> None:
    assert [c.entity for c in detect(text)] == [entity]


def test_a_word_starting_with_a_chinese_digit_does_not_swallow_into_a_written_number() -> None:
    # 一直 / 两个 after a typed mobile: the 一 / 两 is the word's, the mobile stays 11 digits
    assert [c.entity for c in detect("我手机13812345678一直开着")] == ["CN_MOBILE"]
    assert [c.entity for c in detect("电话13812345678两个人都能接")] == ["CN_MOBILE"]


def test_checksums_still_decide_spoken_ids_and_cards() -> None:
    # one digit off: no longer a valid ID (no 身份证 cue, so not masked) or a Luhn card (no card cue)
    assert detect("号码四四零三零五一九八八零七二一幺零六叉") == []
    assert detect("这串是六二二二 零二一二 三四五六 七八九零 一二九") == []


@pytest.mark.parametrize(
    "text",
    [
        "订单金额一万三千八百元，交货日期二零二五年十二月三十一日",
        "设备报警E二零三，主轴过热",
        "订单号二零二四零三一五零零八八，帮我查物流",
        "我打了四零零 八二零 一三一四，没人接",
    ],
)
def test_amounts_dates_codes_and_order_numbers_survive(text: str) -> None:
    assert RuleMasker().mask(text).text == text


@pytest.mark.parametrize("name", ["spoken_pii.jsonl", "spoken_pii_fresh.jsonl"])
def test_labelled_sets_meet_the_recall_goal(name: str) -> None:
    rows = load(DATA / name)
    assert len(rows) >= 60
    result = score(rows)
    assert result["labelled_values"] >= 60
    assert result["spoken_pii_recall"] >= 0.99, result["misses"]
    assert result["non_pii_precision"] == 1.0, result["negatives_flagged_examples"]
