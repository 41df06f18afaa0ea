"""The text the authorization screens read, written the way the screens' phrase tables expect, for askers who write
otherwise. Same meaning, the commonest spelling: the screens' readers (agents/authz_phrases.py, the CRM directory's
handles) were built on Mandarin in simplified characters with the names spelt as the CRM spells them, and an ask
written in another way fires none of them.

- Cantonese function words read as their Mandarin counterparts (係 → 是, 嘅 → 的, 佢 → 他, 咗 → 了, 啲 → 些/的,
  嗰 → 那, 喺 → 在, 哋 → 们, 冇 → 没有, 咩 → 什么, 幾多 → 多少, «佢架X» → «他那台X», «…未？» → «…没？»).
- The CRM's own names written by their sound: in traditional characters the masker's table does not know (a character
  outside the simplified set), or a person's given name typed with a homophone (surname as the CRM has it), or a
  trade name typed with a homophone before a pointer («X那批», «X那边», «X的»); and a person's name romanised with its
  syllables apart or in lower case («mou fang»). Each is replaced by the CRM's spelling, so the directory finds it.
- A terse ask's possessive the writer left out: a handle of a customer, then (after a space or at once) what is theirs
  («X x5», «X 合同价», «X车») reads «X的…» — only where the CRM's directory resolves the name so read.

Nothing here decides anything: the screens run on the reading as they run on the text (agents/authz.py), and the
reading is used only when the text as written is not refused. Every name comes from the CRM; no tenant's words here."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from agents.traditional import to_simplified

# ---- Cantonese ---------------------------------------------------------------------------------------------------
# words written only in Cantonese (none of them is a Mandarin word), longest first
_YUE_WORDS = (
    ("係咪", "是不是"),
    ("系咪", "是不是"),
    ("唔係", "不是"),
    ("唔系", "不是"),
    ("唔知", "不知道"),
    ("唔好", "不要"),
    ("佢哋", "他们"),
    ("我哋", "我们"),
    ("你哋", "你们"),
    ("幾多錢", "多少钱"),
    ("幾錢", "多少钱"),
    ("几钱", "多少钱"),
    ("幾多折", "几折"),
    ("几多折", "几折"),
    ("几多钱", "多少钱"),
    ("幾多", "多少"),
    ("几多", "多少"),
    ("幾時", "什么时候"),
    ("几时", "什么时候"),
    ("乜嘢", "什么"),
    ("咩嘢", "什么"),
    ("而家", "现在"),
    ("依家", "现在"),
    ("邊個", "谁"),
    ("边个", "谁"),
    ("邊度", "哪里"),
    ("边度", "哪里"),
    ("琴日", "昨天"),
    ("尋日", "昨天"),
    ("點樣", "怎么样"),
    ("点样", "怎么样"),
    ("細佬", "弟弟"),
    ("细佬", "弟弟"),
    ("家姐", "姐姐"),
    ("細妹", "妹妹"),
    ("细妹", "妹妹"),
    ("老豆", "爸爸"),
    ("老竇", "爸爸"),
    ("阿媽", "妈妈"),
    ("幫手", "帮忙"),
    ("帮手", "帮忙"),
    ("整好", "修好"),
    ("查埋", "也查"),
    ("睇埋", "也看"),
)
_YUE_CHARS = {
    "嘅": "的",
    "佢": "他",
    "咗": "了",
    "嗰": "那",
    "喺": "在",
    "哋": "们",
    "冇": "没有",
    "咩": "什么",
    "乜": "什么",
    "睇": "看",
    "嚟": "来",
    "攞": "拿",
    "畀": "给",
    "俾": "给",
    "嘢": "东西",
    "噉": "这样",
    "咁": "这么",
    "㗎": "",
    "喎": "",
    "囉": "",
    "啩": "",
}
# a Cantonese text: one of its own characters (to tell 係 = 是 and 架 = 台 from their Mandarin uses)
_YUE_MARK = re.compile("[嘅佢咗啲嗰喺哋冇咩睇嚟攞畀嘢噉咁㗎喎囉啩]|係咪|唔係|幾多|几多")
_YUE_IS = re.compile(r"(?<![联關关体體派直院世])[係系](?![统統列数數])")  # 係 «is»; 联系 / 系统 stay
# «佢架AB9», «我架X5», «某曉架車»: 架, the measure word of a car, after its owner
_YUE_CAR = re.compile(r"(?<=[\u4e00-\u9fff])(\s*)(?:呢|嗰)?架(?=\s*(?:[A-Za-z]{1,3}\d|车|車))")
# «佢部Q5», «周濤部車»: 部, the other measure word of a car, after its owner (a Cantonese text only: «全部», «内部» stay)
_YUE_CAR_BU = re.compile(
    r"(?<=[\u4e00-\u9fff])(?<![全内外总本局部东西南北干])(\s*)部(?=\s*(?:[A-Za-z]{1,3}\d|车|車))"
)
_YUE_NOT_YET = re.compile(r"未(?=\s*(?:[呀啊呢啦吖]?\s*(?:[?？。!！，,]|$)))")
_YUE_SOME = re.compile(r"(?<=[我你他们們])啲")  # «我哋啲X3»: our X3s
_YUE_SAY = re.compile(
    r"(?<![电電对對说說讲講会會])[話话](?=\s*[佢他她我你])"
)  # «我老公話佢…»: 話 = 说 (not 电话)


def cantonese(text: str) -> str:
    """`text` with Cantonese function words read as Mandarin ones (unchanged when it has none)."""
    if not _YUE_MARK.search(text) and "架" not in text:
        return text
    out = text
    for yue, zh in _YUE_WORDS:
        out = out.replace(yue, zh)
    out = _YUE_CAR.sub(r"\1那台", out)
    if _YUE_MARK.search(text):
        out = _YUE_CAR_BU.sub(r"\1那台", out)
        out = _YUE_IS.sub("是", out)
        out = _YUE_NOT_YET.sub("没", out)
        out = _YUE_SOME.sub("的", out)
        out = _YUE_SAY.sub("说", out)
        out = out.replace("啲", "些")
        out = out.replace("仲", "还")
    return "".join(_YUE_CHARS.get(c, c) for c in out)


# ---- names by their sound ------------------------------------------------------------------------------------------
_CJK = re.compile(r"[\u4e00-\u9fff]")
# after a homophone of a person's name: an address or a word that makes it another word («某小姐» is not «某晓姐»)
_NOT_A_NAME_AFTER = re.compile(r"[姐哥弟妹叔姨伯爷妈爸时候心间组区学理管长监板师傅生士总]")
# after a homophone of a person's name: what points at that person's records — their things («的», not «的朋友»), a
# pointer to their vehicle or order, a purchase of theirs done («订的», «买的»), a model code. A name followed by
# anything else (a pause, «也想买», «说») may be someone the CRM does not have: «何为…» is a word, «何维订的车» a name
_NAME_AFTER = re.compile(
    r"\s*(?:的(?!朋友|同事|老公|老婆|爱人|家人|亲戚|介绍)|那[台批辆单份次回笔]|这[台批辆单份]|[订买提拿签]的|[A-Za-z]{1,3}\d)"
)
# before a person's name: a new person introduced — a friend, a spouse, the asker themself («我是X»), a name given
# («叫X»). Someone the CRM lacks is not a misspelling of someone it has
_NEW_PERSON_BEFORE = re.compile(
    r"(?:朋友|同事|亲戚|介绍了?|老公|老婆|爱人|丈夫|妻子|太太|先生|儿子|女儿|我是|我叫|叫做?|名叫|姓名)\s*[:：]?\s*$"
)
# after a homophone of a trade name: a pointer or a possessive, as the directory's own trade-name rule reads it
_TRADE_AFTER = re.compile(r"\s*(?:那|这|的|家|他们|她们|边|\s*[A-Za-z]{1,3}\d)")


_WORDS_LOCK = threading.Lock()


@lru_cache(maxsize=8192)
def a_word(said: str) -> bool:
    """`said` is a word of the language in its own right (jieba's dictionary knows it: a city's nickname, a noun), so
    a trade name it sounds like is not what the writer meant — only a form no dictionary has reads as a misspelling."""
    try:
        import jieba
    except ImportError:  # optional: then no homophone is taken for a word
        return False
    with _WORDS_LOCK:
        jieba.dt.check_initialized()
    return bool(jieba.dt.FREQ.get(said))


def _simplified_form(ch: str) -> bool:
    """The character is written in the simplified set (GB2312); a traditional form is not."""
    try:
        ch.encode("gb2312")
    except UnicodeEncodeError:
        return False
    return True


@lru_cache(maxsize=8192)
def _syllable(ch: str) -> str:
    try:
        from pypinyin import lazy_pinyin
    except ImportError:  # optional: then names are read only as spelt
        return ch
    return "".join(lazy_pinyin(ch)).lower()


def _sounds(text: str) -> tuple[str, ...]:
    return tuple(_syllable(c) for c in text)


class Names:
    """The CRM's names as the reading needs them: person names (a customer who is a person, a contact) and trade names
    (the short name of an organisation, 2-4 characters), by their toneless syllables; romanised person names."""

    def __init__(self, people: Iterable[str], trades: Iterable[str], profile: Any = None) -> None:
        # the individuals' places, models owned, surnames and genders (knowledge/crm/described.py People)
        self.profile = profile
        self.surnames = frozenset(getattr(profile, "surnames", {}) or ())
        self.people = sorted(
            {p for p in people if 2 <= len(p) <= 4 and _CJK.fullmatch(p[0])}, key=len, reverse=True
        )
        self.trades = sorted({t for t in trades if 2 <= len(t) <= 4}, key=len, reverse=True)
        self._by_sound: dict[tuple[str, ...], list[tuple[str, str]]] = {}
        for p in self.people:
            if all(_CJK.fullmatch(c) for c in p):
                self._by_sound.setdefault(_sounds(p), []).append((p, "person"))
        for t in self.trades:
            if all(_CJK.fullmatch(c) for c in t):
                self._by_sound.setdefault(_sounds(t), []).append((t, "trade"))
        self.lengths = sorted({len(k) for k in self._by_sound}, reverse=True)
        self.spelt = frozenset(self.people) | frozenset(self.trades)
        # «mou fang», «Lin  Xiao», «WUFANG»: syllables in either order, any case, spaces or not
        self._roman: dict[str, str] = {}
        for p in self.people:
            if all(_CJK.fullmatch(c) for c in p):
                s = _sounds(p)
                self._roman[" ".join(s)] = p
                self._roman[" ".join((*s[1:], s[0]))] = p
        self._roman_re = (
            re.compile(
                r"(?<![A-Za-z])("
                + "|".join(
                    r"\s*".join(re.escape(w) for w in k.split())
                    for k in sorted(self._roman, key=len, reverse=True)
                )
                + r")(?![A-Za-z])",
                re.I,
            )
            if self._roman
            else None
        )

    def match(self, text: str, at: int, n: int) -> str:
        """The CRM name written at text[at:at+n] by its sound, or "" (the same spelling is left to the directory)."""
        said = text[at : at + n]
        if said in self.spelt or not all(_CJK.fullmatch(c) for c in said):
            return ""
        for name, kind in self._by_sound.get(_sounds(said), ()):
            differ = [(a, b) for a, b in zip(said, name, strict=True) if a != b]
            if all(not _simplified_form(a) for a, _ in differ):
                return name  # a traditional form of the CRM's name
            after = text[at + n : at + n + 3]
            if (
                kind == "person"
                and said[0] == name[0]
                and not _NOT_A_NAME_AFTER.match(after)
                and _NAME_AFTER.match(text, at + n)
                and not _NEW_PERSON_BEFORE.search(text, 0, at)
            ):
                return name  # a homophone of the given name, the surname as the CRM has it
            if kind == "trade" and _TRADE_AFTER.match(after) and not a_word(said):
                return name  # a homophone of a trade name before a pointer («X那批», «X的»)
        return ""

    def romanised(self, text: str) -> str:
        if self._roman_re is None or not re.search(r"[A-Za-z]", text):
            return text

        def put(m: re.Match[str]) -> str:
            key = " ".join(m.group(1).lower().split())
            name = self._roman.get(key)
            if name is None:  # syllables run together («moufang»): find the key without its spaces
                squashed = key.replace(" ", "")
                name = next((v for k, v in self._roman.items() if k.replace(" ", "") == squashed), None)
            return name or m.group(0)

        return self._roman_re.sub(put, text)

    def read(self, text: str, notes: list[str] | None = None) -> str:
        out: list[str] = []
        i = 0
        while i < len(text):
            for n in self.lengths:
                name = self.match(text, i, n) if i + n <= len(text) else ""
                if name:
                    if notes is not None:
                        notes.append(f"{text[i : i + n]} read as {name}")
                    out.append(name)
                    i += n
                    break
            else:
                out.append(text[i])
                i += 1
        return self.addressed(self.romanised("".join(out)))

    def addressed(self, text: str) -> str:
        """«林姐», «王哥», «陈阿姨»: a surname of the CRM's individuals with a familiar address, read as the CRM's
        salutation form («…女士», «…先生») the directory's descriptions know."""
        if not self.surnames:
            return text

        def put(m: re.Match[str]) -> str:
            if m.group(1) not in self.surnames:
                return m.group(0)
            return m.group(1) + ("先生" if m.group(2) in _MALE_ADDRESS else "女士")

        return _ADDRESS.sub(put, text)


