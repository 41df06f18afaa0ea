"""A forwarded thread: whose line carries the ask (round 18).

Customers paste a group chat into the conversation: several speakers, each line «name：words», a marker that it is
forwarded (【转发】, 聊天记录, Fwd:), and one line that turns to the rep («@高经理 就按上面 X5 5台 到手一台多少», «——
孙顾问，定金能全退吗»). The other speakers' lines say why (the boss wants electric cars, finance asks about a subsidy,
the depot has chargers); the ask is the line addressed to the rep. Read whole, the background's words (a subsidy, an
old car) outvote the ask's few words.

`thread_ask` finds that line: in a text with a forwarding marker or at least two «speaker：» lines, split into lines
(a newline, « / », a dash rule «——»), the last line addressed to the business (an @, or a dash rule before it), else
the last line that asks, else the last line. A text is a thread when it says it is forwarded, or addresses someone
with @ beside a «speaker：» line, or has three «speaker：» lines of two speakers or more (a numbered list «问题1：» is
no thread). The speaker's name and the @ address are left out. Nothing here is a
tenant's word."""

from __future__ import annotations

import re

from agents.understanding.questions import asks

_FORWARDED = re.compile(
    r"转发|转一下|转给你|转自|聊天记录|群聊|群里的|截图如下|以下为|\b(?:fwd?|forwarded|fw)\b\s*:?", re.I
)
# a line's speaker: a short name before a full-width or ASCII colon (小张： / 财务小王： / 老周（车队）： / Mike:)
_SPEAKER = re.compile(
    r"^\s*(?:[-*•>]\s*)?(?P<who>[^\s：:，,。？?！!@]{1,14}(?:（[^）]{0,8}）|\([^)]{0,8}\))?)\s*[：:]\s*"
)
_LINE_BREAK = re.compile(r"\n+|\s+/\s+|(?=——)|(?=--\s)|(?<=[】\]])")
_DASHES = re.compile(r"^\s*(?:——|--)+\s*")
_ADDRESS = re.compile(r"@\s*[^\s，,。？?！!：:]{1,8}\s*")
_MIN_UNITS = 3
# a list's numbering, not a speaker (问题1： / Q2: / 第二： / 2：)
_ENUMERATION = re.compile(
    r"^(?:\d+|[一二三四五六七八九十]+|第.{1,2}|问题.{0,2}|q\d*|question.{0,2}|点?\d)$", re.I
)


def _units(text: str) -> int:
    return len(re.findall(r"[\u4e00-\u9fff]|[A-Za-z0-9]+", text))


def thread_lines(text: str) -> list[str]:
    """The lines of a forwarded thread (as written, stripped), or [] when `text` is no thread."""
    lines = [ln.strip() for ln in _LINE_BREAK.split(text) if ln and ln.strip()]
    if len(lines) < 2:
        return []
    who = [
        m.group("who") for ln in lines if (m := _SPEAKER.match(ln)) and not _ENUMERATION.match(m.group("who"))
    ]
    if _FORWARDED.search(text) is not None or ("@" in text and who) or (len(who) >= 3 and len(set(who)) >= 2):
        return lines
    return []


def thread_ask(text: str) -> str:
    """The line of a forwarded thread that carries the ask, without its speaker and address; '' when `text` is no
    thread or the line says too little to be read alone."""
    lines = thread_lines(text)
    if not lines:
        return ""
    said = [(ln, _speech(ln)) for ln in lines]
    said = [(ln, s) for ln, s in said if _units(s) >= _MIN_UNITS]
    if len(said) < 2:
        return ""
    addressed = [s for ln, s in said if "@" in ln or _DASHES.match(ln)]
    asking = [s for _, s in said if asks(s)]
    pick = (addressed or asking or [said[-1][1]])[-1]
    return pick


def _speech(line: str) -> str:
    rest = _DASHES.sub("", line)
    rest = _SPEAKER.sub("", rest, count=1)
    rest = _ADDRESS.sub(" ", rest)
    return re.sub(r"\s+", " ", rest).strip(" ，,：:")
