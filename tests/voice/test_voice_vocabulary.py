"""The tenant vocabulary after decoding (real tenant packs, real pypinyin) and the confidence gate's rules."""

from __future__ import annotations

import pytest

from channels.voice.confidence import assess
from channels.voice.decoder import DecodeResult, collapse_repeats
from channels.voice.vocabulary import VocabularyCorrector, syllable_similarity
from copilot.settings import DEMO_TENANT_DIR

AUTODEALER_DIR = DEMO_TENANT_DIR.parent / "autodealer"


@pytest.fixture(scope="module")
def demo() -> VocabularyCorrector:
    return VocabularyCorrector.from_tenant_dir(DEMO_TENANT_DIR)


@pytest.mark.parametrize(
    ("heard", "expected"),
    [
        ("C型臂报警E二零三，主轴过热", "C形臂报警E-203，主轴过热"),  # pinyin-near term + spoken code
        ("宽关节假体HJ二零零多少钱", "髋关节假体HJ-200多少钱"),
        ("椎弓根螺丁系统", "椎弓根螺钉系统"),
        ("我要LCP三点五的接骨板", "我要LCP-3.5的接骨板"),  # a decimal read aloud
        ("机器报E幺零幺", "机器报E-101"),  # 幺 = 1
        ("手机幺三八一七六二四五九零一", "手机138176245901"),  # a digit run read one by one
    ],
)
def test_demo_vocabulary_corrects(demo: VocabularyCorrector, heard: str, expected: str) -> None:
    assert demo.correct(heard).text == expected


@pytest.mark.parametrize(
    "text",
    ["今天天气很好，二零二四年", "top 10 的产品", "我想问一下返点政策", "这个型号的价格", "喂喂喂你好你好"],
)
def test_ordinary_words_are_left_alone(demo: VocabularyCorrector, text: str) -> None:
    result = demo.correct(text)
    assert result.text == text and result.corrections == []


def test_code_format_follows_the_tenants_patterns() -> None:
    dealer = VocabularyCorrector.from_tenant_dir(AUTODEALER_DIR)
    assert dealer.correct("车子报P零三零一了").text == "车子报P0301了"  # OBD codes have no dash there
    assert dealer.correct("灵越S7的保养").text == "凌越S7的保养"


def test_no_vocabulary_file_still_normalises_codes(tmp_path) -> None:  # type: ignore[no-untyped-def]
    bare = VocabularyCorrector.from_tenant_dir(tmp_path)
    assert bare.terms == [] and bare.correct("报警E二零三").text == "报警E-203"


def test_pinyin_nearness() -> None:
    assert syllable_similarity("zhou", "zou") == 0.85 and syllable_similarity("xing", "xin") == 0.85
    assert syllable_similarity("c", "xi") == 0.85  # the letter C as Mandarin speakers say it
    assert syllable_similarity("bao", "pao") == 0.0


def test_loops_are_cut_but_numbers_and_speech_repeats_are_not() -> None:
    assert collapse_repeats("祝祝祝祝祝祝祝祝") == "祝"
    assert collapse_repeats("我想追犯意的貴我想追犯意的貴我想追犯") == "我想追犯意的貴"
    assert collapse_repeats("13800000000") == "13800000000"
    assert collapse_repeats("喂喂喂，你好你好") == "喂喂喂，你好你好"


@pytest.mark.parametrize(
    ("result", "low", "reason"),
    [
        (DecodeResult(text="你好世界", avg_logprob=-0.18, lang="zh", lang_prob=0.99), False, ""),
        (
            DecodeResult(text="先被抱歉二連三", avg_logprob=-1.48, lang="zh", lang_prob=0.6),
            True,
            "low_logprob",
        ),
        (DecodeResult(text="词曲 李", avg_logprob=-1.7, no_speech_prob=0.65), True, "no_speech"),
        (DecodeResult(text="字幕由社区提供", avg_logprob=-0.3), True, "hallucination"),
        (DecodeResult(text="祝", avg_logprob=-0.2, loop_cut=True), True, "repetition_loop"),
        (
            DecodeResult(text="Hello, I would like to ask", avg_logprob=-0.6, lang="en", lang_prob=0.98),
            True,
            "foreign_language:en",
        ),  # fmt: skip
        (
            DecodeResult(text="这个新或者大历上", avg_logprob=-0.5, lang="th", lang_prob=0.9),
            False,
            "",
        ),  # script wins
    ],
)
def test_confidence_gate(result: DecodeResult, low: bool, reason: str) -> None:
    confidence = assess(result, expected_lang="zh")
    assert confidence.low is low
    if reason:
        assert reason in confidence.reasons
        assert confidence.signals(result)["asr_low_confidence"] == 1.0


def test_cut_off_utterance_is_low_confidence() -> None:
    confidence = assess(DecodeResult(text="你好我想问", avg_logprob=-0.2), expected_lang="zh", cut_off=True)
    assert confidence.low and confidence.signals(DecodeResult(text="x"))["asr_cut_off"] == 1.0