# a familiar address after a surname (not a title: «…经理», «…总» are the directory's own handles)
_MALE_ADDRESS = frozenset({"哥", "大哥", "叔", "大叔", "伯"})
_ADDRESS = re.compile(r"([\u4e00-\u9fff])(大姐|阿姨|大哥|大叔|姐|姨|哥|叔|伯)(?![\u4e00-\u9fff]?夫)")


def names_of(customers: object) -> Names | None:
    """The CRM's names, from the port's directory (the same index its `mentions` reads); None when it has none."""
    port = getattr(customers, "_port", customers)  # agents.authz._Memo wraps the port
    names = getattr(port, "authz_names", None)
    if isinstance(names, Names):
        return names
    directory = directory_of(port)
    try:
        index = (
            directory.index() if directory is not None else None
        )  # the directory's public, read-only index
    except Exception:  # noqa: BLE001 — no directory: the text is read as written
        return None
    if index is None:
        return None
    return names_for(index)


def directory_of(customers: object) -> Any:
    """The CRM's directory behind a port (knowledge.crm.directory.CustomerDirectory: ids, owners and names only), or
    None. The CRM service keeps it behind `_customer_directory`; a port may also be the directory itself."""
    port = getattr(customers, "_port", customers)  # agents.authz._Memo wraps the port
    if callable(getattr(port, "index", None)) and callable(getattr(port, "trade_names", None)):
        return port
    get = getattr(port, "_customer_directory", None)
    if not callable(get):
        return None
    try:
        directory = get()
    except Exception:  # noqa: BLE001 — no directory: the caller reads the text as written
        return None
    return directory if callable(getattr(directory, "index", None)) else None


