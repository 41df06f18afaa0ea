"""Person names. Chinese: a surname from the list plus one or two given-name characters, accepted only when a cue
comes before it (我叫, 联系人：, 收货人) or a title after it (先生, 经理, 主任). English: capitalised words after a cue
(my name is, contact:, Mr.). Rules, not a model: precise where the cues are, silent elsewhere (see the report)."""

from __future__ import annotations

import functools
import logging
import re
import threading
import unicodedata

from guardrails.pii.types import Candidate

_SINGLE = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪"
    "范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞"
    "颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻"
    "祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇"
    "栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝"
    "傅萧阎赖洪"  # top-100 surnames the first list missed (found by the privacy canary run)
)
_COMPOUND = (
    "欧阳",
    "司马",
    "诸葛",
    "上官",
    "东方",
    "皇甫",
    "尉迟",
    "公孙",
    "慕容",
    "长孙",
    "宇文",
    "司徒",
    "夏侯",
    "令狐",
    "端木",
)
# Characters that end a name: particles, verbs and the first characters of words that typically follow one.
_STOP = set(
    "的是在了和与及跟同向给找问叫请让被把对也都就还又很不没有这那个们我你他她它说去来到要会能可以为于上下里后前电手地身号码先女经主医老总的，。、！？；：,.!?;: \t\n（）()"
)
# Last characters of verbs that come straight before a name (联系张伟先生, 通知王芳女士, 一位李明先生).
_BEFORE_OK = set("系知诉谢访见告找请问给和跟叫由让向对同及与等位名")
_CUE = re.compile(
    r"(?:我叫|我的名字是|名字叫|联系人|收货人|收件人|寄件人|签收人|经办人|负责人|对接人|联络人|业务员|采购员|姓名|户名|开户名|持卡人|法定代表人|法人代表|患者|病人|学员|申请人)"
    r"[是为:：\s]{0,3}"
)
_TITLE = re.compile(
    r"(?:(?<=[\u4e00-\u9fff])收(?=$|[，。,.\s）)])|先生|女士|小姐|经理|总监|主任|医生|大夫|老师|护士长|院长|科长|处长|部长|工程师|师傅|同学|律师|教授|博士)"
)
_HAN = re.compile(r"[\u4e00-\u9fff]")


def _surname_at(text: str, i: int) -> int:
    """Length of the surname starting at i (2 for 欧阳, 1 for 王), 0 if none."""
    if text[i : i + 2] in _COMPOUND:
        return 2
    return 1 if i < len(text) and text[i] in _SINGLE else 0


def _given_len(text: str, i: int, *, strong_cue: bool = False) -> int:
    """How many given-name characters (1 or 2) follow at i. After a strong cue (我叫, 收货人：) the name may run straight
    into the next word (我叫王小明今天…); elsewhere running Han text means a company or place name."""
    n = 0
    while n < 2 and i + n < len(text) and _HAN.match(text[i + n]) and text[i + n] not in _STOP:
        n += 1
    if (
        n == 2
        and i + 2 < len(text)
        and _HAN.match(text[i + 2])
        and text[i + 2] not in _STOP
        and not _TITLE.match(text, i + 2)
    ):
        return 2 if strong_cue else 0
    return n


# 我是 introduces a name as often as a company or a team (我是宁波康达的, 我是华东区的): weak, so the name must end at a
# boundary and must not run into an organisation or place suffix.
_WEAK_CUE = re.compile(r"(?:我是|我就是|这边是|这里是|本人是)[ \u3000]{0,2}")  # voice transcripts: 我是 李强
_ORG_SUFFIX = set("区市省县镇部司院科组店厂行局处室楼路街队所中号员长工师")


