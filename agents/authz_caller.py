"""Who is speaking, and for whom (session 14): two structural checks the phrase tables of agents/authz_phrases.py did
not make.

(1) The caller against the account. On a call (its transcript) or in a chat, the asker introduces themself by their
relation to someone — «我是<name>的<relation>», «我<name>他<relation>», «I'm calling for my <relation>» — or asks of a
relative's things («我<relation><name>的…», «帮我<relation>问一下她那台…»). When the person they speak for is the
account's holder (a contact of the conversation's customer, by the CRM's directory) or is left unnamed and spoken of as
a third person, the asker is not the holder: only the holder may act on or hear of the account (not_account_holder).
The holder speaking with a relative mentioned in passing («我是<holder>，我<relation>说车有点响，我那台…») is not
refused: the relation is then the caller's own, and what is asked is the caller's. Nor is a caller who asks of their
own things («我的车», «我那台», "in my name"), nor one who speaks of a person through a verb («我问了她朋友»), nor an
organisation's staff (only a person's account has a caller who is not its holder: agents/authz.py customer_trap).

(2) A rep's own other customer's deal terms asked FOR another customer. A rep may read the deal of any customer of
theirs; what they may not do is carry one customer's terms to another. An ask that resolves to one of the rep's own
customers (not the conversation's), asks its prices or terms, and points them at the conversation's customer — the
conversation's customer in view (named by a contact or salutation from the CRM, romanised by surname in English, or
pointed at: «这边», "this client") AND a word of matching or benchmarking — is other_customer_prices. Either alone is
not: «…的合同价跟去年一样吗» reads the rep's own customer, and with no conversation customer nobody receives the terms. The rep reads the polite refusal (agents/ask.py refuse), and the ledger keeps it.

Transcripts carry pauses as spaces between Chinese words («我 是 <name> 他 爱人»); the checks read the text with those
spaces removed (`joined`). Closed, language-general word classes only; no tenant's words."""

from __future__ import annotations

import re
from collections.abc import Iterable

from agents.authz_phrases import (
    _KIN,
    ACCOUNT_ACTION,
    EN_HOLDER_THINGS,
    FAMILY,
    FAMILY_EN,
    HESITATIONS,
    HOLDER_THINGS,
    IN_COVER,
    RELATIONS,
    SAME,
    THEIR_ASSET,
    THEIR_THINGS,
    asks_terms,
    phrases,
)

_CJK_GAP = re.compile(r"(?<=[\u4e00-\u9fff])\s+(?=[\u4e00-\u9fff])")
# a transcript's hesitations between words («呃», «嗯» said while thinking; agents/authz_phrases HESITATIONS, never
# «额» or «呢», which are inside words: 金额, 额度), dropped before reading a claim
_FILLER = re.compile(rf"(?<=[\u4e00-\u9fff])[{HESITATIONS}]+(?=[\u4e00-\u9fff])")


def joined(text: str) -> str:
    """The text with the spaces between Chinese characters removed (a transcript's pauses), other spaces kept."""
    return _CJK_GAP.sub("", text)


# the asker introduces themself by a relation to a third person: «我是<who>的<relation>», «我<who>他<relation>»,
# «本人是<who>家里人». <who> never holds a first-person pronoun («我是<holder>我爱人说…» is the holder speaking)
SELF_AS_RELATION = re.compile(
    rf"(?:我|本人)(?:就|也)?(?:是(?P<who>[^我你，,。！？!?\s]{{1,6}}?)(?:[他她]的?|的)?"
    rf"|(?P<said>[^我你是，,。！？!?\s]{{2,4}}?)[他她]的?)(?:{RELATIONS})"
)
# the asker's own relative, said with whose things follow: «我<relation><name>的车», «我<relation>那台»
RELATIVES_THINGS = re.compile(
    rf"我(?:的|家)?(?:{FAMILY})(?P<who>[^我你，,。！？!?\s的]{{0,4}}?)(?:的|那[台辆个份单])"
)
# asking on a relative's behalf: «帮我<relation>问一下», «替我<relation>查查», «给我<relation>约…»
FOR_RELATIVE = re.compile(rf"(?:帮|替|代|给)我?(?:的|家)?(?:{FAMILY})(?:问|查|打听|咨询|看|约|办)")
# in English: «I'm calling for my wife», «calling on behalf of my husband», «this is <Name>'s wife» (agents/authz_phrases
# EN_PROXY), «my husband's car»
EN_FOR_RELATIVE = phrases(
    "",
    r"(?:calling|asking|phoning|ringing|writing|messaging|here|enquiring|inquiring)\s+(?:for|on behalf of)\s+my\s+"
    rf"(?:{FAMILY_EN}|boss)"
    rf"|my\s+(?:{FAMILY_EN}|boss)'s\s+"
    r"(?:car|vehicle|order|contract|warranty|package|invoice|service|account|deposit|balance)",
)