_NAMES: dict[int, tuple[Any, Names]] = {}


def names_for(index: Any) -> Names:
    kept = _NAMES.get(id(index))
    if kept is not None and kept[0] is index:
        return kept[1]
    people, trades = [], []
    for h in getattr(index, "handles", ()):
        if h.kind in ("contact_name", "customer_name") and h.mode == "text" and h.key == h.value:
            if h.kind == "contact_name" or len(h.value) <= 4:
                people.append(h.value)
        elif h.kind == "customer_name" and h.mode == "party" and len(h.key) == 2:
            trades.append(h.key)
    names = Names(people, trades, getattr(index, "people", None))
    _NAMES.clear()  # one index at a time (the directory rebuilds it when stale)
    _NAMES[id(index)] = (index, names)
    return names


# ---- a terse ask's possessive ------------------------------------------------------------------------------------
# what is someone's, said right after their name: a model code, the car, a contract, an order, a package …
_THEIRS_NEXT = re.compile(
    r"(?:[A-Za-z]{1,3}\d{1,2}(?![A-Za-z\d])|车|合同|合约|订单|套餐|保养|质保|保修|维修|发票|那[台批辆单份个几两]|这[台批辆单份个])",
    re.I,
)
_CJK_RUN_END = re.compile(r"[\u4e00-\u9fff]{2,6}$")
# after the thing: how to do it, where it is, or a word the thing begins («保养点», «合同模板») — the asker's own errand
_OWN_ACTION_NEXT = re.compile(
    r"\s*(?:怎么|怎样|如何|咋|在哪|哪里|哪儿|哪个|去哪|要什么|需要什么|流程|模板|范本|点|网点|站)"
)