def _cue_names(text: str) -> list[Candidate]:
    out = []
    for m in _CUE.finditer(text):
        i = m.end()
        s = _surname_at(text, i)
        if not s:
            # a surname not on the list (禤, 宓, 阙 …) after a strong cue: accept 2-3 Han characters that stand alone
            # (punctuation, a space or the end right after), the only shape a cue-introduced word can take here
            n = 0
            while n < 3 and i + n < len(text) and _HAN.match(text[i + n]) and text[i + n] not in _STOP:
                n += 1
            after = text[i + n] if i + n < len(text) else "。"
            word = text[i : i + n]
            if (
                2 <= n <= 3
                and not _HAN.match(after)
                and word not in _NOT_NAMES
                and word[-1] not in _ORG_SUFFIX
            ):
                out.append(Candidate("PERSON", i, i + n, 0.7, confirmed=True))
            continue
        g = _given_len(text, i + s, strong_cue=True)
        if g:
            out.append(Candidate("PERSON", i, i + s + g, 0.85, confirmed=True))
    for m in _WEAK_CUE.finditer(text):
        i = m.end()
        s = _surname_at(text, i)
        g = _given_len(text, i + s) if s else 0
        end = i + s + g
        if not g or text[i:end] in _NOT_NAMES or any(c in _ORG_SUFFIX for c in text[i + s : end + 1]):
            continue
        if end < len(text) and _HAN.match(text[end]) and text[end] not in _STOP:
            continue
        # a self-introduction that passed the checks above names the speaker: confirmed, so carried to later turns
        # however often the name is also a word (我是李强 … 李强明天到); where it stands as a word there, it is left
        out.append(Candidate("PERSON", i, end, 0.75, confirmed=True))
    return out


# A role noun straight before a name, no punctuation between (客户张三说…, 车主欧阳明月问…). Weaker than a cue: the role
# noun is followed by ordinary words as often (客户明天来, 客户方面), so the name must end at a boundary or a particle
# and must not be a common word shaped like one (_NOT_NAMES, _ROLE_NOT_NAMES).
_ROLE = re.compile(
    r"(?:客户经理|客户|顾客|用户|买家|卖家|车主|业主|房东|租客|家属|家长|同事|领导|老板|司机|销售|店长|代理商|经销商|供应商)"
)
_ROLE_STOP = _STOP | set("想问讲称打约内外间边侧")  # 客户范围内: a place word's suffix ends the run
# Two-character words after a role noun that start with a surname character: time words, moods, organisations.
_ROLE_NOT_NAMES = frozenset(
    {"明天", "明年", "明早", "明晚", "周末", "周一", "周二", "周三", "周四", "周五", "周六", "周日", "方面", "方便",
     "高兴", "满意", "黄金", "全部", "全体", "全都", "何时", "何日", "何地", "常来", "经常", "向来", "都说", "余下",
     "时间", "时候", "关系", "关心", "关注", "安全", "安装", "宁愿", "和我", "和他", "和她", "于是", "车上", "车里",
     "单位", "师傅", "程序", "文件", "金额", "成交", "成功", "花了", "包括", "包邮", "华东", "华南", "华北", "华西",
     "江苏", "江西", "湖南", "湖北", "山东", "山西", "广东", "广西", "海南", "云南", "贵州", "四川", "福建", "甘肃",
     "宁夏", "新疆", "西藏", "齐全", "应该", "刚才", "刚刚", "万一", "毛病", "申请", "孔径", "连续", "项目"}
)  # fmt: skip


# What follows a subject's name straight on (用户赵敏反馈…, 客户王芳今天…), and organisation words that say the Han text
# before them is a place or a company (客户张家港医院).
_AFTER_NAME = frozenset(
    {"反馈", "表示", "希望", "觉得", "认为", "需要", "打算", "准备", "已经", "刚才", "今天", "昨天", "明天", "上午",
     "下午", "晚上", "下周", "上周", "本周", "那边", "这边", "电话", "手机", "微信", "确认", "同意", "想要", "询问"}
)  # fmt: skip
# Surnames that are far more often a function word straight after a noun (销售和售后, 客户于…, 同事向我…).
_FUNCTION_SURNAMES = set("和于向及与同对把被从在也都")
# What ends a place or an organisation and seldom a given name (中 and 行 end names as often: 王建中, 秦天行).
_ROLE_ORG_END = _ORG_SUFFIX - set("中行长工师员")
_ORG_WORDS = ("医院", "公司", "集团", "大学", "中心", "门店", "药房", "诊所", "银行", "学校", "工厂", "分店")