# the caller's own things: «我的车», «我那台», «我的呢», "my car", "mine", "in my name" — the caller is the holder, a
# relative or friend spoken of is in passing («我问了她朋友…我的车保修能修吗»)
OWN_THINGS = re.compile(
    rf"我(?:自己)?(?:的(?!(?:{RELATIONS}))|[那这][台辆个份单]|名下)"
    r"|\bmy\s+(?:own\s+)?(?:car|vehicle|order|contract|warranty|package|invoice|service|account|deposit|balance)\b"
    r"|\bmine\b|\bin\s+my\s+name\b",
    re.I,
)
# a verb said between «我» and the pronoun («我问了她朋友», «我听说他朋友»): not a holder named
_VERBISH = re.compile(r"[了过着说问听跟和找看见]")


def _holder_things(rest: str) -> bool:
    """Something of the holder's own, said through a possessive («他那台…保养», «她的质保», «她订的那台…能交»): not a
    general question a relative may ask («她让我问下保养套餐多少钱»)."""
    return bool(HOLDER_THINGS.search(rest) or THEIR_ASSET.search(rest))


def caller_not_holder(text: str, holder_forms: Iterable[str] = (), other_forms: Iterable[str] = ()) -> bool:
    """The asker speaks for someone else about that person's account (see the module's doc). `holder_forms`: how the
    conversation's customer is named (its name, contacts' names and salutations, from the CRM); `other_forms`: names
    the directory resolves to other customers (a relative who is another customer is theirs to ask about: that is
    another customer's data, decided elsewhere)."""
    t = _FILLER.sub("", joined(text))
    holder = [f for f in holder_forms if len(f) >= 2]
    others = [f for f in other_forms if len(f) >= 2]

    def another_customer(who: str) -> bool:
        return bool(who) and any(f in who for f in others) and not any(f in who for f in holder)

    for m in SELF_AS_RELATION.finditer(t):
        who = m.group("who") or m.group("said") or ""
        if another_customer(who) or (m.group("said") and _VERBISH.search(m.group("said"))):
            continue
        if OWN_THINGS.search(t, m.end()):  # what is asked is the caller's own
            continue
        if _holder_things(t[m.end() :]):
            return True
    for m in RELATIVES_THINGS.finditer(t):
        who = m.group("who")
        # «我<relation><holder>的车…保养记录»: the relative named is the account's holder, their things asked
        if (
            who
            and any(f in who for f in holder)
            and (THEIR_THINGS.search(t, m.end(), m.end() + 16) or IN_COVER.search(t, m.end(), m.end() + 16))
        ):
            return True
    on_behalf = FOR_RELATIVE.search(t)
    if on_behalf and _holder_things(t[on_behalf.end() :]) and not OWN_THINGS.search(t, on_behalf.end()):
        return True
    en = EN_FOR_RELATIVE.search(t)
    return bool(en and EN_HOLDER_THINGS.search(t, en.start()) and not OWN_THINGS.search(t, en.end()))