def possessive(text: str, customers: object) -> str:
    """«X x5 …», «X 合同价», «X车…» → «X的x5 …» where the directory resolves X (as «X的…») to a customer's handle."""
    mentions = getattr(customers, "mentions", None)
    if not callable(mentions):
        return text
    out, last = [], 0
    for m in re.finditer(r"(?<=[\u4e00-\u9fff])\s*(?=[A-Za-z\u4e00-\u9fff])", text):
        nxt = _THEIRS_NEXT.match(text, m.end())
        if nxt is None or text[m.end() : m.end() + 1] in ("那", "这") and not m.group(0):
            continue
        if _OWN_ACTION_NEXT.match(text, nxt.end()):
            continue  # «X 合同 怎么签», «X 保养点在哪»: the asker's own action, or a place, not X's thing
        run = _CJK_RUN_END.search(text, 0, m.start())
        if run is None:
            continue
        trial = run.group(0) + "的" + text[m.end() : nxt.end()]
        try:
            hits = [h for h in mentions(trial) if not str(h.kind).startswith("description")]
        except Exception:  # noqa: BLE001 — a directory fault: the text as written
            return text
        if not any(int(getattr(h, "end", -1)) == len(run.group(0)) for h in hits):
            continue
        out += [text[last : m.start()], "的"]
        last = m.end()
    return "".join(out) + text[last:] if out else text