# lru_cache does not hold other threads back while the first call runs: two first calls at once both ran jieba's
# posseg initialize, which rebuilds its tag table in place, and one thread read the table while the other filled it
# ("dictionary changed size during iteration" in _given_char_counts, seen once in an eval run, session 14)
_LEXICON_LOCK = threading.RLock()  # re-entered: _given_char_counts reads _lexicon under it


@functools.lru_cache(maxsize=1)
def _lexicon() -> tuple[dict[str, int], dict[str, str]] | None:
    with _LEXICON_LOCK:
        return _load_lexicon()


def _load_lexicon() -> tuple[dict[str, int], dict[str, str]] | None:
    """jieba's dictionary (frequency, part of speech), loaded on the first role-noun hit; None without jieba."""
    try:
        import jieba
        import jieba.posseg
    except ImportError:  # pragma: no cover - jieba is a dependency; the hand lists still apply
        return None
    jieba.setLogLevel(logging.WARNING)
    # the tag table was filled when jieba.posseg was imported; posseg's initialize() would rebuild it in place while
    # other threads' cuts read it. The frequency table is built once under jieba's own lock.
    jieba.dt.check_initialized()
    return jieba.dt.FREQ, jieba.posseg.dt.word_tag_tab


_FAMOUS_FREQ = 300  # a person's name the dictionary knows this often is a famous one or a word (黎明, 华为)


def a_common_word(word: str) -> bool:
    """A dictionary word that is not a person's name (车辆, 阳台, 宁波, 周末): after a role noun it is what the role has,
    not who the role is."""
    lexicon = _lexicon()
    if lexicon is None:
        return False
    freq, tags = lexicon
    if not freq.get(word):
        return False
    tag = tags.get(word, "")
    if not tag.startswith("nr") or freq[word] >= _FAMOUS_FREQ:
        return True
    # the dictionary tags many ordinary words as names (岳母, 马虎, 冷清, 古董): a surname and one character that ends
    # more of the dictionary's two-character words than it ends its names is read as the word
    return len(word) == 2 and _ends_words_more_than_names(word[1])


# a word the dictionary holds this often is read as the word, not a name, when deciding whether to look for it again in
# a conversation's later turns (周全, 马虎, 雷雨): the guess is masked in its own turn either way
_WORD_FREQ = 100


def a_word_too(word: str) -> bool:
    """Whether a PERSON found by a guess (after a role noun, before a number) is also an ordinary word (an entry of
    `_NOT_NAMES`, a common word, or a dictionary entry seen often): such a guess is masked in its own turn only, every
    other name is looked for again in the conversation's later turns."""
    if word in _NOT_NAMES or word in _ROLE_NOT_NAMES or a_common_word(word):
        return True
    lexicon = _lexicon()
    return lexicon is not None and lexicon[0].get(word, 0) >= _WORD_FREQ


def a_dictionary_name(word: str) -> bool:
    """Whether jieba's dictionary holds `word` as a person's name (nr…), however often (李强 159, 王明 368, 李娜 438),
    and not as an ordinary word shaped like one (_NOT_NAMES; a surname and a character that ends more of its words than
    its names: 雷雨, 华为)."""
    lexicon = _lexicon()
    if lexicon is None or word in _NOT_NAMES or word in _ROLE_NOT_NAMES:
        return False
    freq, tags = lexicon
    if not freq.get(word) or not tags.get(word, "").startswith("nr"):
        return False
    return not (len(word) == 2 and _ends_words_more_than_names(word[1]))