_OTHER_OF_MINE = (
    rf"(?:的)?(?:{FAMILY}|{RELATIONS}|老板|领导|上司|老总|东家|单位|公司|"
    r"哥|姐|弟|妹|爸|妈|叔|舅|姨|姑|伯|岳父|岳母|公公|婆婆|表|堂|朋友|同学|邻居|亲戚)"
)
# the asker says the account or the vehicle is another person's: «车主是我老板», «车不在我名下», «我是给王总开车的»,
# "the car isn't in my name", "I drive the K2 for Ms Chen". «车主是我(本人)» is the holder; «给乘客开车» is their work
DISOWNED = phrases(
    rf"车主(?:是|为)(?:(?!我|本人)|我(?=们|{_OTHER_OF_MINE}))|车主不是我|不(?:在|是)我(?:的)?名下|(?:不是|并非)我的车"
    r"|(?:给|帮|替)(?!乘客|客人|顾客)[^我你，,。！？!?\s]{1,5}?开车",
    r"(?:isn'?t|is\s+not|not)\s+(?:in\s+|under\s+)?my\s+name|i'?m\s+not\s+the\s+(?:owner|holder|account\s+holder)"
    r"|i\s+drive\s+(?:\w+\s+){0,3}?for\b|(?:registered|belongs)\s+to\s+my\s+(?:boss|employer|company)"
    r"|the\s+owner\s+is\s+(?:my|someone)",
)
# what only the holder may have, be told or change: the account's papers, details and records
ACCOUNT_ASK = phrases(
    r"发票|开票|抬头|手机号|联系人|联系方式|预留|过户|合同|订单|记录|还剩|到期|余额|定金|尾款|保修|质保",
    r"invoice|contact|phone|number|account|records?|contract|order|warranty|package|deposit|balance",
)


# WHO asks, read structurally: the asker says they ARE the account's holder — «车主是我», «我是车主», «车是我的», «车在我
# 名下», «本人», "the car is mine", "registered to me", "in my name", "I'm the owner" — or names themself by a form of
# the conversation's customer («我是<holder>», «我<holder>», «this is <holder>») with no relation after it («我是<holder>
# 的爱人», «我是<holder>她老公», «I'm <holder>'s husband»: someone else). A relation, a boss or a company right after
# «车主是我» makes it another's («车主是我老板», «车主是我爸»); «我是车主的…» is a relation of the holder.
HOLDER_SELF = phrases(
    rf"车主(?:就|也)?(?:是|为)(?:我|本人)(?:自己|本人)?(?![们家]|{_OTHER_OF_MINE})"
    rf"|我(?:就|才)?是车主(?:本人)?(?!的|{_OTHER_OF_MINE})|车主本人|(?<![他她])本人就是|"
    rf"车(?:子)?(?:就)?(?:是我(?:自己)?的|在我(?:的)?名下|登记在我)(?!{_OTHER_OF_MINE})|(?:落|挂|登记)在我名下",
    r"\b(?:is|it'?s)\s+mine\b|registered\s+(?:to|in the name of)\s+me\b|\bin\s+my\s+(?:own\s+)?name\b"
    r"|\bi'?\s*a?m\s+the\s+(?:registered\s+)?(?:owner|holder|account\s+holder)\b|\bi\s+own\s+(?:it|the\s+car)\b",
)
# after a self-naming: a relation, a referral or a place beside it makes the name someone else's («我是<holder>她老公»,
# «<holder>的司机», «<holder>隔壁…的»)
_NAME_THEN_RELATION = re.compile(
    rf"\s*(?:的|'s\b|[他她](?:的)?\s*(?:{RELATIONS}|{_OTHER_OF_MINE})|(?:{RELATIONS}|{_OTHER_OF_MINE})"
    rf"|介绍|推荐|(?:{FAMILY_EN}|friend|colleague|assistant|driver|secretary)\b"
    # another establishment placed by the name («我是<holder>旁边那家修理厂的», "from the shop next door to <holder>")
    r"|(?:那边的?)?(?:旁边|隔壁|对面|对门|斜对面|楼下|楼上|附近|边上)|\s*(?:next\s+door|opposite|across))",
    re.I,
)
_SELF_NAMING = re.compile(
    r"(?:我是|我就是|本人是|我叫|(?<![给帮替和跟找问叫让])我|(?<![A-Za-z])(?:I'?m|I am|this is|it'?s|my name is))\s*$",
    re.I,
)
# the asker asks of a third person's things («她那台», «他的质保», "her warranty"): not the holder's own ask
_THIRD_THINGS = re.compile(
    r"[他她佢](?:的|嘅|那[台辆个份单]|[订买签交提]的)"
    # a relative's things, named or not: «我叔那台», «我老公的保养», «我妹<name>的车» (not «我老公开的»: a verb between)
    rf"|我(?:的|家)?(?:{_KIN}|{RELATIONS})(?![开用说在跑让叫想要问])[\u4e00-\u9fff]{{0,3}}?(?:的|嘅|那[台辆个份单]|[部架])"
    r"|\b(?:his|her)\s+(?:\w+\s+){0,2}?(?:car|vehicle|order|contract|warranty|package|invoice|service|account"
    rf"|deposit|balance|records?)\b|\bmy\s+(?:{FAMILY_EN}|friend|colleague|boss)'s\b",
    re.I,
)


