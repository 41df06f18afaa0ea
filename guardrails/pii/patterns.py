"""Pattern recognisers for identifiers with letters or a fixed shape: email, HK / Macau / Taiwan IDs, travel permits,
passports, 统一社会信用代码, licence plates, US SSN, formatted North American phones, and WeChat / QQ accounts after their
label. Each pattern has a validator
(checksum or rule) and a score; a cue word nearby raises the score of the weaker shapes."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from guardrails.pii.checksums import hk_id_valid, ssn_valid, tw_id_valid, uscc_valid
from guardrails.pii.context import nearest_cue
from guardrails.pii.types import Candidate

_PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
_NB = r"(?<![A-Za-z0-9])"  # no letter or digit before
_NA = r"(?![A-Za-z0-9])"  # and none after


@dataclass(frozen=True)
class Pattern:
    entity: str
    regex: re.Pattern[str]
    score: float
    cue: str = ""  # the context kind that raises the score to cue_score
    cue_score: float = 1.0
    validate: Callable[[re.Match[str]], bool] | None = None


def _plate_ok(m: re.Match[str]) -> bool:
    tail = m.group(0)[2:].lstrip("·• ")
    return sum(c.isdigit() for c in tail) >= 3  # plates carry digits; 浙AB公司 does not


def _ssn_ok(m: re.Match[str]) -> bool:
    return ssn_valid(m.group(1), m.group(2), m.group(3))


_TOLL_FREE = frozenset({"400", "800", "833", "844", "855", "866", "877", "888"})


def _nanp_ok(m: re.Match[str]) -> bool:
    digits = re.sub(r"\D", "", m.group(0))[-10:]
    if digits[:3] in _TOLL_FREE:
        return False  # 400 / 800 hotlines (China) and toll-free lines belong to businesses, not people
    return digits[0] in "23456789" and digits[3] in "23456789"


PATTERNS: tuple[Pattern, ...] = (
    Pattern(
        "EMAIL",
        re.compile(r"[A-Za-z0-9][A-Za-z0-9._%+\-]{0,63}@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,12}"),
        1.0,
    ),
    Pattern(
        "CN_USCC",
        re.compile(_NB + r"[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}" + _NA),
        0.97,
        # Registering authority (1-9, A, N, Y) and category (1, 2, 3, 9) before the MOD 31 check.
        validate=lambda m: (
            m.group(0)[0] in "123456789ANY" and m.group(0)[1] in "1239" and uscc_valid(m.group(0))
        ),
    ),
    Pattern(
        "HK_ID",
        re.compile(_NB + r"[A-Z]{1,2}\d{6}(?:[(（][0-9A][)）]|[0-9A])" + _NA),
        0.95,
        validate=lambda m: hk_id_valid(m.group(0)),
    ),
    Pattern(
        "TW_ID", re.compile(_NB + r"[A-Z][12]\d{8}" + _NA), 0.95, validate=lambda m: tw_id_valid(m.group(0))
    ),
    Pattern("MO_ID", re.compile(_NB + r"[1578]\d{6}[(（]\d[)）]"), 0.85, cue="mo"),
    # 港澳居民来往内地通行证 (H/M + 8 or 10 digits), 往来港澳通行证 (C + 8, or C + letter + 7), 往来台湾 (L + 8).
    Pattern("TRAVEL_PERMIT", re.compile(_NB + r"[HM]\d{8}(?:\d{2})?" + _NA), 0.8, cue="permit"),
    Pattern("TRAVEL_PERMIT", re.compile(_NB + r"(?:C[A-HJ-NP-Z0-9]\d{7}|L\d{8})" + _NA), 0.4, cue="permit"),
    # Chinese passports: E + 8 digits or E + letter + 7 digits (2012 on); G/P/S/D + 7-8 digits older and official ones.
    Pattern("PASSPORT", re.compile(_NB + r"E(?:\d{8}|[A-HJ-NP-Z]\d{7})" + _NA), 0.8, cue="passport"),
    Pattern("PASSPORT", re.compile(_NB + r"[GPSD]\d{7,8}" + _NA), 0.45, cue="passport"),
    Pattern("PASSPORT", re.compile(_NB + r"[A-Z]{1,2}\d{6,8}" + _NA), 0.0, cue="passport", cue_score=0.9),
    Pattern(
        "CN_PLATE",
        re.compile(
            rf"[{_PROVINCES}][A-HJ-NP-Z][·• ]?(?:[DF][A-HJ-NP-Z0-9]\d{{4}}|\d{{5}}[DF]|[A-HJ-NP-Z0-9]{{4}}[A-HJ-NP-Z0-9挂学警港澳])"
            + _NA
        ),
        0.9,
        validate=_plate_ok,
    ),
    Pattern(
        "US_SSN", re.compile(r"(?<![\d-])(\d{3})-(\d{2})-(\d{4})(?![\d-])"), 0.85, cue="ssn", validate=_ssn_ok
    ),
    Pattern(
        "US_SSN",
        re.compile(r"(?<![\d-])(\d{3}) (\d{2}) (\d{4})(?![\d-])"),
        0.0,
        cue="ssn",
        cue_score=0.9,
        validate=_ssn_ok,
    ),
    Pattern(
        "PHONE",
        re.compile(r"(?<![\d+])(?:\+?1[ .-]?)?(?:\(\d{3}\) ?|\d{3}[.-])\d{3}[.-]\d{4}(?!\d)"),
        0.85,
        cue="phone",
        validate=_nanp_ok,
    ),
)


# A WeChat id or QQ number only means something after its label ("微信号 zhang_san88", "QQ：123456789", "vx: …"): the
# label is the cue, the id alone is masked. WeChat ids are 6-20 letters, digits, _ or -, starting with a letter.
IM_ACCOUNT = re.compile(
    r"(?:微信号?|微信ID|vx|VX|wx|WX|[Ww]e[Cc]hat(?: ?ID)?|QQ号?|qq号?)\s*(?:号码|账号)?\s*[:：是为]?\s*"
    r"(?P<id>[A-Za-z][-_A-Za-z0-9]{5,19}|[1-9]\d{4,10})" + _NA
)


def find_patterns(text: str) -> list[Candidate]:
    out: list[Candidate] = []
    for p in PATTERNS:
        for m in p.regex.finditer(text):
            if p.validate is not None and not p.validate(m):
                continue
            score = p.score
            if p.cue and nearest_cue(text, m.start()) == p.cue:
                score = max(score, p.cue_score)
            out.append(Candidate(p.entity, m.start(), m.end(), score))
    for m in IM_ACCOUNT.finditer(text):
        out.append(Candidate("IM_ACCOUNT", m.start("id"), m.end("id"), 0.9))
    return out
