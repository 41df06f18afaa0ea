"""PII recognisers, checksums, robustness (full-width, split, spoken digits, long text), hard negatives, the vault."""

from __future__ import annotations

import pytest

from contract.errors import AccessDenied, InputError
from contract.ports import Actor, MaskResult
from guardrails.pii import MemoryVault, RedisVault, RuleMasker, detect
from guardrails.pii.checksums import hk_id_valid, luhn_valid, resident_id_valid, tw_id_valid, uscc_valid

REP = Actor(id="rep_zhang", role="rep")
EVALUATOR = Actor(id="eva", role="evaluator")


def found(text: str) -> list[tuple[str, str]]:
    return [(c.entity, text[c.start : c.end]) for c in detect(text)]


# ---- checksums -----------------------------------------------------------------------------------------------------


def test_resident_id_checksum_accepts_valid_and_rejects_one_digit_off() -> None:
    assert resident_id_valid("11010519491231002X")
    assert not resident_id_valid("110105194912310021")  # wrong check digit
    assert not resident_id_valid("11010519491331002X")  # month 13
    assert not resident_id_valid("99010519491231002X")  # no province 99
    assert resident_id_valid("330106850312123")  # 15-digit legacy: structure only


def test_luhn_uscc_hk_tw_checksums() -> None:
    assert luhn_valid("4111111111111111") and not luhn_valid("4111111111111112")
    assert uscc_valid("91350100M000100Y43") and not uscc_valid("91350100M000100Y44")
    assert hk_id_valid("A123456(3)") and not hk_id_valid("A123456(4)")
    assert tw_id_valid("A123456789") and not tw_id_valid("A123456788")


# ---- recognisers ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "entity", "value"),
    [
        ("我的身份证号是11010519491231002X，请核对", "CN_RESIDENT_ID", "11010519491231002X"),
        ("身份证 330106850312123", "CN_RESIDENT_ID", "330106850312123"),
        ("手机13812345678", "CN_MOBILE", "13812345678"),
        ("新号码19212345678，旧号停用", "CN_MOBILE", "19212345678"),  # 192 prefix (China Broadnet)
        ("电话 19912345678", "CN_MOBILE", "19912345678"),
        ("Call +86 138 1234 5678 please", "CN_MOBILE", "+86 138 1234 5678"),
        ("科室座机0571-88886666找护士长", "CN_LANDLINE", "0571-88886666"),
        ("前台 021 61234567", "CN_LANDLINE", "021 61234567"),
        ("返点打到 6222 0212 3456 7890 128", "BANK_CARD", "6222 0212 3456 7890 128"),
        ("card 4111 1111 1111 1111 thanks", "BANK_CARD", "4111 1111 1111 1111"),
        ("邮箱 li.na@kangda-med.cn 谢谢", "EMAIL", "li.na@kangda-med.cn"),
        ("香港身份证 A123456(3)", "HK_ID", "A123456(3)"),
        ("台湾身份证字号A123456789", "TW_ID", "A123456789"),
        ("澳门身份证1234567(8)", "MO_ID", "1234567(8)"),
        ("回乡证H12345678", "TRAVEL_PERMIT", "H12345678"),
        ("往来港澳通行证C12345678", "TRAVEL_PERMIT", "C12345678"),
        ("台胞证12345678", "TRAVEL_PERMIT", "12345678"),
        ("护照号E12345678", "PASSPORT", "E12345678"),
        ("Passport No. 123456789", "PASSPORT", "123456789"),
        ("统一社会信用代码91350100M000100Y43", "CN_USCC", "91350100M000100Y43"),
        ("车牌浙A12345到了", "CN_PLATE", "浙A12345"),
        ("新能源车沪AD12345", "CN_PLATE", "沪AD12345"),
        ("SSN 123-45-6789 on file", "US_SSN", "123-45-6789"),
        ("call me at (415) 555-2671", "PHONE", "(415) 555-2671"),
        (
            "收货地址：浙江省杭州市西湖区文三路90号3号楼201室，谢谢",
            "ADDRESS",
            "浙江省杭州市西湖区文三路90号3号楼201室",
        ),
        (
            "Ship to 1600 Pennsylvania Avenue, Washington, DC 20500",
            "ADDRESS",
            "1600 Pennsylvania Avenue, Washington, DC 20500",
        ),
        ("我叫张伟，是康达的采购", "PERSON", "张伟"),
        ("联系人：欧阳明月", "PERSON", "欧阳明月"),
        ("收货人李娜地址另发", "PERSON", "李娜"),
        ("请联系王小明先生", "PERSON", "王小明"),
        ("My name is John Smith.", "PERSON", "John Smith"),
    ],
)
def test_recogniser_finds_entity(text: str, entity: str, value: str) -> None:
    assert (entity, value) in found(text)