def carried(word: str, confirmed: bool) -> bool:
    """Whether a PERSON masked in one turn is looked for again in the conversation's later turns: a confirmed one (a
    strong cue, a self-introduction, a title, the CRM's list, a name field, a number after it, a role noun's name that
    is then the subject: 客户李强说…) however often it is also a word, and any guess that is no ordinary word. Where a
    carried name stands as a word in a later turn (考虑得很周全), `stands_as_a_predicate` leaves it. A guess that is
    also an ordinary word and came with no more than a role noun (车主周全的事) is masked in its own turn only."""
    return confirmed or not a_word_too(word)


# What stands straight before a word used as a predicate and never before a name: degree adverbs, negations and the
# complement 得 (考虑得周全, 服务挺周全的, 可别马虎). A grammatical class, not words of any case.
_DEGREE_1 = set("很真挺太最更蛮够较极不别甭得")
_DEGREE_2 = frozenset(
    {"非常", "十分", "特别", "比较", "相当", "有点", "有些", "极其", "格外", "尤其", "不太", "不够"}
)


# What may follow a predicate that ends its clause (考虑得很周全。/ 挺周全的 / 真马虎啊): punctuation, a symbol (emoji
# included), the end, or a final particle that itself ends the clause (挺周全的。, not 得李强的签字: a possessive). A name
# followed by a verb (得李强签字, 得王明同意) is a subject, and stays masked.
_PARTICLES = set("的了啊呀吧呢嘛哦哈")


def _ends_clause(text: str, j: int) -> bool:
    return j == len(text) or unicodedata.category(text[j])[0] in "PS"


def _clause_ends_at(text: str, end: int) -> bool:
    j = end
    while j < len(text) and text[j] in _SPACES:
        j += 1
    while j < len(text) and text[j] in _PARTICLES:
        j += 1
        if _ends_clause(text, j):
            return True
    return _ends_clause(text, j)


def stands_as_a_predicate(text: str, start: int, end: int) -> bool:
    """Whether the carried name text[start:end], also an ordinary word, is used as one here: a degree adverb, a negation
    or 得 straight before it (spaces between skipped, as a voice transcript writes them) and its clause ending straight
    after it (这个得李强签字: a subject, not a predicate). A single marker character
    that may end a longer word (觉得, 记得, 要不, 认真: jieba knows the pair) is not counted: the name is masked then,
    the safe reading."""
    if not a_word_too(text[start:end]) or not _clause_ends_at(text, end):
        return False
    i = start
    while i > 0 and text[i - 1] in _SPACES:
        i -= 1
    if i >= 2 and text[i - 2 : i] in _DEGREE_2:
        return True
    if i < 1 or text[i - 1] not in _DEGREE_1:
        return False
    lexicon = _lexicon()
    pair = text[i - 2 : i] if i >= 2 else ""
    if not pair or lexicon is None or pair not in lexicon[0]:
        return True
    return lexicon[1].get(pair, "").startswith("d")  # an adverb itself (真是, 特别): still one


@functools.lru_cache(maxsize=1)
def _given_char_counts() -> tuple[dict[str, int], dict[str, int]]:
    with _LEXICON_LOCK:  # the table is read whole: not while a warm-up elsewhere may still be loading jieba
        return _count_given_chars()


def _count_given_chars() -> tuple[dict[str, int], dict[str, int]]:
    """From the dictionary: how many of its two-character words (not names) end in each character, and how many of its
    two- and three-character names (a surname first) carry each character in the given name."""
    lexicon = _lexicon()
    in_words: dict[str, int] = {}
    in_names: dict[str, int] = {}
    if lexicon is None:
        return in_words, in_names
    freq, tags = lexicon
    for word, tag in tags.items():
        if not freq.get(word):
            continue
        if tag.startswith("nr"):
            if len(word) in (2, 3) and _surname_at(word, 0) == 1:
                for ch in word[1:]:
                    in_names[ch] = in_names.get(ch, 0) + 1
        elif len(word) == 2:
            in_words[word[1]] = in_words.get(word[1], 0) + 1
    return in_words, in_names