# WHO the asker says they are, when it is not the holder: a relation or role of their own to a named person, the holder
# («车主») or a party («我是<who>的<relation>», «我以前是<who>的司机», «<who>是我儿子», «我是<who>单位的»), an
# establishment speaking («我们是…», "we're a …"), or asking on a relative's behalf («替我老婆问», "calling for my wife").
# Whoever says so is not the holder, whatever they claim after («…车主是我», "the car is mine"); «我老公让我问问我的…» (a
# relative who sent the holder) states no role of the asker's own
_ROLE = (
    rf"{RELATIONS}|哥哥|姐姐|弟弟|妹妹|姐夫|妹夫|舅舅|叔叔|姑姑|阿姨|(?:表|堂)(?:哥|姐|弟|妹)|爸爸?|妈妈?|岳父|岳母|公公|婆婆"
    r"|前台|会计|财务|出纳|店员|业务员"
)
SPEAKER_OTHER = phrases(
    rf"(?:我|本人)(?:以前|之前|原来|曾经|过去|现在|目前|就|也|其实|只)*是(?P<who>[^我你，,。！？!?\s]{{1,8}}?)"
    rf"(?:[他她]的?|的)?(?:{_ROLE})"
    rf"|(?:我|本人)(?P<said>[^我你是，,。！？!?\s]{{2,4}}?)[他她]的?(?:{RELATIONS})"
    r"|(?:我|本人)(?:以前|之前|原来|就|也)?是[^我你，,。！？!?\s]{1,8}?(?:单位|公司|店|厂|家)(?:里)?的"
    rf"|(?:^|[，,。！？!?\s])[^，,。！？!?\s我你]{{2,4}}是我的?(?:{FAMILY})(?=[，,。！？!?\s车]|$)"
    r"|我们(?:这边|这里|这儿)?(?:是|属于)"
    rf"|(?:帮|替|代)我?(?:的|家)?(?:{FAMILY})(?:问|查|打听|咨询|看|约|办)",
    rf"\b(?:i'?\s*a?m|this\s+is|it'?s|here\s+is)\s+(?:\w+\s+){{0,3}}?\w+'s\s+(?:{FAMILY_EN}|friend|colleague|assistant"
    r"|driver|secretary|employee|staff|pa)\b"
    rf"|\bi'?\s*a?m\s+(?:his|her|their)\s+(?:{FAMILY_EN}|friend|colleague|assistant|driver|secretary)\b"
    rf"|\b(?:calling|asking|phoning|ringing|writing|messaging|here|enquiring|inquiring)\s+(?:for|on\s+behalf\s+of)\s+"
    rf"(?:my|his|her|their|the\s+owner)\b|\bwe(?:'re|\s+are)\s+(?:a|an|the|from)\b"
    r"|\bi\s+(?:used\s+to|previously)\s+(?:work|drive)",
)