# a typed message with a pause or two between Chinese words (not a transcript, which pauses between every word)
_GAP = re.compile(r"(?<=[\u4e00-\u9fff])[ \t\u3000]+(?=[\u4e00-\u9fff])")
_SHORT_TAIL = re.compile(r"[\u4e00-\u9fff]{1,4}(?=[\s?？!！。，,]|$)")
_SUBJECT = re.compile(r"[我你他她您咱]")


def terse(text: str) -> str:
    """«X的车 修了吗»: a typed pause before a short predicate without a subject of its own joins it to what went before
    (a transcript, pausing between every word, is left to the transcript readers)."""
    gaps = list(_GAP.finditer(text))
    if not gaps or len(gaps) > 3:
        return text
    out, last = [], 0
    for g in gaps:
        tail = _SHORT_TAIL.match(text, g.end())
        if tail is None or _SUBJECT.search(tail.group(0)):
            continue
        out.append(text[last : g.start()])
        last = g.end()
    return "".join(out) + text[last:] if out else text


def transcript(text: str) -> str:
    """A transcript (a pause between most words) read whole: «我 朋友 何 伟 的 就是 他 订 的 那 台 到 了 没» reads as
    one sentence, as the phrase tables expect (the screens read the pauses of the text as written first)."""
    gaps = len(_GAP.findall(text))
    words = len(re.findall(r"[\u4e00-\u9fff]+", text))
    if gaps < 4 or gaps < words // 2:
        return text
    return _GAP.sub("", text)


# a forwarded line said by someone: «韩经理：我们…», «【韩经理】：…», «- 韩经理: …»
_SPEAKER_LINE = re.compile(
    r"^([ \t]*(?:[-—>*][ \t]*)?(?:[^\n]{0,12}?【)?)([^\s：:【】\[\]]{2,8})(】?[ \t]*[：:][ \t]*)([^\n]+)$",
    re.M,
)
_FIRST_PERSON = re.compile(r"我们|咱们|我司|我(?![们])")


def speakers(text: str, customers: object) -> str:
    """A forwarded thread read speaker by speaker: in a line said by someone the CRM's directory resolves (a customer or
    a contact of one), «我们» / «我» is that speaker («崔经理：我们X5合同每台优惠一万二» → «崔经理他们X5合同…»). Whose
    «我们» it is then decides, as for any named party (the conversation's own contact stays its own)."""
    mentions = getattr(customers, "mentions", None)
    if not callable(mentions) or ("：" not in text and ":" not in text):
        return text

    def put(m: re.Match[str]) -> str:
        who, said = m.group(2), m.group(4)
        try:
            named = [h for h in mentions(who) if not str(h.kind).startswith("description")]
        except Exception:  # noqa: BLE001 — a directory fault: the line as written
            return m.group(0)
        if not named or not _FIRST_PERSON.search(said):
            return m.group(0)
        said = _FIRST_PERSON.sub(lambda f: who + ("他们" if f.group(0) != "我" else ""), said)
        return m.group(1) + who + m.group(3) + said

    return _SPEAKER_LINE.sub(put, text)