def _ends_words_more_than_names(ch: str) -> bool:
    in_words, in_names = _given_char_counts()
    return in_words.get(ch, 0) > in_names.get(ch, 0)


_COMMON_OBJECT_FREQ = 100
_SAID = set("说讲问称")
_OBJECT_TAGS = ("n", "v", "r", "m")  # nouns (and verbal nouns: vn), verbs, pronouns, numerals


def _function_word_at(text: str, i: int) -> bool:
    """After a surname that is more often a function word (客户于…, 客户和…), whether it is that word: what follows it
    starts a dictionary word that is not a person's name (于昨天, 于本周五, 于网上, 和销售), the function character
    starts a dictionary word itself (和善, 向来), or no Han text follows (于3月). 客户于海涛 and 客户于丽华 stay names.
    `i`: the position after the surname."""
    if i >= len(text) or not _HAN.match(text[i]) or text[i] in _ROLE_STOP:
        return True
    lexicon = _lexicon()
    if lexicon is None:
        return True  # without the dictionary the preposition is the safer reading (the hand rule before)
    freq, tags = lexicon
    for n in (3, 2):
        word = text[i : i + n]
        tag = tags.get(word, "")
        # the preposition's object: a time, place or direction word (于昨天, 于网上), or a common noun, number or
        # pronoun (于门店, 和销售); a rare word, an adjective or an adverb reads as a given name (于浩浩, 于欣然)
        a_word = len(word) == n and bool(freq.get(word)) and not tag.startswith("nr")
        if a_word and (
            tag[:1] in ("t", "s", "f") or (tag[:1] in _OBJECT_TAGS and freq[word] >= _COMMON_OBJECT_FREQ)
        ):
            return True
        # a word the function character starts (和善, 向来, 于是): any tag when common, else not a name's (于思)
        word = text[i - 1 : i - 1 + n]
        known = freq.get(word, 0)
        if (
            i > 0
            and len(word) == n
            and (known >= _COMMON_OBJECT_FREQ or (known and not tags.get(word, "").startswith("nr")))
        ):
            return True
    return False


_SPACES = " \u3000"  # a voice transcript's word breaks (客户 李强 说…), full-width ones too


def _role_names(text: str) -> list[Candidate]:
    out = []
    for m in _ROLE.finditer(text):
        i = m.end()
        while i < len(text) and i - m.end() < 2 and text[i] in _SPACES:
            i += 1
        s = _surname_at(text, i)
        if not s or (text[i] in _FUNCTION_SURNAMES and _function_word_at(text, i + s)):
            continue
        for n in (2, 1):
            end = i + s + n
            word = text[i:end]
            if end > len(text) or not all(_HAN.match(c) and c not in _ROLE_STOP for c in text[i + s : end]):
                continue
            if word in _NOT_NAMES or word in _ROLE_NOT_NAMES or word[:2] in _ROLE_NOT_NAMES:
                break
            acts = _acts_as_subject(text, end)
            if a_common_word(word) and not (acts and (a_dictionary_name(word) or _seldom(word))):
                continue  # 客户车辆 (but 客户王明说…, 业主江平想问…: a name the dictionary knows as one or seldom
                # holds as a word, then what a subject does)
            if text[end - 1] in _ROLE_ORG_END or text.startswith(_ORG_WORDS, end):
                break  # 客户张江路, 客户张家港医院
            after = text[end] if end < len(text) else "。"
            if _HAN.match(after) and after not in _ROLE_STOP and text[end : end + 2] not in _AFTER_NAME:
                continue  # runs on into other Han text: try the shorter name, else a place or a company
            if (
                text[i] in _FUNCTION_SURNAMES
                and _HAN.match(after)
                and not (after in _SAID or text[end : end + 2] in _AFTER_NAME)
            ):
                continue  # 客户于… / 销售和售后: after a function character only what a subject does ends the name
            # the role's name, then what its bearer says or does (客户李强说…, 车主 高强 反馈…): the guess is the
            # subject of the clause, a person: confirmed, so carried to later turns however often it is also a word
            out.append(Candidate("PERSON", i, end, 0.75, confirmed=acts))
            break
    return out