def speaker_is_other(text: str) -> bool:
    """The asker states a relation or role of their own to someone (SPEAKER_OTHER): they are not the holder."""
    return bool(SPEAKER_OTHER.search(_FILLER.sub("", joined(text))))


# the asker names the holder by the word for the role and says they are that holder's relation: «我是车主<name>的老公»,
# «车主他爱人», "I'm the owner's husband" (never «我是车主»: HOLDER_SELF)
_OF_THE_HOLDER = phrases(
    rf"车主[^我你，,。！？!?\s]{{0,5}}?(?:[他她]的?|的)?(?:{_ROLE})",
    rf"\bthe\s+(?:registered\s+)?(?:owner|holder)'s\s+(?:{FAMILY_EN}|friend|colleague|assistant|driver|secretary)\b",
)
# a claim of the vehicle said looser than HOLDER_SELF («其实是我买的», «在我名下»), read only after a stated relation
_MINE = phrases(r"在我(?:的|自己)?名下|(?:是|归)我(?:自己)?(?:的|买的|付的|出的钱)")
# what an account's holder alone is told: its papers and records (ACCOUNT_ASK), what is left on a package, what was paid
_HOLDERS_OWN = phrases(
    r"发票|开票|抬头|手机号|联系方式|过户|合同|订单|记录|还剩|剩几|剩多少|到期|到哪|到什么时候|余额|定金|尾款|保修|质保|套餐|付了",
    r"invoice|contact|records?|contract|order|warranty|package|deposit|balance|paid|pay|left",
)


def claims_over_role(text: str) -> bool:
    """Someone who says who they are to the holder (SPEAKER_OTHER: «我是<holder>老公», «我以前是<holder>的司机», «我们是
    保险公司理赔的») and then claims the account as theirs («车主是我», «车是我的», "the car is mine") or names the holder
    as «车主» («我是车主<name>的老公»), asking what only the holder is told: not the holder (not_account_holder). The claim
    does not make them the holder; the relation they stated does make them someone else."""
    t = _FILLER.sub("", joined(text))
    return bool(
        SPEAKER_OTHER.search(t)
        and (HOLDER_SELF.search(t) or _MINE.search(t) or _OF_THE_HOLDER.search(t))
        and _HOLDERS_OWN.search(t)
    )


def holder_speaks(text: str, holder_forms: Iterable[str] = ()) -> bool:
    """WHO asks: the asker says they are the account's holder (HOLDER_SELF), or names themself by a form of the
    conversation's customer (`holder_forms`: its name, contacts, salutations from the CRM) with no relation after the
    name; and no third person's things are asked («…她那台X7…»). A third person mentioned in passing («平时主要是我老公
    在开», «我爱人说该保养了», "my husband mostly drives it") is then neither the asker nor the one whose data is asked:
    a holder's ask is never refused as not_account_holder (customer_trap)."""
    t = _FILLER.sub("", joined(text))
    if _THIRD_THINGS.search(t) or DISOWNED.search(t):  # «车主是我老板», "isn't in my name": not the holder's
        return False
    if SPEAKER_OTHER.search(t):  # «我是<holder>老公，车主是我»: someone else, whatever they claim after
        return False
    if HOLDER_SELF.search(t):
        return True
    for form in (f for f in holder_forms if len(f) >= 2):
        for m in re.finditer(re.escape(form), t):
            if _SELF_NAMING.search(t[max(0, m.start() - 12) : m.start()]) and not _NAME_THEN_RELATION.match(
                t, m.end()
            ):
                return True
    return False


def holder_disowned(text: str) -> bool:
    """A person's account, asked about by someone who says the account or its vehicle is not theirs (the owner is their
    boss, a relative, someone they drive for) and asks for its papers, details or records, or to change it: only the
    holder may (not_account_holder). The caller decides only for a person's account (agents/authz.py customer_trap)."""
    t = _FILLER.sub("", joined(text))
    return bool(DISOWNED.search(t) and (ACCOUNT_ACTION.search(t) or ACCOUNT_ASK.search(t)))


# ---- (2) one customer's terms carried to another --------------------------------------------------------------------

