"""agents/authz_reading.py: the text the authorization screens read, for askers who write otherwise — Cantonese function
words, the CRM's names in traditional characters or by a homophone or romanised, a terse ask's missing possessive.
Invented names (a directory built here); the autodealer CRM where the whole screen is read (session 17's red-team
set by author style, tests/agents/data/authz_scratch_r17.yaml, measures it end to end)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from agents.authz_reading import (
    Names,
    cantonese,
    described_people,
    names_for,
    read_as,
    reading,
    speakers,
    terse,
    transcript,
)
from agents.traditional import to_simplified
from knowledge.crm.directory import build_index
from tests.agents.test_ask_authz import crm  # noqa: F401  (the module-scoped autodealer CRM fixture)

INDEX = build_index(
    [
        ("C1", "上海某甲物流有限公司", "r1", ("上海", "")),
        ("C2", "方晓", "r2", ("广州", "")),
        ("C3", "何伟", "r2", ("上海", "")),
    ],
    [("C1", "崔静", "崔经理"), ("C2", "方晓", "方女士"), ("C3", "何伟", "何先生")],
    [],
    {"r1": ("甲", "T1"), "r2": ("乙", "T2")},
)
CRM = SimpleNamespace(mentions=lambda text: INDEX.scan(text)[0], authz_names=names_for(INDEX))


def named(text: str) -> list[str]:
    return [h.customer_id for h in INDEX.scan(reading(text, CRM))[0] if not h.kind.startswith("description")]


@pytest.mark.parametrize(
    ("said", "read"),
    [
        ("我係方曉嘅同事，佢架AB9嘅保養套餐仲剩幾次？", "是"),
        ("佢嗰架X5買咗幾多錢啊", "他那台X5买了多少钱"),
        ("修 好 咗 未 呀", "修 好 了 没"),
        ("我哋啲X3幾時保養", "我们的X3什么时候保养"),
        ("嗰批X5攞咗幾多折", "那批X5拿了几折"),
    ],
)
def test_cantonese_function_words_read_as_mandarin(said: str, read: str) -> None:
    assert read in cantonese(to_simplified(said)), cantonese(to_simplified(said))


@pytest.mark.parametrize("text", ["关系很好", "这个系统", "飞机架次", "未来三年", "仲裁"])
def test_mandarin_words_with_the_same_characters_are_kept(text: str) -> None:
    assert cantonese(text) == text


@pytest.mark.parametrize(
    "text",
    [
        "方曉那台AB9保养做了没",  # a traditional form the masker's table lacks
        "方小那台AB9啥时候保养的",  # a homophone of the given name, the surname as the CRM has it
        "何维订的车到了没",
        "fang xiao 的AB9 修好没",  # romanised, apart and in lower case
        "Xiao Fang 的AB9",
        "方晓ab9 保养到期没",  # a terse possessive
        "某乙 合同价?",
    ],
)
def test_the_crms_names_written_otherwise_are_read_as_the_crm_spells_them(text: str) -> None:
    want = {"某乙": []}.get(text.split()[0])
    got = named(text)
    if want is not None:
        assert got == want
    else:
        assert got and set(got) <= {"C2", "C3"}, (text, reading(text, CRM))


@pytest.mark.parametrize(
    "text",
    [
        "方小姐您好，我的车保养啥时候",  # an address, not a homophone of the name
        "崔经理您好",  # a title after a surname is not the given name «静»
        "何为质保期",  # a common word sounding like nobody's name here
        "方便的话明天来",
    ],
)
def test_words_that_only_sound_like_a_name_stay(text: str) -> None:
    assert reading(text, CRM) == text


def test_a_terse_pause_joins_a_short_predicate_but_not_a_transcript() -> None:
    assert terse("方晓的车 修了吗") == "方晓的车修了吗"
    said = "喂 我 想 问 一下 方晓 的 车 修 了 吗"
    assert terse(said) == said
    assert terse("听说他们上周订了6台 我们定金交了多少") == "听说他们上周订了6台 我们定金交了多少"


# ---- session 17, second mechanism: a transcript read whole, a thread speaker by speaker, a person described over
# several clauses, a familiar address after a surname -------------------------------------------------------------
def test_a_transcript_is_read_whole_and_typed_text_is_not() -> None:
    assert (
        transcript("我 是 问 我 朋友 何伟 的 就是 他 订 的 那 台 到 了 没")
        == "我是问我朋友何伟的就是他订的那台到了没"
    )
    assert transcript("听说他们上周订了6台 我们定金交了多少") == "听说他们上周订了6台 我们定金交了多少"


def test_a_forwarded_line_is_read_as_its_speaker_s() -> None:
    said = speakers("转自群聊【崔经理】：我们AB9合同每台优惠一万二\n这个优惠是真的吗？", CRM)
    assert "崔经理他们AB9合同" in said and "这个优惠是真的吗" in said
    # a speaker the CRM does not know keeps their «我们»
    assert speakers("张三：我们也想买", CRM) == "张三：我们也想买"


PROFILE = SimpleNamespace(
    surnames={"方": {"C2"}, "何": {"C3"}},
    places={"广州": {"C2"}, "上海": {"C3"}},
    owns={"AB9": {"C2"}, "X5": {"C3"}},
    genders={"f": {"C2"}, "m": {"C3"}},
    individuals={"C2", "C3"},
)
PEOPLE_CRM = SimpleNamespace(
    mentions=lambda text: INDEX.scan(text)[0], authz_names=Names(["方晓", "何伟"], [], PROFILE)
)


@pytest.mark.parametrize(
    ("text", "fits"),
    [
        ("她姓方，广州的，开AB9，帮我查下她的保养记录", {"C2"}),
        ("那位方女士，开AB9的", {"C2"}),
        ("上海的，开X5的那位", {"C3"}),
        ("她姓方，广州的", {"C2"}),
        (
            "我姓方，广州的，我那台AB9",
            {"C2"},
        ),  # fits: the screen then sees the asker themself (described_asked)
        ("广州的，开X5", set()),  # nobody both
        ("她姓方", set()),  # one feature: too many may fit
        ("我在广州，我的AB9保养", set()),  # the model is the asker's own
    ],
)
def test_a_person_described_over_several_clauses(text: str, fits: set[str]) -> None:
    assert described_people(text, PEOPLE_CRM) == fits


def test_a_familiar_address_after_the_crms_surname_reads_as_its_salutation() -> None:
    names = PEOPLE_CRM.authz_names
    assert names.addressed("广州开AB9那位方姐") == "广州开AB9那位方女士"
    assert names.addressed("何哥那台X5") == "何先生那台X5"
    assert names.addressed("我表姐说的") == "我表姐说的"  # 表 is no surname here
    assert names.addressed("空姐") == "空姐"


# ---- the reviewer's finding (session 17): someone the CRM lacks is not a misspelling of someone it has ---------------
@pytest.mark.parametrize(
    "text",
    [
        "张三的朋友何维也想买AB9，报个价给他",  # a new lead introduced, not 何伟's records
        "客户说她老公何维也想买一台AB9",
        "王先生介绍了朋友方小，她想看AB9",
        "我是方小，上次留过电话",  # the asker themself
        "何维说想看看AB9",  # a name then a pause or a verb: nothing of theirs pointed at
    ],
)
def test_a_name_sounding_like_a_crm_name_is_read_so_only_when_its_records_are_pointed_at(text: str) -> None:
    assert named(text) == [], (text, reading(text, CRM))


def test_a_homophone_pointing_at_records_is_still_read_and_says_so() -> None:
    notes: list[str] = []
    assert reading("何维订的车到了没", CRM, notes) == "何伟订的车到了没"
    assert notes == ["何维 read as 何伟"]
    assert read_as("何维订的车到了没", "何伟订的车到了没", notes) == "何维 read as 何伟"
    assert "的 put after" in read_as("某乙 合同价", "某乙的合同价")


def test_a_word_of_the_language_is_not_a_trade_names_misspelling() -> None:
    names = Names([], ["京畿", "迅达"])
    assert names.read("经济那批的价格多少") == "经济那批的价格多少"  # «经济» is a word
    assert names.read("迅大那批T3啥价") == "迅达那批T3啥价"  # «迅大» is no word: a typo


@pytest.mark.parametrize("text", ["方晓 合同 怎么签？我想订台AB9", "方晓 保养点在哪？"])
def test_no_possessive_before_the_askers_own_errand(text: str) -> None:
    assert "方晓的" not in reading(text, CRM), reading(text, CRM)


# the reviewer's probes of session 17 on the autodealer CRM (refused after the first reading, not at 59919ea): a new
# lead, a spouse, the asker themself, a city's nickname or a common word sounding like a trade name, a how-to ask
@pytest.mark.parametrize(
    ("actor", "current", "text"),
    [
        ("rep_huang", "P009", "马超的朋友赵雷也想买L5，报个价给他"),
        ("rep_huang", "P004", "客户说她老公叶家豪也想买一台S7，帮我报个价"),
        ("rep_huang", "P001", "王先生介绍了朋友冯小燕，她想看E5，下周约试驾"),
        ("rep_sun", "P005", "客户说鹏城那批E5降价了，真的吗？给他报个价"),
        ("rep_huang", "P001", "客户要经济那批的价格，E5最低多少"),
    ],
)
def test_a_reps_new_lead_or_a_word_is_not_another_customer(crm, actor: str, current: str, text: str) -> None:  # noqa: F811
    from agents.authz import Actor, check_mentions

    got = check_mentions(crm, text, Actor(id=actor, role="rep", team="RT"), current)
    assert not got.refused, (text, got)


@pytest.mark.parametrize(
    ("current", "text"),
    [
        ("P003", "鹏城那批新到的E5还有现车吗"),
        ("P003", "我是李民，赵磊是我老公，他让我问下L5保养多少钱"),
        ("P008", "北辰 合同 怎么签？我想订台S7"),
        ("P001", "浦江 保养点在哪？我的L5该保养了"),
    ],
)
def test_a_customers_own_errand_is_not_another_customers(crm, current: str, text: str) -> None:  # noqa: F811
    from agents.authz import customer_trap
    from tests.agents.test_ask_authz import AUTODEALER

    assert customer_trap(crm, text, current, org_words=tuple(AUTODEALER.organisation_words)) == ("", ""), text


def test_a_homophone_of_a_crm_name_pointing_at_records_is_refused_with_what_was_read(crm) -> None:  # noqa: F811
    from agents.authz import Actor, check_mentions

    got = check_mentions(crm, "赵雷的L5啥价买的", Actor(id="rep_huang", role="rep", team="RT"), "P011")
    assert got.refused and got.customer_ref == "P003" and "赵雷 read as 赵磊" in got.via, got


def test_a_customers_refusal_from_the_second_reading_says_so_without_names(crm) -> None:  # noqa: F811
    from agents.authz import SCREEN, screen_customer_text

    flag, _ = screen_customer_text(crm, "李民的s7套餐剩几次", "P001")
    assert flag.startswith(SCREEN) and flag.endswith("+second_reading"), flag
    assert "李" not in flag
    plain, _ = screen_customer_text(crm, "李敏的s7套餐剩几次", "P001")
    assert plain.startswith(SCREEN) and "second_reading" not in plain, plain