def test_full_width_split_and_spoken_digits_are_still_found() -> None:
    assert found("手机１３８１２３４５６７８") == [("CN_MOBILE", "１３８１２３４５６７８")]
    assert found("电话138-1234-5678") == [("CN_MOBILE", "138-1234-5678")]
    assert found("身份证 110105 19491231 002X") == [("CN_RESIDENT_ID", "110105 19491231 002X")]
    assert found("我的手机号是幺三八一二三四五六七八") == [("CN_MOBILE", "幺三八一二三四五六七八")]
    assert ("CN_MOBILE", "13812345678") in found("Mixed 中英 text: tel13812345678号码".replace("tel", "tel "))


@pytest.mark.parametrize(
    "text",
    [
        "订单号13812345678已经发货了吗？",  # an order number shaped exactly like a mobile
        "快递单号SF1234567890123",
        "订单编号 DD2025154907730329",
        "我们2024-05-06下的单",
        "交货日期20260701",
        "金额¥13,800.00，含税",
        "本月采购额13812345678元",
        "售后热线400-800-1234",
        "设备SN CA-2023-0815报警E-203",
        "锁定加压接骨板LCP-3.5和髋关节假体HJ-200各50套",
        "请和王经理联系，返点按V3.2执行",
        "我是宁波康达医疗的采购",
        "Order #SO202405061234 has not arrived",
    ],
)
def test_hard_negatives_are_not_flagged(text: str) -> None:
    assert found(text) == []


def test_order_cue_does_not_hide_a_phone_after_it() -> None:
    assert found("订单号13812345678，我手机13912345678") == [("CN_MOBILE", "13912345678")]


def test_very_long_text_still_detected_and_too_long_refused() -> None:
    text = "无关的句子。" * 12_000 + "我的手机13812345678" + "其他内容。" * 12_000  # ~140k chars
    assert ("CN_MOBILE", "13812345678") in found(text)
    with pytest.raises(InputError):
        detect("1" * 200_001)


# ---- masking and the vault -----------------------------------------------------------------------------------------


def test_mask_replaces_with_typed_tokens_and_keeps_original_positions() -> None:
    text = "我叫张伟，手机138 1234 5678，身份证11010519491231002X"
    result = RuleMasker().mask(text)
    assert isinstance(result, MaskResult)
    assert result.text == "我叫<PERSON_1>，手机<CN_MOBILE_1>，身份证<CN_RESIDENT_ID_1>"
    assert [text[s.start : s.end] for s in result.spans] == ["张伟", "138 1234 5678", "11010519491231002X"]
    assert result.vault_key


def test_same_value_same_token_within_a_vault_key() -> None:
    masker = RuleMasker()
    a = masker.mask("手机13812345678", vault_key="conv-1")
    b = masker.mask("再说一遍：138-1234-5678，另一个13912345678", vault_key="conv-1")
    assert a.text == "手机<CN_MOBILE_1>"
    assert b.text == "再说一遍：<CN_MOBILE_1>，另一个<CN_MOBILE_2>"