# matching or benchmarking one deal against another: «对标», «参考», «参照», «比照», «照那个», «拉齐», «按她的来»,
# «benchmark»
# (agents/authz_phrases SAME holds «一样», «照着», «按那个», «same», «match»)
FOR_ANOTHER = phrases(
    r"对标|参考|参照|比照|对照|照那|照这|拉齐|拉平|持平|看齐|对齐|[按照][他她]的",
    r"benchmark|reference|in line with|comparable|as low as|quote\s+\w+\s+the same",
)
# the conversation's customer pointed at, not named: «这边», «这家», «这位», «这个客户», "this client", "this customer"
THIS_PARTY = phrases(
    r"这边|这家|这位|这个客户|咱这个客户",
    r"this\s+(?:client|customer|account|company|fleet)",
)
_FORM_VALUE = re.compile(r"=\s*([^（(=]+)")


def conversation_forms(c360: object) -> list[str]:
    """How the conversation's customer may be named in an ask: its name, its contacts' names and salutations (the
    360's contact facts, by their lineage: «甘先生», «葛主管» are not directory handles on their own)."""
    forms: list[str] = []
    name = str(getattr(c360, "name", "") or "")
    if name:
        forms.append(name)
    for e in getattr(c360, "facts", None) or ():
        ids = getattr(e, "source_ids", {}) or {}
        if ids.get("entity") == "contact" and ids.get("attribute") in ("name", "salutation"):
            m = _FORM_VALUE.search(str(getattr(e, "content", "")))
            if m and m.group(1).strip():
                forms.append(m.group(1).strip())
    return forms


def _romanised(forms: Iterable[str], text: str) -> bool:
    """A Chinese form of the conversation's customer said in English by its surname («袁总» → "Mr Yuan", «杜主管» →
    "quote Du the same"): the first character romanised, as a capitalised whole word."""
    try:
        from pypinyin import lazy_pinyin
    except ImportError:  # optional: English asks then name the customer by its other handles only
        return False
    for f in forms:
        if 2 <= len(f) <= 4 and all("\u4e00" <= c <= "\u9fff" for c in f):
            sur = "".join(lazy_pinyin(f[0])).capitalize()
            if sur and re.search(rf"(?<![A-Za-z]){re.escape(sur)}(?![A-Za-z])", text):
                return True
    return False


def terms_for_another(text: str, forms: Iterable[str] = (), *, conversation_named: bool = False) -> bool:
    """A rep's ask about one of their own other customers wants its prices or terms FOR the conversation's customer:
    the terms asked, and a word of matching / benchmarking or the conversation's customer named in the same ask
    (`forms`, conversation_forms; `conversation_named`: the CRM's directory found a handle of it in the text)."""
    t = joined(text)
    forms = [f for f in forms if len(f) >= 2]
    if not (forms or conversation_named) or not asks_terms(t):
        return False  # no conversation customer: nobody to carry terms to
    # both: the conversation's customer in view (named, or pointed at: «这边», "this client") AND a word of matching /
    # benchmarking. A bare «一样», «参考», "reference" reads the rep's own customer's deal («…的合同价跟去年一样吗»); the
    # conversation's contact named in a second ask («…几个点？另外<contact>的车到了没») carries nothing
    in_view = conversation_named or any(f in t for f in forms) or THIS_PARTY.search(t) or _romanised(forms, t)
    if in_view and (FOR_ANOTHER.search(t) or SAME.search(t)):
        return True
    # the conversation's customer as the one the terms go to: «给<trade name>也报一份», «原样报给<trade name>», "quote
    # <Trade name> the price …" — the customer by any part of its CRM name (a trade name is two of its characters)
    return recipient_named(t, forms)