def _seldom(word: str) -> bool:
    """A dictionary entry seen fewer than `_WORD_FREQ` times whose last character the dictionary's names carry more
    than its words end in (江平 2, 方明 4): a common name the dictionary happens to hold as a place or a noun."""
    lexicon = _lexicon()
    if lexicon is None or lexicon[0].get(word, 0) >= _WORD_FREQ:
        return False
    return not (len(word) == 2 and _ends_words_more_than_names(word[1]))  # 车位, 车险: 位 and 险 end words


def _acts_as_subject(text: str, end: int) -> bool:
    """What follows a guessed name (spaces skipped) is what a subject says or does: a speech verb (说, 问 …) or one of
    `_AFTER_NAME` (反馈, 表示, 今天 …)."""
    while end < len(text) and text[end] in _SPACES:
        end += 1
    return end < len(text) and (text[end] in _SAID or text[end : end + 2] in _AFTER_NAME)


# Common nouns shaped like surname + given name (司机 = 司 + 机).
_NOT_NAMES = frozenset(
    "司机老板同事客户领导主任朋友家人老师师傅医生护士方便和平高兴高级金额程序安全文件单位"[i : i + 2]
    for i in range(0, 42, 2)
)


def _title_names(text: str) -> list[Candidate]:
    out = []
    for m in _TITLE.finditer(text):
        end = m.start()
        for length in (3, 2, 4):  # 张伟明 / 张伟 / 欧阳明月
            start = end - length
            if start < 0:
                continue
            s = _surname_at(text, start)
            given = text[start + s : end]
            if not s or not 1 <= len(given) <= 2 or any(c in _STOP or not _HAN.match(c) for c in given):
                continue
            if text[start:end] in _NOT_NAMES:
                continue
            before = text[start - 1] if start > 0 else " "
            if _HAN.match(before) and before not in _STOP and before not in _BEFORE_OK:
                continue  # 科室主任, 采购部王经理: the Han text before is part of another word
            if (
                length == 2
                and given in _SINGLE
                and before in _STOP
                and before in "和跟与向给找问叫请让被把对同"
            ):
                continue  # 请和王经理: 和 is the verb, 王 the surname, no given name
            out.append(Candidate("PERSON", start, end, 0.8, confirmed=True))
            break
    return out