def read_as(text: str, read: str, notes: list[str] | None = None) -> str:
    """What the reading changed, for a refusal's evidence: «方小 read as 方晓; 的 put after 某乙» (the names read by
    their sound as the reading noted them, the rest from the difference of the two texts)."""
    from difflib import SequenceMatcher

    notes = list(notes or ())
    named = "".join(notes)
    for op, a0, a1, b0, b1 in SequenceMatcher(None, text, read, autojunk=False).get_opcodes():
        if op == "replace" and text[a0:a1].strip() and text[a0:a1] not in named:
            notes.append(f"{text[a0:a1].strip()} read as {read[b0:b1]}")
        elif op in ("insert", "replace") and read[b0:b1].strip() and not text[a0:a1].strip():
            notes.append(f"{read[b0:b1]} put after {text[max(0, a0 - 4) : a0].strip()}")
    return "; ".join(notes[:4]) or "read otherwise"


def reading(text: str, customers: object, notes: list[str] | None = None) -> str:
    """The text as the screens read it: Cantonese as Mandarin, the CRM's names as the CRM spells them, a transcript
    read whole, a forwarded thread speaker by speaker, a terse ask's possessive put back. The text itself when nothing
    is read otherwise."""
    if not text:
        return text
    out = speakers(transcript(cantonese(to_simplified(text))), customers)
    names = names_of(customers)
    if names is not None:
        out = names.read(out, notes)
    return terse(possessive(out, customers))


# ---- a person described over several clauses ----------------------------------------------------------------------
_SURNAME_SAID = re.compile(r"姓([\u4e00-\u9fff])|([\u4e00-\u9fff])(?:女士|小姐|先生|太太)")
_FEMALE = re.compile(r"女士|小姐|太太|她|女的|大姐|阿姨")
_MALE = re.compile(r"先生|他(?!们)|男的|大哥|师傅")
_MODEL = re.compile(r"(?<![A-Za-z0-9])([A-Za-z]{1,3}\d{1,2})(?![A-Za-z0-9])")
_OWN_MODEL = re.compile(r"(?:我|我们|咱)(?:的|家|那台|这台)?\s*$")
MAX_DESCRIBED = 3


def described_people(text: str, customers: object) -> set[str]:
    """The CRM's individuals a message describes over several clauses («她姓X，北京的，开X5»): a surname, a place and a
    model the CRM holds of them, at least two of the three, together fitting at most MAX_DESCRIBED; a gender said
    narrows it. Empty when the description fits nobody or too many, or when the model is the asker's own («我那台X5»)."""
    names = names_of(customers)
    profile = getattr(names, "profile", None)
    if profile is None:
        return set()
    fits: list[set[str]] = []
    said = {m.group(1) or m.group(2) for m in _SURNAME_SAID.finditer(text)}
    said = {s for s in said if s in profile.surnames}
    if len(said) == 1:
        fits.append(set(profile.surnames[said.pop()]))
    upper = text.upper()
    places = [set(ids) for place, ids in profile.places.items() if len(place) >= 2 and place in upper]
    if places:
        fits.append(set().union(*places))
    models = {
        m.group(1).upper()
        for m in _MODEL.finditer(text)
        if not _OWN_MODEL.search(text[max(0, m.start() - 6) : m.start()])
    }
    owned = [set(profile.owns[c]) & set(profile.individuals) for c in models if c in profile.owns]
    if owned:
        fits.append(set().union(*owned))
    if len(fits) < 2:
        return set()
    found = set.intersection(*fits)
    female, male = bool(_FEMALE.search(text)), bool(_MALE.search(text))
    if female != male:
        found &= set(profile.genders.get("f" if female else "m", found))
    return found if 0 < len(found) <= MAX_DESCRIBED else set()