# the party terms are quoted, sent or given to: «给X报», «给X也出一份», «向X开», «报给X», "quote X", "send X", "to X"
_TO_ZH = re.compile(
    r"(?:给|向|为|替)\s*(?P<who>[\u4e00-\u9fff]{2,6}?)\s*(?:这边|那边|他们|公司)?\s*(?:也|同样|照样|原样|一样)?\s*"
    r"(?:报|发|出|开|按|照|做)"
    r"|(?:报|发|开|出|抄|转|递)给\s*(?P<who2>[\u4e00-\u9fff]{2,6})"
)
_TO_EN = re.compile(
    r"(?<![A-Za-z])(?i:quote|give|send|offer|to|for)\s+(?P<who>[A-Z][a-z]+(?:\s+[A-Z][a-z]+)?)(?![A-Za-z])"
)
# the recipient's clause pointing back at the other customer's terms: the same terms carried over («给X也开一份»,
# «原样报给X», «照那个价给X报», "quote X the price Y got", "send X the same deal"), not any quote word (a second ask,
# «另外给X报个新价», carries nothing of the other customer's)
_BACK = phrases(
    r"也|同样|照样|原样|一样|照搬|照着?|按着?(?:这|那)|(?:这|那)个?(?:价|折扣|点数|条件)",
    r"same|that price|those terms|that deal|the (?:[a-z-]+ )?(?:price|deal|terms|rate|discount)s? (?:[a-z]+ ){1,3}(?:got|had|paid|gets|signed)",
)
# a clause that opens a separate ask: what it says is not carried from the clause before
_SEPARATE = re.compile(r"^\s*(?:另外|还有|顺便|对了|再就是|also\b|and also\b|by the way)", re.I)
_CLAUSE = re.compile(r"[^。！？!?；;，,\n]+")
# the parts of an organisation's legal name that are not its own: the legal form («有限公司»), a place before it
# (two characters, «市»/«省» after), and the kind of business at its end (two characters): a closed class of shape
_LEGAL_FORM = re.compile(
    r"(?:股份)?(?:有限)?(?:责任)?(?:公司|集团)$|(?:Co\.?|Ltd\.?|Inc\.?|LLC|Corp\.?)$", re.I
)


def distinctive(form: str) -> str:
    """The customer's own handle in a CRM form: an organisation's legal name without its place prefix, legal form and
    kind of business («某市某丙快运有限公司» → «某丙»); a person's name or salutation as it is."""
    core = _LEGAL_FORM.sub("", form).strip()
    if core == form.strip() or not all("\u4e00" <= c <= "\u9fff" for c in core):
        return form.strip()
    if len(core) >= 6:
        core = re.sub(r"^..[市省]?", "", core)
    if len(core) >= 4:
        core = core[:-2]
    return core


def _part_of(who: str, forms: list[str]) -> bool:
    """`who` (a trade name, typed or romanised) is the customer's own handle (`distinctive`): two or more of its
    characters in a row, or their pinyin as one word — never a city or «公司»."""
    for f in forms:
        d = distinctive(f)
        if len(d) < 2:
            continue
        if who.isascii():
            if _roman_windows(d) & {who.replace(" ", "").lower()}:
                return True
            continue
        if any(who[:n] in d for n in range(len(who), 1, -1)):
            return True
    return False


def _roman_windows(form: str) -> set[str]:
    try:
        from pypinyin import lazy_pinyin
    except ImportError:  # optional: English asks then name the customer by its other handles only
        return set()
    cjk = [c for c in form if "\u4e00" <= c <= "\u9fff"]
    return {"".join(lazy_pinyin("".join(cjk[i : i + 2]))).lower() for i in range(len(cjk) - 1)}


def recipient_named(text: str, forms: Iterable[str]) -> bool:
    """The conversation's customer (`forms`: its CRM name, contacts, salutations) is named as the one the other
    customer's terms go to: in a clause pointing back at those terms (`_BACK`), not one opening a separate ask."""
    forms = [f for f in forms if len(f) >= 2]
    for clause in _CLAUSE.findall(joined(text)):
        if _SEPARATE.match(clause) or not _BACK.search(clause):
            continue
        for m in _TO_ZH.finditer(clause):
            who = m.group("who") or m.group("who2") or ""
            if who and _part_of(who, forms):
                return True
        for m in _TO_EN.finditer(clause):
            if _part_of(m.group("who"), forms):
                return True
    return False