_EN_CUE = re.compile(
    r"(?:\b(?:[Mm]y name is|I am|I'm|[Tt]his is|[Cc]ontact(?: person)?:?|[Nn]ame:|[Aa]ttn:?|[Ss]igned by|[Dd]ear)\s+"
    r"|\b(?:Mr|Mrs|Ms|Miss|Dr|Prof)\.?\s+)"
    r"((?:[A-Z][a-z]+(?:[-'][A-Z][a-z]+)?)(?:\s+[A-Z][a-z]+(?:[-'][A-Z][a-z]+)?){0,2})"
)
# A role noun before a full name (customer John Smith, our client Mary Jones): two capitalised words at least, as one
# word after a role noun is as often a team or a company (Customer Service, client Acme).
_EN_ROLE = re.compile(
    r"\b(?:[Cc]ustomer|[Cc]lient|[Bb]uyer|[Pp]atient|[Cc]olleague|[Dd]river|[Oo]wner|[Dd]ealer|[Ss]upplier)\s+"
    r"((?:[A-Z][a-z]+(?:[-'][A-Z][a-z]+)?)(?:\s+[A-Z][a-z]+(?:[-'][A-Z][a-z]+)?){1,2})"
)
_EN_NOT_NAME = {
    "Interested",
    "Sorry",
    "Not",
    "Writing",
    "Calling",
    "Looking",
    "Sure",
    "Happy",
    "Glad",
    "Sales",
    "Customer",
    "Support",
    "Team",
    "The",
    "Our",
    "Your",
    "Medical",
    "Hospital",
    "Company",
    "Corp",
    "Inc",
    "Ltd",
    "Group",
    "Order",
    "Please",
    "Thanks",
    "Thank",
    "Hello",
    "Hi",
    "Manager",
    "Sir",
    "Madam",
    "Following",
    "Still",
    "Just",
    "Also",
    "Channel",
    "Copilot",
    "Waiting",
    "Checking",
    "Asking",
    "Very",
    "Here",
    "Available",
    "Able",
    "Service",
    "Services",
    "Success",
    "Care",
    "Relations",
    "Experience",
    "Portal",
    "Account",
    "Number",
    "Center",
    "Centre",
    "Feedback",
}


def _english_names(text: str) -> list[Candidate]:
    out = []
    for m in _EN_CUE.finditer(text):
        words = m.group(1).split()
        keep = []
        for w in words:
            if w in _EN_NOT_NAME:
                break
            keep.append(w)
        if not keep:
            continue
        start = m.start(1)
        end = start + len(" ".join(keep))
        if text[start:end] == " ".join(keep):
            out.append(Candidate("PERSON", start, end, 0.8, confirmed=True))
    return out


def _english_role_names(text: str) -> list[Candidate]:
    out = []
    for m in _EN_ROLE.finditer(text):
        keep = []
        for w in m.group(1).split():
            if w in _EN_NOT_NAME:
                break
            keep.append(w)
        if len(keep) >= 2:
            start = m.start(1)
            out.append(Candidate("PERSON", start, start + len(" ".join(keep)), 0.75))
    return out


def find_names(text: str) -> list[Candidate]:
    return (
        _cue_names(text)
        + _role_names(text)
        + _title_names(text)
        + _english_names(text)
        + _english_role_names(text)
    )


_PAIR_ENTITIES = {"CN_MOBILE", "CN_LANDLINE", "CN_RESIDENT_ID", "BANK_CARD", "PHONE"}


def names_before_numbers(text: str, found: list[Candidate]) -> list[Candidate]:
    """A contact pair: a stand-alone 2-4 character name written right before a phone or ID (曹琳东，3101…)."""
    out = []
    for c in found:
        if c.entity not in _PAIR_ENTITIES:
            continue
        end = c.start
        while end > 0 and text[end - 1] in " ，,:：":
            end -= 1
        start = end
        while start > 0 and end - start < 5 and _HAN.match(text[start - 1]):
            start -= 1
        if not 2 <= end - start <= 4 or (start > 0 and _HAN.match(text[start - 1])):
            continue
        s = _surname_at(text, start)
        given = text[start + s : end]
        if s and 1 <= len(given) <= 2 and not any(ch in _STOP for ch in given):
            out.append(
                Candidate("PERSON", start, end, 0.7, confirmed=True)
            )  # a contact handed over with its number
    return out


# Role nouns before a name, a function word and a word the dictionary tags as a name: the finder reads jieba's tables
# (and the counts it derives from them) on each of these
_WARM_NAMES = "客户王小明说客户于昨天来过，客户马虎了一点"


def warm_up() -> None:
    """Loads now, once per process, what the finder would otherwise load on the first message naming someone after a
    role noun (jieba's dictionary and part-of-speech tables and the counts derived from them: 1-3 s of CPU on the hot
    path of whichever message that is). Called where a process starts taking messages; a second call costs
    microseconds."""
    _lexicon()
    find_names(_WARM_NAMES)