def test_unmask_is_role_gated() -> None:
    masker = RuleMasker(MemoryVault())
    result = masker.mask("手机13812345678，邮箱li.na@kangda-med.cn")
    assert masker.unmask(result.text, result.vault_key, REP) == "手机13812345678，邮箱li.na@kangda-med.cn"
    assert "13812345678" in masker.unmask(result.text, result.vault_key, Actor(id="a", role="agent"))
    with pytest.raises(AccessDenied):
        masker.unmask(result.text, result.vault_key, EVALUATOR)


def test_text_without_pii_is_unchanged() -> None:
    result = RuleMasker().mask("这个型号的代理商返点政策能再发一遍吗？")
    assert (
        result.text == "这个型号的代理商返点政策能再发一遍吗？"
        and result.spans == []
        and result.vault_key == ""
    )


@pytest.mark.redis
def test_redis_vault_shares_tokens_across_maskers(redis_url: str) -> None:
    key = "test-vault-key-32-bytes-long-xxxx"
    first, second = (
        RuleMasker(RedisVault(redis_url, secret=key)),
        RuleMasker(RedisVault(redis_url, secret=key)),
    )
    a = first.mask("手机13812345678", vault_key="conv-redis")
    b = second.mask("还是13812345678，另加13912345678", vault_key="conv-redis")
    assert b.text == "还是<CN_MOBILE_1>，另加<CN_MOBILE_2>"
    assert second.unmask(a.text, "conv-redis", REP) == "手机13812345678"
    with pytest.raises(AccessDenied):
        second.unmask(a.text, "conv-redis", EVALUATOR)


@pytest.mark.redis
def test_redis_vault_is_encrypted_at_rest_expires_and_needs_the_key(redis_url: str) -> None:
    import redis

    key = "test-vault-key-32-bytes-long-yyyy"
    masker = RuleMasker(RedisVault(redis_url, secret=key, ttl_s=120, prefix="t:enc"))
    masked = masker.mask("手机13812345678，身份证11010519491231002X", vault_key="conv-enc")
    r = redis.Redis.from_url(redis_url)
    keys = r.keys("t:enc:conv-enc:*")
    assert len(keys) == 3
    dump = b"".join(k + b"".join(a + b for a, b in r.hgetall(k).items()) for k in keys)
    assert b"13812345678" not in dump and b"11010519491231002X" not in dump  # sealed values, HMAC index
    assert all(0 < r.ttl(k) <= 120 for k in keys)
    assert masker.unmask(masked.text, "conv-enc", REP) == "手机13812345678，身份证11010519491231002X"
    other = RedisVault(redis_url, secret="another-key-of-32-bytes-zzzzzzzzz", prefix="t:enc")
    with pytest.raises(InputError):
        other.values("conv-enc")
    assert masker.vault.forget("conv-enc") == 3  # type: ignore[attr-defined]
    assert r.keys("t:enc:conv-enc:*") == []


def test_known_contact_names_are_masked_without_any_cue() -> None:
    masker = RuleMasker(known_names=["韩芳", "欧阳明月", "Mary Chen", "王"])
    result = masker.mask("韩芳说下周三来取货，抄送欧阳明月和Mary Chen；王总另行通知")
    assert result.text == "<PERSON_1>说下周三来取货，抄送<PERSON_2>和<PERSON_3>；王总另行通知"
    assert (
        RuleMasker().mask("韩芳说下周三来取货").spans == []
    )  # without the list, no cue, no name: a known gap


def test_a_surname_off_the_list_is_still_a_name_after_a_strong_cue() -> None:
    assert found("姓名：禤嘉琰，电话见下") == [("PERSON", "禤嘉琰")]
    assert found("联系人：宓晓彤 手机：13912345678") == [("PERSON", "宓晓彤"), ("CN_MOBILE", "13912345678")]
    assert found("收货人：财务部") == []  # a department, not a person
    assert found("我叫什么来着") == []  # running text after the cue is not a standalone name
