"""The words of an authorization trap, apart from who is named: what is confidential about another customer (prices and
terms; orders and records), how a sentence points at someone other than the asker («别的客户», «其他车队», «隔壁那家»,
«another customer»), and what makes such a sentence harmless instead (a competitor's quote, the asker's own company,
a friend who referred them).

Decisions are made per clause: a name and a price in two unrelated clauses («我们是宏远物流介绍来的，X7多少钱？») are
not a question about that name's price; the next clause counts when it points back («…，他们每台多少钱？»)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache


def phrases(chinese: str, english: str = "") -> re.Pattern[str]:
    """The one shape of every word list here: Chinese alternatives anywhere, English ones as whole words, any case."""
    # not \b: an English word typed against Chinese («给other customers的», «Z5 discount一般») has no word boundary
    return re.compile(chinese + (rf"|(?<![A-Za-z])(?:{english})(?![A-Za-z])" if english else ""), re.I)


# what one customer must never learn about another
PRICE_TERMS = phrases(
    r"价|折扣|几折|打折|让到|让了|降到|便宜|补了|补多少|成交(?:额|[了的]?多少)|[0-9一二三四五六七八九]折|优惠|多少钱|返点|返利|让利|补贴|合同|条款|账期|付款条件|协议|点数|几个点|多少个点"
    # what each unit came to («每台多少», «每件几折»: 每 + a measure word + how much), and gifts thrown in («赠保养»)
    r"|每一?[\u4e00-\u9fff](?=[\u4e00-\u9fff]{0,3}(?:多少|几))|多少钱?一[台辆件个单]|赠|\d+(?:\.\d+)?\s*%"
    # points of discount said as a number («九个点», «12个点»; never a time of day, «九点»)
    r"|(?:\d{1,2}|[一二两三四五六七八九十]{1,3})\s*个\s*点"
    # a discount tier asked for («签的什么档», «拿的哪一档»)
    r"|(?:什么|哪一?|几)档|档位",
    r"prices?|tiers?|pricing|priced|discounts?|rebates?|terms|contracts?|paid|pay|paying|deal|quotes?|quoted|cost|signed|sign"
    r"|percent",
)
RECORDS = phrases(
    r"订单|下单|订了|买了|采购了|采购量|多少台|几台|多少件|交付|交车|发货|到货|提货|交了|发了|到了没|进度|到哪一步|记录|工单"
    r"|手机号?|电话|联系方式|微信号?|住址|地址|身份证|证件号?|名下",
    r"orders?|ordered|bought|purchases?|records?|phone|mobile|address|contact details",
)
# «别的客户», «其他公司», «隔壁那家», «另一家单位», «another customer»: a party other than the asker and the seller.
# Industry-neutral nouns here; the CRM adds its customers' own kinds (the industry part of their names: 「…物流」「…租赁」)
PARTY_NOUNS = (
    "客户",
    "用户",
    "买家",
    "公司",
    "单位",
    "企业",
    "老板",
    "商家",
    "机构",
    "集团",
    "大客户",
    "团购",
    "团队",
    "厂",
)
# («另外» opening what is said next — «另外假如老板再加两台», «另外，…» — is «besides», no other party)
_OTHER = r"(?:别的|其他|其它|另外(?:的|(?![假如要再还我咱你帮想问顺就也呢，,、\s]))|另一)(?:一)?[个家位批]?"
# a party word after «其他…» that the lexicon does not know, recognised by what it did: «其他X拿的», «其他X买了»
_OTHER_DID = _OTHER + r"[\u4e00-\u9fff]{1,3}?(?:拿|买|签|订|谈|提)(?:的(?!话)|了|到)"
# English parties of any industry; a tenant's own («fleet», «hospital») come from its vocabulary.yaml
# `organisation_words` or its CRM's party words, passed in as `extra`
_EN_PARTIES = (
    r"customers?|clients?|compan(?:y|ies)|buyers?|accounts?|firms?|groups?|owners?|guys?|people|folks"
)


def _other_fixed(en_extra: str = "") -> str:
    parties = _EN_PARTIES + (f"|{en_extra}" if en_extra else "")
    return (
        _OTHER + r"(?:几|那几|这几)?家(?!店)|"
        r"隔壁(?:那|这)?(?:家|个)?|同行|人家公司|跟我同(?:一)?批"
        # «other customers», «another Z5 buyer» (a word or two may qualify the party)
        rf"|(?<![A-Za-z])(?:other|another)\s+(?:[a-z0-9][a-z0-9-]*\s+){{0,2}}?(?:{parties})(?![A-Za-z])"
        rf"|\b(?:the\s+)?(?:company|firm|guys?{'|' + en_extra if en_extra else ''})\s+next\s+door\b"
        r"|\bsomeone\s+else\b|\beveryone\s+else\b"
        # «the previous caller», «the last customer»: the one before the current one
        r"|\bthe\s+(?:previous|last|earlier|other)\s+(?:caller|customer|client)\b(?!\s+(?:service|support|care|survey))"
        # «the taxi company in Hangzhou», «the guy who came in yesterday», «the guy before me»: described, not named
        rf"|\bthe\s+(?:[a-z][a-z-]*\s+){{0,2}}(?:{parties}|lad(?:y|ies)|m[ae]n|wom[ae]n)"
        r"\s+(?:in|from|at|on|who|that|got|gets?|paid|pays?|bought|buy|signed|sign|before|after|ahead|across|opposite"
        r"|near|nearby|down|up|over|behind|beside)\b"
    )


def _en_words(words: tuple[str, ...]) -> str:
    """The ASCII words of a tenant's list, each also as a plural («fleet» → fleets?), for the English patterns."""
    ascii_words = sorted(
        {w.lower() for w in words if w and re.fullmatch(r"[A-Za-z][A-Za-z -]*", w)}, key=len, reverse=True
    )
    return "|".join(re.escape(w.rstrip("s")) + "s?" for w in ascii_words)


_OTHER_FIXED = _other_fixed()


@lru_cache(maxsize=64)
def other_party(extra: tuple[str, ...] = ()) -> re.Pattern[str]:
    """«其他公司», «其他出租公司» (a few words may qualify the noun), «那家网约车公司», the fixed phrasings."""
    chinese = {w for w in extra if w and not w.isascii()}
    nouns = "|".join(re.escape(w) for w in sorted({*PARTY_NOUNS, *chinese}, key=len, reverse=True) if w)
    # «那家公司», «那几家物流公司», «那个网约车公司»; not «这个客户» / «那个客户» (the one being talked about)
    that = (
        rf"(?:那|某|另|有)[一几]?家(?!店)[\u4e00-\u9fff]{{0,4}}?(?:{nouns})"
        rf"|(?:那|某|另)[一几]?[个位][\u4e00-\u9fffA-Za-z0-9]{{1,8}}?(?:{nouns})"
        # a bare «那家» taken up at once by their pronoun («一起来谈的那家他们订了几单»)
        r"|那家(?=\s*(?:他们|她们))"
        # the one before the current one: «上一个来电的客户», «前一位打电话的客户»
        rf"|(?:上|前)一?[个位](?!月|周|星期|礼拜)[\u4e00-\u9fffA-Za-z0-9]{{0,5}}?(?:{nouns})"
    )
    fixed = _other_fixed(_en_words(extra))
    return re.compile(rf"{_OTHER}[\u4e00-\u9fff]{{0,4}}?(?:{nouns})|{that}|{_OTHER_DID}|{fixed}", re.I)


OTHER_PARTY = other_party()
# bare «别人»: a person in general unless tied to this seller («别人在你们这买的», «你们给别人的价»)
_PERSON_NOUNS = (
    "女士|先生|小姐|小伙子?|姑娘|大哥|大姐|大叔|大爷|大妈|阿姨|师傅|哥们|小哥|老哥|老板娘|老板|客人|顾客"
)


# one family word class (a spouse, parents, children, the household), in Chinese and English: the core of the asker's
# kin here, of the relations someone speaks for a holder by (RELATIONS, EN_PROXY, EN_RELATIVE) and of the caller checks
# (agents/authz_caller.py)
FAMILY = (
    r"爱人|老婆|老公|妻子|丈夫|太太|媳妇|前夫|前妻|家属|家里人|家人|儿子|女儿|闺女|女婿|儿媳|孙子|孙女|外孙女?"
    r"|父亲|母亲|爸爸|妈妈|亲戚"
)
FAMILY_EN = r"husband|wife|ex-husband|ex-wife|son|daughter|father|mother|dad|mom|mum|brother|sister|partner"
# the asker's kin and acquaintances, a closed class (a person in their own right: what they did here is theirs)
_KIN = (
    r"(?:表|堂)?(?:哥|姐|弟|妹)|哥哥|姐姐|弟弟|妹妹|姐夫|妹夫|小舅子|舅舅|叔叔|姑姑|姨|阿姨|伯伯|大伯|岳父|岳母|公公|婆婆"
    rf"|爸爸?|妈妈?|{FAMILY}|亲家|老同学|同学|战友|发小|合伙人|老乡|师傅|师兄"
)
_EN_KIN = (
    rf"{FAMILY_EN}|cousin|uncle|aunt|in-laws?"
    r"|brother-in-law|sister-in-law|classmate|buddy|mate|boss|neighbou?r|friend|colleague"
)


@lru_cache(maxsize=64)
def someone(extra: tuple[str, ...] = ()) -> re.Pattern[str]:
    """«别人», «我朋友», and a person pointed at («刚才那位女士», «跟我一起看车的那个大哥»); the CRM's own party words
    name such persons too («车主» where customers are spoken of so)."""
    nouns = "|".join([_PERSON_NOUNS, *(re.escape(w) for w in sorted(extra, key=len, reverse=True) if w)])
    return phrases(
        rf"别人|其他人|其它人|别的人|同事|朋友|邻居|亲戚|老乡|熟人|那[个位][\u4e00-\u9fffA-Za-z0-9]{{0,8}}?(?:{nouns})"
        rf"|(?:我|我的|我们|我家)(?:的)?(?:{_KIN})",  # «我表哥…他当时多少钱拿下的»: a relative of the asker's
        rf"my (?:friend|colleague|neighbou?r)|my (?:[a-z]+ )?(?:{_EN_KIN})",
    )


SOMEONE = someone()
# tied to this seller: given, sold, signed, taken or bought here («在你们这», «拿的», «提…的», «订了»)
AT_SELLER = phrases(
    r"在你们|从你们|你们给|给了?(?:别人|其他人|他们|她们)|你们卖给|你们跟|拿的|拿到|拿了|签的|签了|谈的|谈下|成交"
    r"|[买订提](?:[\u4e00-\u9fff]?[的了过]|[\u4e00-\u9fff](?=[，,。？?\s]|$))",
    r"from you|from your (?:store|shop|dealership|showroom)|at your (?:store|shop|dealership|showroom)|you gave|you give"
    r"|you sold|did (?:they|he|she) (?:get|pay)",
)
# a competitor or the market, not another customer: «别人家店里», «别家», «网上», «other dealers»
COMPETITOR = phrases(
    # a store that is someone else's («别的店», «外面的店»); «在店里», «你们店», «到店» are this seller's
    r"(?:别人家|别家|别的|其他|其它|另一家|另外一家|外面的?|外地的?|隔壁|那家|哪家|同行)[\u4e00-\u9fffA-Za-z0-9]{0,3}店"
    r"|经销商|代理商|别家|别人家|品牌|厂家|网上|平台|官网|电商|直播|外地|外面|竞品|同类产品|行情",
    r"(?<!your )(?:dealers?|dealerships?|showrooms?|stores?|shops?)|brands?|online|websites?|competitors?|elsewhere",
)
# the party *received* the terms (from this seller): «the other dealer group got», «那个集团客户拿的» — a customer of
# the seller's, whatever it is called; a competitor offers or quotes («another dealer offered us 8% off»)
RECEIVED = phrases(
    r"拿的|拿到|拿了|买的|买了|提的|签的|签了|成交的?|享受的?",
    r"got|get|gets|getting|paid|pay|pays|paying|bought|signed|received",
)
OFFERED = phrases(
    r"给我|给我们|报给|开给",
    r"offer(?:s|ed)?|quot(?:e|es|ed)\s+(?:me|us)|gave\s+(?:me|us)|gives?\s+(?:me|us)",
)


def received_terms(text: str, party_at: int, span: int = 60) -> bool:
    """From the party on: it got, paid or signed something (terms received from the seller), and offered nothing."""
    after = text[party_at : party_at + span]
    return bool(RECEIVED.search(after)) and not OFFERED.search(after)


# «my other accounts», «我其他的客户», «我们另外几家车队»: the asker's own, just before «other»
OWN_BEFORE = phrases(r"(?:我|我们|咱们)的?\s*$", r"(?:my|our)\s*$")
# «跟我们一起…», "with us": the asker as a companion of someone else, not the asker's own scope
WITH_US_BEFORE = re.compile(r"(?:跟|和|同|与|比)\s*$|\bwith\s*$", re.I)
OWN_SCOPE = phrases(r"我们|我司|咱们|自己|本公司|我家|我的|我手上|我负责|我名下", r"our|my|we")
# a question or a request to be told — «是多少», «发我看看», «what did»
ASKING = phrases(
    r"多少|什么|啥|几|怎么|怎样|如何|吗|么|呢|哪|是不是|有没有|[了过]没有?|没有?\s*[?？]?\s*$|告诉|透露|发我|给我看|看看|看下"
    r"|查下|查查|查一下|说说|讲讲|一样|同样|照着|按照?|参考|谁|[?？]",
    r"what|how much|how many|which|who|tell me|show me|same|match|as low as",
)
POINTS_BACK = phrases(r"他们|她们|他家|那家|人家|他的|她的", r"they|their|them|theirs")
THEIR_PRONOUN = phrases(r"[他她]们?的|他家|[他她]那[\u4e00-\u9fff]", r"their")
POSSESSIVE = re.compile(r"\s*(?:的|那台|那个|那份|家的?|那边的?|他们?的?|她们?的?|'s\b)", re.I)
# what a customer has with a seller, in any industry: warranty, service, contract, account
THEIR_THINGS = phrases(
    r"质保|保修|保养|维修|到期|套餐|合同|订单|记录|账户|余额|积分|发票|工单|续约|续签|续保|修(?:好|完|了|过)|修车",
    r"warranty|service|contract|account|invoice",
)
# the same terms («也要一样的价», «我们能一样吗»), not the same thing bought («我想买台一样的», «一样的配置»): after
# 买/订/提/选/挑 (and a measure word), or before a noun other than a terms word
_TERMS_NOUN = r"价|折|优惠|条件|待遇|政策|合同|条款|返点|点数|账期"
SAME = phrases(
    rf"(?<![买订提选挑])(?<![买订提选挑][\u4e00-\u9fff])(?:一样|同样)(?!的(?=[\u4e00-\u9fff])(?!{_TERMS_NOUN}))"
    r"|也要|也能|也按|也给|给(?:我们?|咱们?)也|照着|按照?他们|按那个",
    r"same|match",
)

# the asker wants terms shown in the message itself — a quote's screenshot (its OCR text), a forwarded chat: «照这个价»,
# «这个价格我们也要», «我们也要这个价», «same price as this»
_SHOWN = r"(?:这个|这|上面的?|图上的?|截图(?:上|里)?的?)"
_SHOWN_TERMS = r"(?:(?:单|底|成交|到手|落地|拿货|合同)?价(?:格|钱)?|折扣?|报价|优惠|条件|点数|政策|账期|条款|付款方式|返点)"
SHOWN_TERMS = phrases(
    rf"(?:照|按|跟|和|同)着?{_SHOWN}{_SHOWN_TERMS}"
    rf"|{_SHOWN}{_SHOWN_TERMS}[^，,。！？!?\n]{{0,6}}(?:也要|也给|一样|照|按)"
    rf"|也要(?:{_SHOWN}|同样的?|一样的?){_SHOWN_TERMS}",
    r"(?:same|this|that)\s+(?:price|deal|discount|terms)|match\s+(?:this|that|it)",
)

# a clause that opens with «他» / «她» is about the person just mentioned («那位大哥，他最后几折拿的车»)
LEADS_BACK = re.compile(r"^\s*(?:那)?[他她](?!们)|^\s*(?:he|she)\b", re.I)
# what a party is said to do in general or to want («做网约车的都在你们这买», «隔壁老王也想买车»): hearsay or a
# prospect, after which a bare question («Z5现在什么价») is the asker's own
BROAD = phrases(
    r"都|大家|一般|普遍|很多|不少|想|打算|准备|考虑|也要|有意", r"all|everyone|want|wants|planning"
)


ASKER_SUBJECT = re.compile(r"\s*(?:我|俺|咱|本人|\bI\b)", re.I)
SHORT_QUESTION = (
    12  # «最后多少钱成交的？»: a question this short with no subject of its own is about the party
)


_EN_SINGULAR = re.compile(r"(?<![A-Za-z])(?:he|she|his|her|him)(?![A-Za-z])", re.I)


def continues(next_clause: str) -> bool:
    """The next clause is still about the party just named: it points back («他们每台多少钱»), asks for the same
    terms («我们能一样吗»), or is a bare short question without a subject of its own («多少钱？»)."""
    if not next_clause:
        return False
    if POINTS_BACK.search(next_clause) or SAME.search(next_clause) or LEADS_BACK.match(next_clause):
        return True
    if _EN_SINGULAR.search(next_clause):  # «…, what discount did he get?»: English names the party anywhere
        return True
    return (
        len(next_clause.strip()) <= SHORT_QUESTION
        and not ASKER_SUBJECT.match(next_clause)  # «我想买台…多少钱»: the asker's own question
        and bool(ASKING.search(next_clause))
        and not OWN_SCOPE.search(next_clause)
    )


PERSON_LINK = re.compile(
    r"\s*(?:上次|最近|之前|去年|今年|那次|上周|上个?月|前天|昨天)?\s*(?:的|家的?|那边的?|他们?的?|她们?的?|买|拿|签|订|提|那台|那个|那[次回单]|来|在你们|'s\b)",
    re.I,
)
# the asker saying who they are («我们是宏远物流的», «我是…介绍来的»): not a question about that name
SELF_ID = re.compile(r"(?:我们|我|我司|咱们)(?:公司|单位)?(?:就|也)?是")
# an introduction («宏远物流介绍我来的»); hearsay («听朋友说宏远拿到了八五折») is not one
REFERRAL = phrases(r"介绍|推荐|引荐", r"referred|recommended|introduced")
# a clause ends at punctuation, or at a space between two CJK characters (a message typed without punctuation:
# «听说X上周订了6台 他们定金交了多少»)
_SPLIT = re.compile(r"[。！？!?；;，,\n]|(?<=[\u4e00-\u9fff])\s+(?=[\u4e00-\u9fff])")


@dataclass(frozen=True)
class Span:
    start: int
    end: int


# a clause that ends by pointing at the one described («去年提车那位»): the description goes on in the next
APPOSITIVE = re.compile(r"(?:那位|那个|那家)\s*$")
_LEADS_BACK_ANY = re.compile(r"[，,]\s*(?:那)?[他她](?!们)|\b(?:he|she|his|her)\b", re.I)


def _topic(clause: str, party_words: tuple[str, ...]) -> bool:
    """The clause is only a party, as a topic («你们杭州那家做出租的大客户，…»): what follows is said of it."""
    m = other_party(party_words).search(clause)
    return m is not None and not clause[m.end() :].strip(" 呢啊呀吧的")


def joins(party_clause: str, next_clause: str) -> bool:
    """The next clause is read with the party's: it continues it, unless the party's clause is hearsay about a kind of
    customer or a prospect's wish and the next clause does not point back («隔壁老王也想买车，你们有什么优惠»)."""
    if not continues(next_clause):
        return False
    pointed = POINTS_BACK.search(next_clause) or SAME.search(next_clause) or LEADS_BACK.match(next_clause)
    # «隔壁那家老板推荐的AB-100，能便宜吗»: the party recommended; the question after it is the asker's own
    return bool(pointed) or not (BROAD.search(party_clause) or REFERRAL.search(party_clause))


def clauses(text: str) -> list[Span]:
    """The text cut at sentence and comma boundaries, each piece with its offsets."""
    out, start = [], 0
    for m in _SPLIT.finditer(text):
        end = (
            m.end() if m.group() in "?？" else m.start()
        )  # a question keeps its mark: it says the clause asks
        if end > start:
            out.append(Span(start, end))
        start = m.end()
    if start < len(text):
        out.append(Span(start, len(text)))
    return out


def clause_at(spans: list[Span], at: int) -> int:
    for i, s in enumerate(spans):
        if s.start <= at < s.end:
            return i
    return -1


# A customer's turn that takes up the turn before: it leaves its object unsaid and points back at it. Read from the
# closed classes of the language only (pronouns, demonstratives, «same», particles, light verbs), never from what the
# earlier turn was about: the earlier object and verdict are carried in the graph's state (agents/nodes/perceive.py).
# a third person, as subject or owner («他们呢», «他上次订了几台», «their service package»); not «其他», not «它» / «it»
THIRD_PERSON = phrases(
    r"(?<!其)(?:他们|她们|他家|人家|对方|[他她])", r"they|them|their|theirs|he|him|his|she|her"
)
# the third person only as the one who said something («他们说…», «they told me»): hearsay, the question is the asker's
HEARSAY_AFTER = re.compile(
    r"^\s*(?:也|都|还|就)?\s*(?:说|讲|告诉|推荐|介绍|觉得|讲的|说的)|^\s*(?:said|say|says|told|tell)\b", re.I
)
# a clause putting the earlier party aside («他们的我不管了», «forget them», «跟我没关系»)
DISMISSED = phrases(
    r"不管|别管|不关心|没关系|无所谓|不用管|不问|不提", r"forget|never\s*mind|don'?t care|whatever"
)
# a demonstrative with what it points at («那个报价», «那台车», «这个价», «that deal»), «same» («一样的», «照旧»), or an
# elliptical question («…呢», «what about …», «and …?»)
POINTER = phrases(
    r"[这那](?:一)?(?:个|份|种|张|台|辆|单|批|位|家|款|次|套)[\u4e00-\u9fff]{0,2}|[这那](?=[\u4e00-\u9fff]{1,2}(?:价|折|单|车|合同))"
    r"|一样|同样|相同|一模一样|照旧|照着|照这|按这|按那|呢\s*[?？]?\s*$",
    r"th(?:at|is|ose|ese)\s+(?:[a-z]+\s+)?(?:one|ones|price|deal|discount|quote|rate|terms|order|car|cars|package|contract)s?"
    r"|(?:the\s+)?same|ditto|what\s+about|how\s+about",
)
# what says nothing of its own: pronouns, demonstratives, particles, adverbs, numbers and measure words, light verbs
# (ask, check, give, buy, take), discourse words («好的», «算了», «ok»), looking back («上次», «刚才», «last time»)
_CLOSED_ZH = re.compile(
    r"他们|她们|它们|我们|咱们|你们|自己|本人|人家|对方|一样|同样|相同|一模一样|照旧|上次|之前|刚才|刚刚|那样|这样"
    r"|多少|什么|为什么|怎么|怎样|如何|哪里|哪儿|好的|算了|然后|所以|但是|不过|那么|可以|一下|情况|问题|东西|照着|按照|参考"
    r"|[\d０-９]+|[一二两三四五六七八九十百千万几]+[台辆个份张件单批位次家种样套]?"
    r"|[他她它我你您这那哪个些的地得了过着吗呢吧啊呀哦嘛啦哈嗯呃额哎诶喂么也都还再就才又只先要想能可会给帮替把被跟和与同按照"
    r"对向从在是有没不查看问说讲告诉发来报弄搞办拿买订定提签交付花算整安排下谁啥行好台辆份张件单批位次家种样套呗]"
)
_CLOSED_WORDS_EN = (
    "ok okay then so and but or what about how the a an same that this those these one ones for me us i "
    "we you give get send show tell check look up too also please pls plz can could would will do does "
    "did is are was were be it its as well fine alright sure yes yeah lol haha thanks thx just now of to "
    "on at in with much many last time again ditto hey hi hmm um uh any anything"
)
_CLOSED_EN = frozenset(_CLOSED_WORDS_EN.split())


def _says_its_own(text: str) -> bool:
    """Something is left once the closed-class words and the words for terms or records are taken out: the turn names
    an object of its own («跟上次一样，帮我约周六保养»: 约, 周六, 保养; «一样的车我们也想订两台»: 车)."""
    rest = PRICE_TERMS.sub(" ", RECORDS.sub(" ", text))
    # the thing pointed at, and what of it follows («那台车的车主»: the owner of that car, not an object of the asker's)
    rest = re.sub(
        r"[这那](?:一)?(?:个|份|种|张|台|辆|单|批|位|家|款|次|套)(?:(?!的)[\u4e00-\u9fff]){0,2}"
        r"(?:的[\u4e00-\u9fff]{1,3}?(?=[在是买拿签订提花多几啥什怎]))?",
        " ",
        rest,
    )
    if _CLOSED_ZH.sub("", re.sub(r"[^\u4e00-\u9fff\d０-９]", "", rest)):
        return True
    # a model or part code («AB-100», «XY-2») is what the terms are for, not an object of the asker's own
    words = [w for w in re.findall(r"[A-Za-z][A-Za-z0-9'-]*", rest) if not _CODE.fullmatch(w)]
    return any(w.lower().strip("'") not in _CLOSED_EN for w in words)


_CODE = re.compile(r"[A-Za-z]{1,4}-?\d[A-Za-z0-9-]*|[A-Z]{2,5}(?:-[A-Z0-9]+)+")


SPENT = re.compile(r"花了?多少|花费|落地")  # what it came to («那台车…买花了多少»)


# a turn whose subject is the holder of what the turn before named («车主买的时候优惠了多少» after a plate): the CRM's own
# words for its customers (party words), or a holder in any trade
_HOLDER_LEAD = r"^\s*(?:那|那么|所以|那这|这)?\s*(?:的)?(?:{})"


@lru_cache(maxsize=64)
def holder_lead(words: tuple[str, ...] = ()) -> re.Pattern[str]:
    nouns = "|".join(
        re.escape(w)
        for w in sorted(
            {"机主", "户主", "原主人", *(w for w in words if w and not w.isascii())}, key=len, reverse=True
        )
    )
    return re.compile(_HOLDER_LEAD.format(nouns) + r"|^\s*(?:and\s+)?the\s+(?:owner|holder)\b", re.I)


# the pronoun said to be the asker's own, anywhere in the turn («他是我们的财务», «he is our finance guy»)
_IS_OWN = re.compile(
    r"^\s*(?:就|也)?是(?:我们|咱们|我司|我)|^\s*(?:is|'s)\s+(?:one\s+of\s+)?(?:our|my)\b", re.I
)
_SINGULAR = re.compile(r"[他她]|he|him|his|she|her", re.I)
_SINGULAR_WORD = re.compile(rf"(?<![A-Za-z])(?:{_SINGULAR.pattern})(?![A-Za-z])", re.I)


# the asker's relations who may be customers in their own right («我朋友在你们这买了X7，他花了多少»): their pronoun is
# another party's, as SOMEONE reads 我朋友 (review of 1c11d37)
_CUSTOMER_IN_OWN_RIGHT = re.compile(r"朋友|同事|亲戚|邻居|friend|colleague|neighbou?r", re.I)


def _refers_to_own(said: str, at: int, end: int) -> bool:
    """A singular third-person pronoun at said[at:end] whose nearest person word earlier in the turn is one the asker
    owns («那我老婆下周过来提车，她能直接开走吗», «让我们司机过来，他几点到»), or, with no person word before it,
    which the turn says is the asker's own («send him the invoice, he is our finance guy», «他是我们财务，发票开给他»):
    the asker's own person, not the party of the turn before. A plural («他们», «they») stays the other party
    («我老婆也问，他们上次拿的什么价»)."""
    if not _SINGULAR.fullmatch(said[at:end]):
        return False
    before = list(_ANY_PERSON.finditer(said[:at]))
    if before:
        return any(
            m.end() == before[-1].end() and not _CUSTOMER_IN_OWN_RIGHT.search(m.group(0))
            for m in _OWN_PERSON.finditer(said[:at])
        )
    return any(_IS_OWN.match(said[m.end() :]) for m in _SINGULAR_WORD.finditer(said))


def takes_up(text: str, holders: tuple[str, ...] = ()) -> tuple[str, str]:
    """Whether a turn takes up the object of the turn before, and what it asks of it: (how, asked). how = "third" (a
    third person is its subject or owner: «那他们呢», «他上次订了几台车», «and their service package?»), "pointer"
    (a demonstrative, «same» or an elliptical question, with no object of its own: «按那个报价给我来两台», «一样的给我
    查下», «ok then give me the same»), or "" (the turn has an object of its own or is the asker's own: «那我自己的
    保修呢», «跟上次一样，帮我约周六保养»). asked = "prices" / "records" / "" (nothing named: the earlier ask stands)."""
    kept = [
        text[c.start : c.end]
        for c in clauses(text)
        if not DISMISSED.search(text[c.start : c.end])  # «他们的我不管了», «forget them»
    ]
    asked = ""
    third = ""
    said = "，".join(kept)
    at = 0
    for clause in kept:
        start, at = at, at + len(clause) + 1  # where the clause starts in «said»
        if ASKER_OWNS.search(clause) or OWN_OWNER.search(clause):
            continue  # the asker's own in this clause («我这台AB-100呢», «给我的那个报价», «our contract»)
        for m in THIRD_PERSON.finditer(clause):
            if HEARSAY_AFTER.match(clause[m.end() :]) or _refers_to_own(
                said, start + m.start(), start + m.end()
            ):
                continue
            third = "third"
            break
        if holder_lead(tuple(holders)).match(clause):
            third = "third"
    own = any(ASKER_OWNS.search(c) or OWN_OWNER.search(c) for c in kept)
    asked = "prices" if asks_terms(said) or SPENT.search(said) else "records" if asks_records(said) else ""
    if third:
        return third, asked
    if own or not POINTER.search(said) or _says_its_own(said):
        return "", ""
    return "pointer", asked


# the asker as the owner of what the clause asks («我们自己的套餐», «我的订单», «our contract»)
OWN_OWNER = phrases(r"(?:我们|咱们|我司|我)(?:自己)?的|我们自己|咱们自己", r"our|my")
# a request to be given something («给我报», «也给我», «按这个来»): asks as much as a question does
REQUESTS = phrases(r"给我|帮我|报|来一|按这|照着|也要|也按", r"give me|quote me|send me|i want|we want")
# what a contract's dates, cover or renewal are asked with: a record of theirs, not their terms («合同什么时候到期»)
CONTRACT_FACTS = phrases(
    r"到期|期限|起止|哪天|几号|什么时候|多久|覆盖|几台|还剩|剩几|还有几|几次|次数|续约|续签|续保",
    r"expires?|expiring|expiry|ends?|ending|runs? out|covers?|renew(?:als?|s|ed|ing)?|when|visits?|left",
)
_CONTRACT_WORD = re.compile(r"合同|contracts?", re.I)
# a person spoken of, then what is theirs asked with a pronoun in a later clause («沈佳跟我说她优惠了不少，她到底
# 多少钱买的»): the clause's subject is he / she (not «我» nor «你们»)
_PRONOUN_ASKS = re.compile(r"^\s*(?:那|可|但|就|所以|那么)?\s*(?:[他她](?![们说讲告推介])|[他她]们的)")
# an English question whose subject or owner is the person named: «When did Shen Jia buy…», «Shen Jia's car»
_EN_ASKED_OF = r"\b(?:did|does|do|has|have|is|was|were|will|can|could)\s+$"


# a piece of a transcript that says nothing: a hesitation, a filler («呃», «嗯嗯», «那个», «就是», «um»)
# the hesitations themselves («呃», «嗯»); «额» only as a piece of its own (inside a word it is 金额, 额度)
HESITATIONS = "呃嗯啊哦唔诶哎呀"
FILLER = re.compile(rf"\s*(?:[{HESITATIONS}额]+|那个|就是|然后|um+|uh+|er+|like)?\s*[,，.。]?\s*", re.I)


# what one unit came to, said without a price word («他们一台多少», «那边一辆多少»): not a count, a distance or a visit
UNIT_PRICE = re.compile(r"一[台辆件个单](?:车)?(?:要|是|算|大概|能|得)?多少(?:钱)?(?![台辆件个单公里次天])")


def asks_terms(piece: str) -> bool:
    """The piece asks for prices or terms. A contract asked about for its dates, cover or renewal only («保养合同什么
    时候到期», «when does their contract end») is a record of theirs, not its terms."""
    words = [m.group() for m in PRICE_TERMS.finditer(piece)]
    if not words:
        return bool(UNIT_PRICE.search(piece))
    return not (all(_CONTRACT_WORD.fullmatch(w) for w in words) and CONTRACT_FACTS.search(piece))


def asks_records(piece: str) -> bool:
    """The piece asks for orders, records or personal data, or for one of the things a customer has with a seller
    (their warranty, service, contract: THEIR_THINGS) with a question."""
    return bool(RECORDS.search(piece) or (THEIR_THINGS.search(piece) and ASKING.search(piece)))


# a question whose subject or owner is he / she: «what did he pay», «how much did she get it for», «when was his delivered»
EN_PRONOUN_ASKED = re.compile(
    r"\b(?:what|how\s+much|how\s+many|when|which|did|does|was|is)\b[^.?!]{0,20}?\b(?:he|she|his|her|him)\b"
    r"[^.?!]{0,30}?(?:\?|\b(?:pay|paid|get|got|cost|price|discount|deal|delivered|order|contract|warranty|service)\b)",
    re.I,
)


def _person_asked_en(text: str, at: int, end: int, clause: str) -> str:
    """An English clause asking about the person named at text[at:end]: the name is the question's subject («When did
    Shen Jia buy her X7?») or owner («Shen Jia's order»)."""
    before = text[max(0, at - 12) : at]
    owned = re.match(r"\s*'s\b", text[end : end + 4]) is not None
    if not (owned or re.search(_EN_ASKED_OF, before, re.I)):
        # «I heard Shen Hao bought a Q5 too - what did he pay?»: the person taken up by he / she in a question
        later = text[end:]
        if EN_PRONOUN_ASKED.search(later):
            return "prices" if asks_terms(later) else "records" if asks_records(later) else ""
        return ""
    if not ASKING.search(clause):
        return ""
    if asks_terms(clause):
        return "prices"
    return (
        "records"
        if asks_records(clause) or re.search(r"\b(?:buy|car|vehicle|serviced)\b", clause, re.I)
        else ""
    )


def pauses_after(text: str, spans: list[Span], i: int, most: int = 3) -> list[str]:
    """The pieces of a transcript after clause i that go on with it: cut only at a pause (a space between Chinese
    characters, not a comma or a full stop), short, and without a subject of the asker's own («你们是不是给宏远物流 打了
    很大的折扣啊 他们拿的几折»)."""
    out: list[str] = []
    for j in range(i + 1, len(spans)):
        gap = text[spans[j - 1].end : spans[j].start]
        piece = text[spans[j].start : spans[j].end]
        if gap.strip() or not gap or len(piece.strip()) > 10 or re.search(r"我|咱", piece):
            break
        if FILLER.fullmatch(piece):  # a hesitation («呃», «那个») is not one of the pieces
            continue
        out.append(piece)
        if len(out) == most:
            break
    return out


ASKER_TURN = re.compile(r"\s+(?=我们|我|咱们|咱)")


def what_is_asked(text: str, at: int, end: int, *, person: bool = False, record: bool = False) -> str:
    """For a party named at text[at:end]: "prices" (their prices or terms), "records" (their orders, records or
    personal data) or "" when the sentence does not ask about them. An organisation is asked about when a confidential
    word is in its clause (not a referral) or in the next clause pointing back at it («他们»); a person only when the
    word follows the name closely («沈浩买的X7多少钱», «沈浩的手机号»), since «我朋友沈浩推荐我来的» is not about 沈浩."""
    spans = clauses(text)
    i = clause_at(spans, at)
    if i < 0:
        return ""
    if person:  # «沈浩的X7保养到哪天», «沈浩买的什么价»: their own things, asked about
        tail = text[end : spans[i].end]
        tail = tail[:40] if tail[:14].isascii() else tail[:14]  # English says the same in more characters
        if not tail.strip() and i + 1 < len(spans):
            # a transcript without punctuation: the name alone, then what is theirs pointed back at («沈浩 他那台车
            # 当时 优惠了多少»)
            after = text[spans[i + 1].start : spans[min(i + 3, len(spans) - 1)].end]
            if THEIR_PRONOUN.match(after):
                tail = after[:24]
        if not PERSON_LINK.match(tail):
            clause = text[spans[i].start : spans[i].end]
            if clause.isascii():
                return _person_asked_en(text, at, end, clause)
            # «沈佳跟我说她优惠了不少，她到底多少钱买的？»: a later clause about them (he / she its subject) asks. The
            # person stays the topic while the clauses after it are about them (he / she their subject) or say nothing
            # (a transcript's «呃», «嗯»); the first clause with a subject of its own ends it. Typed without punctuation
            # after a model code («…买了M9 她花了多少»), the pronoun opens a piece of the same clause
            inner = re.search(r"\s(?=\s*(?:那)?[他她](?![们说讲告推介]))", text[end : spans[i].end])
            if inner is not None:
                rest = text[end + inner.end() : spans[i].end]
                if ASKING.search(rest) and (asks_terms(rest) or SPENT.search(rest)):
                    return "prices"
                if ASKING.search(rest) and asks_records(rest):
                    return "records"
            for j in range(i + 1, len(spans)):
                nxt = text[spans[j].start : spans[j].end]
                if FILLER.fullmatch(nxt):
                    continue
                if j > i + 2 and not _PRONOUN_ASKS.match(nxt):
                    break
                if _PRONOUN_ASKS.match(nxt) and ASKING.search(nxt):
                    if asks_terms(nxt) or SPENT.search(nxt):  # «…也买了M9 她花了多少»: what it came to
                        return "prices"
                    if asks_records(nxt):
                        return "records"
            return ""
        if asks_terms(tail) or SPENT.search(tail):
            return "prices"
        return "records" if RECORDS.search(tail) or ASKING.search(tail) else ""
    if (
        record
    ):  # a plate, VIN, order or contract number of someone else's: any question about it is about them
        piece = text[spans[i].start : spans[i].end]
        for j in range(i + 1, min(i + 4, len(spans))):  # «…尾号J0701的Q9，车主是谁，花了多少钱买的»
            nxt = text[spans[j].start : spans[j].end]
            # a transcript cut at its pauses («浙B Q0812 这台车 是在你们这买的吗 多少钱»): short pieces without a
            # subject of the asker's own go on asking about it
            short = len(nxt.strip()) <= 10 and not re.search(r"我|咱", nxt)
            if not (
                POINTS_BACK.search(nxt) or re.match(r"\s*(?:这|那)[台单个件]", nxt) or continues(nxt) or short
            ):
                break
            piece = f"{piece}，{nxt}"
        if asks_terms(piece):
            return "prices"
        return "records" if RECORDS.search(piece) or ASKING.search(piece) else ""
    own = text[spans[i].start : spans[i].end]
    # «X用的都是K2 我们也想试试 K2车队价多少»: after a pause the asker speaks of themself — what follows is theirs,
    # unless it wants the same as the party («…我们也要一样的价»)
    turn = ASKER_TURN.search(text, end, spans[i].end)
    if turn is not None and not SAME.search(text, turn.start(), spans[i].end):
        own = text[spans[i].start : turn.start()]
    candidates = []
    # «我们是宏远物流介绍来的», «我们跟宏远物流一样»: a referral or the asker's own side is not a question about them
    if not REFERRAL.search(own) and not SELF_ID.search(text[spans[i].start : at]):
        candidates.append(own)
        if i + 1 < len(spans):
            nxt = text[spans[i + 1].start : spans[i + 1].end]
            if joins(own, nxt):
                candidates.append(nxt)
        candidates += pauses_after(text, spans, i)
    elif i + 1 < len(spans):
        nxt = text[spans[i + 1].start : spans[i + 1].end]
        if POINTS_BACK.search(nxt):
            candidates.append(nxt)
    for piece in candidates:
        if asks_terms(piece):
            return "prices"
    for piece in candidates:
        if asks_records(piece):
            return "records"
        if POINTS_BACK.search(piece) and ASKING.search(piece) and AT_SELLER.search(piece):
            return "records"  # «…他们到底哪天提的车»: when or how they bought, took or signed here is a record of theirs
    return ""


# a sum of money («十万出头», «12万», «98,000», «150k»)
AMOUNT = phrases(
    r"\d[\d,.]*\s*(?:万|千|元|块)|[一二两三四五六七八九十百千]+\s*(?:万|千|块)|\d{2,3},\d{3}|\d{5,}",
    r"\d+(?:\.\d+)?k|\$\s*\d[\d,]*|\d[\d,]*\s*(?:yuan|rmb|dollars)",
)


# the seller as the owner, just before the words («你们那个…», «贵司的…», «your …»)
SELLERS = re.compile(r"(?:你们|您们|贵司|贵公司|贵店)(?:的)?\s*$|\byour\s*$", re.I)
# what a party does or has, right after it («…拿的», «…他们», «…的»): then it is a party, whoever's it is said to be
PARTY_DID = re.compile(r"(?:的|拿|买|签|订|提|那边|那里|他|她|也|都|是|在|最近|上次|去年|今年)")


# a purchase wished for, not done («也打算买», «想订», «is planning to buy»)
PROSPECT = phrases(
    r"(?:想|打算|准备|考虑|计划|有意)(?:在你们这|来你们这|过来)?[\u4e00-\u9fff]{0,2}?(?:买|订|提|换|入手)",
    r"(?:wants?|planning|plans|thinking of|considering|going)\s+(?:to\s+)?(?:buy|order|get)",
)


def hearsay_source(piece: str, at: int, end: int) -> bool:
    """The party at piece[at:end] only said something («听同行讲你们有个补贴», «other customers told me you…»): the source
    of hearsay, and what they said is not about themselves (no «他们» / «their» after it) — the question is the
    asker's own."""
    after = piece[end:]
    said = HEARSAY_AFTER.match(after)
    if said is None and HEARD_FROM.search(piece[:at]):
        said = re.match(r"\s*(?:that\b|[,，])", after, re.I)
    return said is not None and not THIRD_PERSON.search(after, said.end())


HEARD_FROM = phrases(r"(?:听|听说|据)\s*$", r"(?:heard from|according to)\s+$")


_NOW = phrases(r"现在|目前|眼下|这会儿|当前", r"now|currently|today")


def _asked_now_of_nobody(piece: str, later: list[str], party_end: int = -1) -> bool:
    """The terms asked only in a later clause that points back at nobody and asks about now («…，X5现在有什么优惠？»):
    the friend's purchase was the occasion, the question is the asker's own. Terse chat leaves the clause unmarked
    («…也在你们这买X3 现在X3的车队政策是几个点»): then the question starts at «现在» after the party."""
    if not later and party_end >= 0:
        now = _NOW.search(piece, party_end)
        if now is None:
            return False
        head, tail = piece[: now.start()], piece[now.start() :]
        return (
            bool(PRICE_TERMS.search(tail) or UNIT_PRICE.search(tail))
            and not PRICE_TERMS.search(head)
            and not RECEIVED.search(tail)  # «…现在拿的几个点»: what they got
            and not re.search(r"[他她]|人家", piece[party_end:])
        )
    asking = [c for c in later if PRICE_TERMS.search(c) or UNIT_PRICE.search(c)]
    if not asking or PRICE_TERMS.search(piece[: len(piece) - len("，".join(later))]):
        return False
    return all(_NOW.search(c) and not re.search(r"[他她]|人家", c) for c in asking)


def generic_other_party(text: str, *, customer: bool, party_words: tuple[str, ...] = ()) -> str:
    """A clause about «别的客户 / 其他车队 / 隔壁那家 / another customer» (not a competitor, not the asker's own) that
    asks for their prices or terms ("prices") or orders and records ("records"); "" otherwise. A customer's message
    must ask (a question or «发我看看»): «别的客户都给9折» said in haggling is a statement. A bare «别人» counts only
    when tied to this seller («别人在你们这买的什么价»)."""
    spans = clauses(text)
    for i, span in enumerate(spans):
        piece = text[span.start : span.end]
        later: list[str] = []  # the clauses joined to the party's own
        for j in range(i + 1, min(i + 3, len(spans))):  # «隔壁那家上个月提了十台，他们每台多少钱？»
            nxt = text[spans[j].start : spans[j].end]
            if not (
                joins(piece, nxt)
                or APPOSITIVE.search(piece)
                or APPOSITIVE.search(nxt)
                or _topic(piece, party_words)
            ):
                break  # «…那位，她…»; «你们杭州那家做出租的大客户，Z5合同价多少» (a topic, then what is said of it)
            piece = f"{piece}，{nxt}"
            later.append(nxt)
        owned = False
        m = next(
            (
                x
                for x in other_party(party_words).finditer(piece)
                if not hearsay_source(piece, x.start(), x.end())
            ),
            None,
        )
        if m is None:
            m = someone(party_words).search(piece)
            if m is None:
                continue
            theirs = POSSESSIVE.match(piece, m.end()) or THEIR_PRONOUN.search(piece, m.end())
            owned = bool(theirs and THEIR_THINGS.search(piece, m.end()))
            # a prospect with nothing of theirs asked about (reviewer R07: «他那台旧车的质保» is theirs)
            if PROSPECT.search(piece, m.end()) and not RECEIVED.search(piece, m.end()) and not owned:
                continue  # «我哥也打算在你们这买台X7，他能跟我一样拿这个价吗»: a prospect, nothing of theirs yet
            if not AT_SELLER.search(piece) and not owned:  # «我朋友那台车的质保到哪天»: their things, asked
                continue
        # a competitor's offer is not asked of anyone; «the other dealer group got …» is the seller's customer
        received = m.re is not someone(party_words) and received_terms(piece, m.start())
        if COMPETITOR.search(piece) and not received:
            continue
        if any(
            not WITH_US_BEFORE.search(piece, 0, o.start()) for o in OWN_SCOPE.finditer(piece[: m.start()])
        ):  # «我们另外几家…»: the asker's own; «跟我们一起来谈的那家» is someone else, with the asker
            continue
        if (
            m.group().startswith("那")
            and SELLERS.search(piece[: m.start()])
            and re.match(r"[\u4e00-\u9fff]", piece[m.end() :])
            and not PARTY_DID.match(piece[m.end() :])
        ):
            # «你们那个以旧换新大客户补贴»: the seller's own programme, named after a kind of customer (the party word is
            # a modifier of the noun right after it), not a party
            continue
        if m.re is not someone(party_words) and piece[: m.start()].rstrip().endswith(
            "我"
        ):  # «我那个宁波的客户»
            continue
        if customer and not (
            ASKING.search(piece) or SAME.search(piece)
        ):  # a question, or the same terms demanded
            continue
        if _asked_now_of_nobody(piece, later, m.end()):
            # «我朋友在你们这买了台X5，她说最近有活动，X5现在有什么优惠？», «听说别的物流公司也在你们这买X3 现在X3的
            # 车队政策是几个点？»: someone's purchase was the occasion; today's offer is asked for the asker
            continue
        if PRICE_TERMS.search(piece) or (AMOUNT.search(piece, m.end()) and received_terms(piece, m.start())):
            return "prices"  # «隔壁那家…拿到手才十万出头 真的假的？»: what they got, said as a sum
        if RECORDS.search(piece) or (m.re is someone(party_words) and owned):
            return "records"
        after = piece[m.end() :]  # «那位女士，她的保修到哪天»: their own things, pointed back at
        if THEIR_THINGS.search(after) and (THEIR_PRONOUN.search(after) or _LEADS_BACK_ANY.search(after)):
            return "records"
    return ""


def unresolved_party_asked(text: str, name_at: int, name_end: int) -> str:
    """An organisation-shaped name the CRM does not know («顺丰快运»), in a customer's message: a trap only when its
    clause ties it to this seller or to them («在你们这拿的», «他们签的») and asks, and names no competitor."""
    spans = clauses(text)
    i = clause_at(spans, name_at)
    if i < 0:
        return ""
    piece = text[spans[i].start : spans[i].end]
    if COMPETITOR.search(piece) or REFERRAL.search(piece):
        return ""
    nxt = text[spans[i + 1].start : spans[i + 1].end] if i + 1 < len(spans) else ""
    if joins(piece, nxt) and not COMPETITOR.search(nxt):  # «…，他们什么价？» continues the clause
        piece = f"{piece}，{nxt}"
    # «How much did X Motors pay per X7?»: what they paid, asked — a deal done, whoever with
    paid = re.match(r"\s+(?:pay|paid|get|got|spend|spent)\b", text[name_end:], re.I) and re.search(
        r"\b(?:did|does|do)\s+$", text[max(0, name_at - 8) : name_at], re.I
    )
    if not (AT_SELLER.search(piece) or POINTS_BACK.search(piece) or paid) or not ASKING.search(piece):
        return ""
    after = piece[name_end - spans[i].start :] if name_end > spans[i].start else piece
    if PROSPECT.search(after) and not RECEIVED.search(after):
        return ""  # «…新开了家X物流，他们也想买Q5，你们车队价怎么算»: a prospect, nothing of theirs yet; the price asked is yours
    if PRICE_TERMS.search(piece):
        return "prices"
    return "records" if RECORDS.search(piece) else ""


# the asker saying they are someone: «我是宏远物流的韩经理», «I'm the fleet manager at Hongyuan Logistics»
SELF_CLAIM = re.compile(
    r"(?:我|我们|本人|咱们?)(?:就|也|这边|这里)?(?:是|叫|名叫)[^，,。！？!?]{0,4}$|(?:^|[\s，,。！!])我$"
    # the first person opening the clause after a greeting or a filler («喂我X啊», «你好我X»)
    r"|^[^，,。！？!?\s我]{0,3}我$"
    r"|\b(?:i am|i'm|this is|we are|we're|my name is|my name's)\b[^,!?]{0,40}$",
    re.I,
)
CLAIM_OPEN = re.compile(r"(?:我|我们|本人|咱们?)(?:就|也|这边|这里)?是")
TITLE_AFTER = re.compile(
    r"^[^，,。！？!?]{0,6}?(?:总|经理|主管|总监|队长|老板|负责人|采购|\b(?:manager|director|owner|head)\b)",
    re.I,
)
# the name first, then the claim: «Cao Yang here», «Cao Yang speaking»; «It's Cao Yang»
NAME_FIRST_CLAIM = re.compile(r"\s*(?:here|speaking)\b", re.I)
EN_ITS = re.compile(r"\b(?:it's|it is)\s*$", re.I)
# the message opens with the name, set off as a signature: «蒋某，某公司采购。…»
SIGNED = re.compile(r"\s*[，,、]")
# what only the party itself may be told: its existing terms and records, not a new quote
EXISTING = re.compile(
    r"合同|协议|条款|折扣|几个点|点数|返点|返利|订单|单子|发票|记录|账期|那批|上次|之前|拿的|签的|订的|提的|发我|发一下|发过来|发给我"
    r"|\b(?:our|contract|discount|order|invoice|records?|send me)\b",
    re.I,
)


# «我是周强的爱人，…把订单退了»: someone speaking for the account holder, about their account
# the family word class (FAMILY) and the people who act for someone at work or at home
RELATIONS = rf"{FAMILY}|朋友|同事|助理|秘书|司机|行政|员工|下属|助手|管家|保姆"
_RELATIONS = RELATIONS
# a relation or a referral after a name: the asker is not that party («我是X的司机», «X的爱人», «X介绍来的», "X's wife")
SPEAKS_FOR = re.compile(
    rf"\s*(?:'s\b|的?(?:{RELATIONS})|[\u4e00-\u9fff]{{0,4}}?(?:介绍|推荐|引荐|让|叫|托))", re.I
)
# a person the asker owns («我老婆», «我们司机», «我家的保姆», «our finance guy», «my wife»), or any person word at all
# (the closed class of relations above, the salutations of _PERSON_NOUNS, a customer or holder), for the nearest one
_EN_RELATIONS = (
    r"husband|wife|son|daughter|father|mother|dad|mom|mum|driver|assistant|secretary|partner|brother|sister|friend"
    r"|colleague|guy|man|woman|lady|boss|manager|accountant|staff|employee|person"
)
_OWN_PERSON = re.compile(
    rf"(?:我们|咱们|我司|我)(?:家|公司|单位)?的?(?:{_RELATIONS})|\b(?:my|our)\s+(?:\w+\s+){{0,2}}?(?:{_EN_RELATIONS})s?\b",
    re.I,
)
_ANY_PERSON = re.compile(
    rf"(?:{_RELATIONS}|{_PERSON_NOUNS}|客户|车主|机主|别人|其他人|对方|人家)|\b(?:{_EN_RELATIONS}|customer|client|owner|buyer)s?\b",
    re.I,
)
# «王明的爱人», «王明总的秘书», «王明公司的行政», «王明儿子»: a title or a workplace may come between
PROXY_OF = re.compile(
    rf"\s*(?:总|先生|女士|小姐|老板|经理|师傅)?的?(?:公司|单位|家里?|店里|厂里)?的?(?:{_RELATIONS})"
)
# the holder's own things asked through a pronoun («她那台Q9的保养套餐还剩几次», «他的质保到哪天»)
HOLDER_THINGS = re.compile(
    r"(?:[他她]的|[他她]那[台辆个份单]|[他她](?:订|买|签|交|提)的|我(?:妈|爸|老公|老婆|爱人|媳妇|丈夫|妻子)(?:的|那))"
    r"[^。！？!?]{0,16}?(?:保养|套餐|质保|保修|合同|订单|单子|定金|尾款|发票|记录|工单|余额|还剩|到期|多少钱|价格?|折扣|优惠"
    r"|交车|提车|交付|能交|到货)"  # when what they ordered arrives is theirs too
)
# in English: «I'm Sun Li's husband … what she paid for her car», whoever the name is
EN_PROXY = re.compile(
    r"\b(?:i am|i'm|this is)\s+(?:[a-z.]+\s+){0,3}?[a-z.]+'s\s+(?:"
    rf"{FAMILY_EN}|driver|assistant|secretary)\b",
    re.I,
)
EN_HOLDER_THINGS = re.compile(
    r"\b(?:her|his)\s+(?:\w+\s+){0,2}?(?:car|vehicle|order|contract|warranty|package|invoice|service|account|deposit|balance)\b"
    r"|\bwhat\s+(?:she|he)\s+(?:paid|got|signed)\b",
    re.I,
)
# in Chinese, a holder the CRM cannot resolve («我是王总的司机，他那台车的订单…»)
CN_PROXY = re.compile(
    rf"(?:我|本人)(?:就|也)?是[\u4e00-\u9fff]{{1,4}}?(?:总|先生|女士|老板|经理)?的?(?:公司|单位)?的?(?:{_RELATIONS})"
)
ACCOUNT_ACTION = re.compile(
    r"退|取消|撤销|撤单|改成|改到|改一下|过户|转给|转到|换成我|代办|\b(?:cancel|refund|transfer|change)\b",
    re.I,
)


def proxy_claim(text: str, at: int, end: int) -> str:
    """The asker says they speak for the person named at text[at:end] («我是周强的爱人») and asks to act on that
    person's account or to be told its records: "records", else "". A relationship cannot be checked in a chat, so
    only the account holder may do it (whoever the person is, the conversation's own customer included)."""
    spans = clauses(text)
    i = clause_at(spans, at)
    if i < 0 or not SELF_CLAIM.search(text[spans[i].start : at]) or not PROXY_OF.match(text, end):
        return ""
    rest = text[end:]
    return (
        "records"
        if ACCOUNT_ACTION.search(rest) or EXISTING.search(rest) or HOLDER_THINGS.search(rest)
        else ""
    )


# «她让我帮她问问…», «他托我问一下»: asking on someone's behalf; what is asked is theirs when the message speaks of their
# car or account through a pronoun («她那台», «他的车») — not «她让我问下X7的保养套餐多少钱» (a general question)
ON_BEHALF = re.compile(
    r"[他她]们?(?:让|叫|托|请|要)我(?:帮[他她]们?|帮忙)?(?:问|查|打听|咨询|看)|帮[他她]们?(?:问|查|打听|咨询)"
    # «林某让我帮忙问下», «周某让我打电话问一下», «他让我来拿»: a person by name or pronoun sending the asker
    r"|(?:[\u4e00-\u9fff]{2,3}|[他她])(?:让|叫|托|请)我(?:帮[他她]|帮忙)?(?:来|过来|打个?电话|跑一趟)?"
    r"(?:问|查|打听|咨询|看|拿|取|办|确认|退)"
    # «车主让我们问一下…» (whoever the sender speaks for, by any word)
    r"|[\u4e00-\u9fff]{1,3}?(?:让|叫|托)我们(?:帮[他她]们?)?(?:问|查|打听|咨询|确认)"
)
# the asker's own things asked as well («还有我自己的保养套餐…», «and my own warranty?»)
OWN_TOO = phrases(
    r"我自己的?|我本人的?|(?:还有|另外|顺便|再问下?)[^。！？!?]{0,6}?我(?:的|那|这|家)",
    r"my own|and mine|as for me|and my",
)
IN_COVER = re.compile(r"在保|保内|过保|出保|保修期|质保期")
THEIR_ASSET = re.compile(r"[他她](?:那台|那辆|的车|家的车|那个(?:车|订单|合同|套餐))")
# the asker's relation named with their car («我弟弟<name>那台», «我朋友<name>的车»): whether or not the CRM knows the
# name, asked for on their behalf it is someone else's (the answer must not tell whether the name is a customer)
NAMED_ASSET = re.compile(
    rf"我的?(?:{_KIN}|{RELATIONS})[\u4e00-\u9fff]{{2,3}}?(?:那台|那辆|的车|家的车|那个(?:车|订单|合同|套餐))"
)
# «替我朋友<name>问下», «帮我弟弟<name>查查»: asking for a named relation
FOR_NAMED = re.compile(rf"(?:替|帮|代)我的?(?:{_KIN}|{RELATIONS})[\u4e00-\u9fff]{{0,3}}?(?:问|查|打听|咨询)")


def proxy_asked(text: str) -> str:
    """Someone saying they speak for a holder the directory did not resolve («I'm Sun Li's husband, what did she pay
    for her car», «我是王总的司机，他那台车的订单…») and asking for that holder's records or terms: "records", else ""."""
    m = EN_PROXY.search(text)
    if m and EN_HOLDER_THINGS.search(text, m.end()):
        return "records"
    m = CN_PROXY.search(text)
    if m:
        rest = text[m.end() :]
        if ACCOUNT_ACTION.search(rest) or HOLDER_THINGS.search(rest):
            return "records"
        # «我是某老板的司机 他让我来拿一下那台Q5的保养记录»: sent by the holder, their thing pointed at
        sent = re.search(r"[他她](?:让|叫|托|请)我", rest)
        if sent and re.search(r"(?:那|这)[台辆个份单]", rest[sent.end() :]) and THEIR_THINGS.search(rest):
            return "records"
    m = ON_BEHALF.search(text)
    if (
        m
        and (THEIR_ASSET.search(text) or HOLDER_THINGS.search(text))
        and (
            THEIR_THINGS.search(text, m.start())
            or IN_COVER.search(text, m.start())
            # «王某叫我过来问一下 他那台X7的延保还能不能买»: their car asked about, whatever about it
            or (
                THEIR_ASSET.search(text, m.start())
                and (ASKING.search(text, m.start()) or REQUEST.search(text, m.start()))
            )
        )
    ):
        return "records"  # «…她让我帮她问问她那台的质保到哪天»: someone else's, asked for them
    if (
        (m or FOR_NAMED.search(text))
        and NAMED_ASSET.search(text)
        and (THEIR_THINGS.search(text) or IN_COVER.search(text))
    ):
        return "records"  # «我弟弟<name>那台的保养套餐还剩几次？他让我帮忙问下»: the same, the CRM knowing <name> or not
    return ""


# the asker presents themselves as an establishment other than the customer — a repair shop, an insurer, an employer's
# office («我们是城东一家维修店», «这里是保险公司理赔中心», «我是…修理厂的老板», «我们是他的单位财务»); what ends such a
# self-introduction is an establishment's word in any industry, never a tenant's trade
# (行 of a shop or a bank, not of 行政: an office of the asker's own organisation)
_ESTABLISHMENT = r"(?:厂|店|公司|中心|行(?!政)|所|站|处|保险|理赔|维修|修理|财务|人事)"
THIRD_PARTY_SELF = re.compile(
    rf"(?:我们?|本人|这里|这边|咱们?)(?:这边|这里)?(?:是|系)(?:[^，,。！？!?\n]{{0,14}}?){_ESTABLISHMENT}"
)
# after the customer's own name in a self-introduction, another establishment the speaker belongs to: a neighbour or a
# partner of theirs («我是X租赁隔壁维修店的», «…合作的维修厂», «…投保的保险公司», «…对面的轮胎店»). Only an establishment
# word of the name itself is excused («X物流公司的», «X租赁有限公司», a branch «X租车深圳分公司»), and the asker's own
# («我们公司»), offices (财务部) and departments (维修部) are staff of the customer
_NAME_FORM = re.compile(r"^(?:汽车)?(?:有限)?(?:责任)?(?:公司|集团)?")
_OWN_PLACE = re.compile(r"(?:我们|咱们|我|本)的?\s*(?:公司|单位|厂|店)|我司|[分子总]公司")
_PLACE_AFTER = re.compile(
    r"隔壁|旁边|楼[下上]|对面|附近|合作|投保|外包"
    r"|店|厂|公司|保险|理赔|修理|汽修|修车|维修(?![部组班科]|主管|经理|师傅|专员)|行(?![政业程驶李])"
)


def establishment_after_name(tail: str) -> bool:
    """`tail`: the self-introduction after the customer's own name. True when it names another establishment the
    speaker belongs to within its first words (see _PLACE_AFTER): a third party that named the customer first."""
    tail = _NAME_FORM.sub("", tail, count=1)
    return bool(_PLACE_AFTER.search(_OWN_PLACE.sub("", tail[:14])))


# an office of an organisation, said by its staff as where they work («我是财务的», «我这边是人事»)
OWN_OFFICE = re.compile(r"(?:财务|人事)$")
# the establishment word owned by the asker themself («我们公司», «我司», «本单位»): their own organisation
OWN_ESTABLISHMENT = re.compile(r"(?:我们|咱们|我|本)的?\s*(?:公司|单位|厂|店)$|我司$")
EN_THIRD_PARTY_SELF = re.compile(
    r"\b(?:i am|i'm|this is|we are|we're|calling from|calling for|calling on behalf of)\b[^.!?]{0,40}?"
    r"\b(?:insurer|insurance|adjusters?|brokers?|repairs?|repairers?|workshop|shop|company|firm|office|employer)\b",
    re.I,
)
# the holder spoken of in the third person: a pronoun owning something, a person by salutation, someone's thing
HOLDER_CN = re.compile(
    r"[他她](?:的|那几?[台辆个份单]|家|在你们|[买订签提交])|[他她]们(?:的|那几?[台辆个份单批]|车)|[\u4e00-\u9fff](?:先生|女士|小姐)(?:的|那)|(?:这|那|有)一?[台辆件单份]"
)
HOLDER_EN = re.compile(
    r"(?i:\b(?:her|his|their)\s+(?:\w+\s+){0,2}?(?:car|vehicle|order|contract|warranty|package|invoice|service"
    r"|account|deposit|balance|records?)\b|\bthe\s+(?:owner|holder|customer)'s\b)"
    r"|\b(?i:for|of)\s+(?:(?i:mr|mrs|ms)\.?\s+)?[A-Z][a-z]+(?:\s+[A-Z][a-z]+)?\b"
)
# the asker's own («我的», «我这台», «我们那几台», «my car»): then the establishment is their own or merely mentioned
ASKER_OWNS = phrases(r"(?<!在)我(?:们|们家|家)?(?:的|这|那)[一几]?[台辆个份单批]?", r"my|our")
EN_ASKER_OWNS = re.compile(
    r"\b(?:my|our)\s+(?:own\s+)?(?:\w+\s+){0,2}?(?:car|vehicle|warranty|package|order|contract|invoice|account|deposit)",
    re.I,
)
# an establishment checking something asks as plainly as a question does
VERIFY = phrases(r"核实|核对|确认|告知|查一?下|查查", r"confirm|verify|check")
# a request or a polite question («麻烦把…发一下», «想问一下», «还在不在质保», «能不能走保修»)
REQUEST = phrases(
    r"问一?下|想问|请问|能不能|能否|可不可以|[在是有能]不[在是有能]|麻烦|发(?:一下|下|过来|给我|我)|提供|帮忙|想要|要一?[份下个]",
    r"please|could you|can you|would you|need|send",
)
EN_ASKED_THINGS = phrases(
    "",
    r"warranty|covered|coverage|service history|services|package|contract|invoice|order|records?|deposit|balance",
)


def third_party_asked(
    text: str,
    *,
    holder_named: bool = False,
    party_words: tuple[str, ...] = (),
    is_own: Callable[[str, int], bool] | None = None,
    org_account: bool = False,
) -> str:
    """An establishment that is not the customer — a repair shop, an insurer, an employer — asking for the holder's
    records or cover (their warranty, package, invoice): "records", else "". `holder_named`: the message names a
    person the directory knows (the holder, the conversation's own customer included). Only the holder may be told
    what is theirs; the asker's own car or account («我的车在修理厂，…我这车还在保吗») is not a third party's ask.
    `is_own(said, head)`: the self-introduction from its opening to its clause's end names the customer's own
    organisation starting within its first `head` characters — the establishment word reached may be inside the
    company's own name («我是恒行租赁王经理的助理»: 行 of 恒行). `org_account`: the conversation's customer is an
    organisation, whose own offices (财务, 人事) speak for it («我是财务的，李总让我核对下我们那单的发票»)."""
    m = THIRD_PARTY_SELF.search(text)
    if m is not None and OWN_ESTABLISHMENT.search(m.group()):
        m = None  # «我是X的司机 我们公司那台…»: the establishment reached is the asker's own company, not a third party
    if m is not None and org_account and OWN_OFFICE.search(m.group()):
        m = None  # «我是财务的小张»: an office of the organisation that is the customer
    if m is not None:
        rest = text[m.end() :]
        nouns = "|".join(re.escape(w) for w in party_words if w and not w.isascii())
        holder = holder_named or HOLDER_CN.search(rest) or (nouns and re.search(nouns, rest))
        asked = THEIR_THINGS.search(rest) or IN_COVER.search(rest)
        spans = clauses(text)
        i = clause_at(spans, m.start())
        said = text[m.start() : spans[i].end] if i >= 0 else m.group()
        own = is_own is not None and is_own(said, len(m.group()))
        if (
            holder
            and asked
            and not own
            and not ASKER_OWNS.search(rest)
            and (ASKING.search(rest) or VERIFY.search(rest) or REQUEST.search(rest) or HOW_LONG.search(rest))
        ):
            return "records"
    m = EN_THIRD_PARTY_SELF.search(text)
    if m is not None:
        rest = text[m.start() :]
        holder = holder_named or HOLDER_EN.search(rest)
        if holder and EN_ASKED_THINGS.search(rest) and not EN_ASKER_OWNS.search(rest):
            return "records"
    return ""


# «吴刚是我儿子，他那台车…»: the relation said the other way round; «my brother Shi Lei … his package»
REVERSED_PROXY = re.compile(rf"(?:[\u4e00-\u9fff]{{2,4}}|[他她])是我的?(?:{_RELATIONS})")
EN_RELATIVE = re.compile(
    rf"\bmy\s+(?:{FAMILY_EN}|boss|friend|colleague"
    r"|neighbou?r|uncle|aunt|cousin)\b(?:\s+[A-Z][a-z]+){0,2}[^.!?]{0,60}?\b(?:asked|wants?|told|needs?)\s+me\b",
    re.I,
)


def relative_asked(text: str) -> str:
    """«X是我儿子，他那台车的保养套餐还剩几次», «my brother … asked me to find out how many services are left on his
    package»: someone's relative asking for that person's things. "records", else ""."""
    m = REVERSED_PROXY.search(text)
    if m and HOLDER_THINGS.search(text, m.end()):
        return "records"
    m = EN_RELATIVE.search(text) or EN_ON_BEHALF.search(text)
    if m and EN_HOLDER_THINGS.search(text, m.start()):
        return "records"
    return ""


# «the owner asked us to check her warranty», «she asked me to find out when his contract ends»
EN_ON_BEHALF = re.compile(
    r"\b(?:he|she|the\s+(?:owner|customer|holder|client)|[A-Za-z]+)\s+(?:asked|wants|told|sent)\s+(?:me|us)\s+to\b",
    re.I,
)


def claimed_identity(text: str, at: int, end: int, *, titled: bool = False) -> str:
    """The asker claims to be the party named at text[at:end] («我是宏远物流的韩经理，把我们的合同价发我») and asks
    for its existing terms or records: "prices" / "records", else "". Who they are cannot be checked in a chat, so
    another customer's terms are never sent on a claim. `titled`: only with a title after the name («…的王总»), for
    a name the CRM does not know. A referral («…介绍来的») is not a claim."""
    spans = clauses(text)
    i = clause_at(spans, at)
    if i < 0:
        return ""
    own = text[spans[i].start : spans[i].end]
    # an organisation-shaped match may have swallowed the claim's opening («我是杭州华通物流»); in English the name
    # may come first («Cao Yang here from …», «It's Cao Yang»)
    claim = (
        SELF_CLAIM.search(text[spans[i].start : at])
        or (titled and CLAIM_OPEN.match(text, at))
        or (
            not titled
            and (
                NAME_FIRST_CLAIM.match(text, end)
                or EN_ITS.search(text[spans[i].start : at])
                or (not text[:at].strip() and SIGNED.match(text, end))
            )
        )
    )
    if REFERRAL.search(own) or not claim:
        return ""
    if titled and not TITLE_AFTER.match(text[end : spans[i].end]):
        return ""
    rest = text[end:]
    if not EXISTING.search(rest):
        # a party the CRM resolves, claimed as the asker themself («我是<another customer> … 我那台…还剩几次»,
        # "… here - when are our vans due"), then the asker's own things asked: those are that customer's records,
        # and who writes cannot be checked in a chat. Not a relation or a referral («我是X的司机», «X介绍来的»)
        if (
            titled
            or SPEAKS_FOR.match(text, end)
            or not (ASKER_OWNS.search(rest) or EN_ASKER_OWNS.search(rest) or OUR_THING.search(rest))
        ):
            return ""
        if not (ASKING.search(rest) or REQUEST.search(rest) or VERIFY.search(rest) or HOW_LONG.search(rest)):
            return ""
        return "prices" if asks_terms(rest) else "records"
    if asks_terms(rest):
        return "prices"
    return "records" if RECORDS.search(rest) or ASKING.search(rest) else ""


# how long something of theirs has left («我那台X7保修还有多久»): a question of the claimed party's records
HOW_LONG = re.compile(r"多久|多长时间|还剩多少天")
# «我们Q3的保养套餐», «咱们车队那单», «我司两台车»: the asker's own thing said with a bare possessive (no 的 / 那)
OUR_THING = re.compile(
    r"(?:我们|咱们|我司)(?:公司|车队|单位)?\s*(?:[A-Za-z]{1,2}\d|[一两二三四五六七八九十几\d]+\s*[台辆]|车|订单|合同|套餐|质保|保修|工单|发票)"
)


THEY_LEAD = re.compile(
    r"^\s*(?:那)?[他她]们|^\s*they\b", re.I
)  # «他们拿的什么价» after «我朋友公司也在你们这订了车»


def earlier_party_asked(earlier: str, text: str) -> str:
    """A later turn pointing back at someone the turn before spoke of as buying here («我朋友石磊也在你们这买的车»,
    then «他那台车最后多少钱拿的»): "prices" / "records" when the new turn opens with «他/她…» and asks for their
    terms or records, else "". The earlier turn is read as kept (masked: a name is a token by then), so only its
    words for someone else count (friend, neighbour, another customer), never the asker's own family."""
    first = text[: clauses(text)[0].end] if clauses(text) else text
    if not earlier or not (LEADS_BACK.match(first) or THEY_LEAD.match(first)) or not ASKING.search(first):
        return ""
    party = SOMEONE.search(earlier) or OTHER_PARTY.search(earlier)
    if party is None or not AT_SELLER.search(earlier) or COMPETITOR.search(earlier):
        return ""
    if PRICE_TERMS.search(first):
        return "prices"
    return "records" if RECORDS.search(first) or THEIR_THINGS.search(first) else ""


# «你们卖给车队客户最低几折», «今年Z5成交最便宜的一单多少钱», «你们最大的那个客户拿的几个点», «the lowest price you've
# actually sold a K3 for»: a deal at an extreme reveals the customer who got it. A superlative of a price, said of deals
# done (sold, closed, got), not of what may be offered («按政策最多能打几折», «现在最便宜多少钱能拿下来»)
SUPERLATIVE_PRICE = phrases(
    r"最低|最便宜|最优惠|最狠|最大(?:的)?(?:折扣|优惠|让利|力度)|最[高多](?:的)?(?:折扣|优惠|返点|返利|补贴|让利)"
    r"|最[大好](?:的)?(?:那个|那家|一个|一家)?(?:大客户|客户)",
    r"lowest|cheapest|(?:biggest|best|deepest|largest|highest|steepest)\s+(?:[a-z0-9-]+\s+)?(?:discount|deal|price|rebate)s?",
)
DEAL_DONE = phrases(
    r"卖给|卖出|卖过|卖得|成交|拿到过|拿过|拿的|给过|签过|签的|谈下|放过|出过",
    r"sold|got|gave|given|paid|closed|signed|ever|anyone|anybody",
)
POLICY_WORDS = phrases(r"政策|规定|阶梯|标准|权限|审批", r"policy|policies|tiers?|allowed|list price")
# the asker's own deal («卖给我们的最低价», «我们上次拿的最低几折»); for a rep, their own book («我负责的客户»)
OWN_DEAL = phrases(
    r"(?:卖给|给|卖)(?:我|我们|咱们|我司)|(?:我|我们|我司)(?:上次|之前|去年|当时)?(?:拿|买|签|订|成交)",
    r"(?:i|we)\s+(?:got|paid|signed|bought)|(?:sold|gave)\s+(?:me|us)",
)
REP_OWN = phrases(
    r"我负责|我名下|我手上|我的客户|我跟的|我管的", r"my\s+(?:own\s+)?(?:customers?|clients?|accounts?|book)"
)


def deals_aggregate(text: str, *, customer: bool) -> bool:
    """A question about the extreme of deals done with other customers (lowest price sold, biggest discount anyone
    got): no customer is named, but the answer is one customer's terms. Not: what may be offered (policy, tiers), the
    asker's own deal, a competitor's price."""
    for span in clauses(text):
        piece = text[span.start : span.end]
        if not (SUPERLATIVE_PRICE.search(piece) and DEAL_DONE.search(piece)):
            continue
        rival = COMPETITOR.search(piece)
        if rival and not re.search(r"(?:卖给|给)(?:其他|别的|其它|那些)?$", piece[: rival.start()]):
            continue  # «别家店卖得最便宜的…»; «卖给其他经销商» sells to them: they are customers, not rivals
        if POLICY_WORDS.search(piece):
            continue
        if (OWN_DEAL if customer else REP_OWN).search(piece):
            continue
        if not (PRICE_TERMS.search(piece) or re.search(r"什么价|几折|多少", piece)):
            continue
        if customer and not ASKING.search(text[span.start :]):
            continue
        return True
    return False


# «跟我们体量差不多的车队一般能谈到多少个点», "what do fleets of our size usually end up paying": the asker's peers —
# parties like them — and what such deals usually come to. No one is named, but the answer is other customers' terms
PEERS = phrases(
    r"(?:跟|和|像|同)(?:我们|咱们|我司|我)[^，,。！？!?]{0,8}?(?:差不多|一样|类似|这样|这种|那样|相当|相近)"
    r"|同(?:等|样)?(?:规模|体量|级别)|同类|同行",
    r"(?:of|at)\s+(?:our|my)\s+(?:size|scale)|similar\s+(?:size|scale)|(?:fleets?|compan(?:y|ies)|firms?|businesses)\s+like\s+(?:us|ours|mine)|similar(?:-sized|\s+sized)?\s+(?:\w+\s+)?"
    r"(?:fleets?|compan(?:y|ies)|firms?|customers?|clients?|businesses)|(?:our|my)\s+size",
)
TYPICAL = phrases(
    r"一般|通常|平均|普遍|大多|大概|基本",
    r"usually|typically|normally|on average|generally|tend to|end up|average",
)
TYPICAL_DEAL = phrases(
    r"谈到|谈下|拿到|拿的|能拿|拿(?=[几多什])|成交|签[的到]|给到|给的|买的|落地|到手",
    r"pay(?:ing)?|paid|get(?:ting)?|got|end\s+up|sign(?:ed)?|negotiat\w*",
)


def peers_typical_terms(text: str) -> bool:
    """The asker's peers' usual terms: parties like the asker (the same size, the same trade, «同行») and what their
    deals here usually come to — a price, a discount. Not what the policy offers («按政策…哪个档»), not a question with
    no terms (how often they service)."""
    peer = PEERS.search(text)
    if peer is None or POLICY_WORDS.search(text):
        return False
    rest = text[peer.start() :]
    return bool(
        TYPICAL.search(rest)
        and TYPICAL_DEAL.search(rest)
        and (PRICE_TERMS.search(rest) or re.search(r"什么价|几折|多少个?点|how\s+much", rest, re.I))
    )


# «[截图: …王先生，X7给您优惠8000元…] 我也要跟他一样»: the terms shown were someone else's, and the same are demanded
SAME_AS_THEM = phrases(
    r"(?:跟|和|同|照|按)着?(?:他|她|他们|她们|人家)(?:的|那)?[\u4e00-\u9fff]{0,4}?(?:一样|同样|那样|来)",
    r"same\s+(?:deal|price|discount|terms)\s+as\s+(?:him|her|them)|match\s+(?:his|her|their)\s+(?:deal|price|discount)",
)


def same_as_shown_party(text: str) -> bool:
    """The asker demands the same terms as «him / them», and the message (an image's text, a forwarded chat) shows a
    price or terms before it."""
    m = SAME_AS_THEM.search(text)
    return bool(m and PRICE_TERMS.search(text, 0, m.start()) and not COMPETITOR.search(text))


# every customer at once («全部零售客户的…按少到多排», «全公司哪个客户买得最多», «every customer whose warranty ends»):
# the answer is other customers' data, whoever asks; the asker's own book («我负责的客户», «my accounts») is theirs
_ALL_CN = r"所有|全部|全体|全公司|全店|整个公司|每一?[个位家]"
ALL_SCOPE_EN = re.compile(
    r"\b(?:all|every|each)\s+(?:(?:of\s+)?(?:the|our|your)\s+)?(?:[a-z-]+\s+)?(?:customers?|clients?|accounts?|owners?|buyers?)\b"
    r"|\b(?:company-wide|across the company|everyone's|everybody's)\b",
    re.I,
)
THIS_ONE = phrases(
    r"(?:这个|这位|该|这家|他们|她们)(?:客户|公司|单位)?", r"this (?:customer|client|account)|their"
)
LISTED = phrases(
    r"列|排|导出|名单|汇总|统计|哪个|哪些|哪几|谁|成表|表格|清单|明细|拉[一个]?[份张下]?表|[做出制]一?[个张份]?表",
    r"list|rank|export|sort|which|who|table|spreadsheet|excel|csv",
)
ELIGIBLE = phrases(
    r"可以|能不能|能否|适用|享受|参加|符合|都能|都是", r"eligible|qualify|apply|applies|entitled"
)


@lru_cache(maxsize=64)
def all_scope(words: tuple[str, ...] = ()) -> re.Pattern[str]:
    nouns = "|".join(
        re.escape(w)
        for w in sorted(
            {"客户", "用户", "买家", *(w for w in words if w and not w.isascii())}, key=len, reverse=True
        )
    )
    return re.compile(rf"(?:{_ALL_CN})的?[\u4e00-\u9fffA-Za-z0-9-]{{0,8}}?(?:{nouns})")


def all_customers_asked(text: str, party_words: tuple[str, ...] = ()) -> str:
    """A rep asking for every customer's data or terms at once, not their own book's: "prices" / "records", else ""."""
    if REP_OWN.search(text) or re.search(r"\bmy\s+own\b", text, re.I):
        return ""
    m = all_scope(tuple(party_words)).search(text) or ALL_SCOPE_EN.search(text)
    if m is None or THIS_ONE.search(text, 0, m.start()):
        return ""  # «这个客户所有车主的…»: the people of the customer being talked about
    if (ELIGIBLE.search(text) or POLICY_WORDS.search(text)) and not LISTED.search(text):
        return ""  # «所有车队客户都能享受这个政策吗»: a rule, not anyone's data
    # listed, ranked, picked out («列一下», «哪个客户», «every customer whose…»), or their things asked for
    # («全部客户的保养套餐»); «每个客户下单都要交定金吗» asks a rule
    theirs = re.match(r"\s*(?:的|'s?\b|\s+whose\b)", text[m.end() :], re.I)
    if not (LISTED.search(text) or theirs):
        return ""
    if PRICE_TERMS.search(text):
        return "prices"
    if RECORDS.search(text) or THEIR_THINGS.search(text) or LISTED.search(text):
        return "records"
    return ""


# a customer asking who else bought here («都卖给谁了», «还有哪些车队客户在用», «who else bought one»)
@lru_cache(maxsize=64)
def who_else(words: tuple[str, ...] = ()) -> re.Pattern[str]:
    nouns = "|".join(
        re.escape(w)
        for w in sorted(
            {"客户", "用户", "买家", "公司", "单位", *(w for w in words if w and not w.isascii())},
            key=len,
            reverse=True,
        )
    )
    return phrases(
        rf"卖给(?:了)?谁|卖(?:了)?给(?:了)?(?:谁|哪些|哪几[家个位]|哪家)|谁(?:买|订|提|签)(?:了|过)[^，,。！!]{{0,12}}?[?？]|(?:{nouns})名单"
        rf"|哪些[\u4e00-\u9fff]{{0,4}}?(?:{nouns})[\u4e00-\u9fff]{{0,6}}?(?:买|订|提|签|在用|用了|用的|拿)"
        # the seller's other customers in the recipient's place: «你们给哪些物流公司供过X7», «向哪几家交过车»
        rf"|(?:给|向)(?:(?:哪些|哪几[个位]?)[\u4e00-\u9fff]{{0,4}}?(?:{nouns})|哪[一几]?家(?!店)|谁)"
        r"[\u4e00-\u9fff]{0,6}?(?:供|卖|交|签|提供|发过)",
        r"who\s+(?:else\s+)?(?:bought|buys|ordered|uses|signed)|which\s+(?:other\s+)?(?:customers|companies|clients)\s+"
        r"(?:bought|use|have|ordered|signed)|(?:list|names)\s+of\s+(?:your\s+)?(?:other\s+)?(?:customers|clients|buyers)",
    )


# which party («哪家», «哪个客户», «谁», «which company») did a deal here («订得最多的是哪家公司», «who bought the most»)
WHICH_PARTY = phrases(
    r"哪[一几]?家(?!店)|哪[个位些](?:客户|公司|单位|老板)|谁家|是谁",
    r"which\s+(?:customer|company|client|firm)s?",
)
DEALT = phrases(r"订|买|提车|签|拿|成交|采购", r"bought|ordered|purchased|signed|buys|orders")


def which_party_dealt(text: str) -> bool:
    """A clause asking which party did a deal with the seller: its answer names another customer."""
    for span in clauses(text):
        piece = text[span.start : span.end]
        if WHICH_PARTY.search(piece) and DEALT.search(piece) and not OWN_DEAL.search(piece):
            return True
    return False


def who_else_asked(text: str, party_words: tuple[str, ...] = ()) -> str:
    """A customer asking who the seller's other customers are, or what they bought: "prices" / "records", else ""."""
    m = who_else(tuple(party_words)).search(text) or (which_party_dealt(text) or None)
    if m is None or ELIGIBLE.search(text) or COMPETITOR.search(text):
        return ""
    return "prices" if PRICE_TERMS.search(text) else "records"


# the asker saying they no longer work for the customer («我以前是X的行政主管 上个月离职了», "I used to run the office at
# X, left in September"): whoever they were, they are not the account now
FORMER_STAFF = phrases(
    r"我(?:已经|早就|上个?月|去年|之前|前阵子)?[\u4e00-\u9fff]{0,4}?(?:离职|辞职)"
    # «我…上个月已经不在那干了»: a time said between the asker and the leaving
    r"|我(?![们们])[，,]?\s*(?:上个?月|去年|今年|之前|前阵子|年初|年底|早就|早|已经|现在|都){0,3}不在[\u4e00-\u9fff]{0,6}?(?:干|做|上班|工作|待)了"
    r"|我(?:以前|之前|原来)(?:是|在)[\u4e00-\u9fff]{1,10}?(?:员工|主管|经理|司机|负责人|采购|行政|队长|上班|工作|做|干|管)",
    r"I\s+used\s+to\s+(?:work|run|manage|be)|I(?:'m|\s+am)?\s+no\s+longer|I\s+(?:left|quit)\s+(?:the\s+company|the\s+firm|them"
    r"|in\s+[A-Z]\w+|last\s+\w+)|(?:I'm|I\s+am)\s+(?:a\s+)?former\s+(?:employee|staff|manager)",
)


def former_staff_asked(text: str) -> str:
    """Someone who says they have left the customer asking for its records or terms: "records", else ""."""
    m = FORMER_STAFF.search(text)
    if m is None:
        return ""
    rest = text[m.start() :]
    wants = THEIR_THINGS.search(rest) or RECORDS.search(rest) or PRICE_TERMS.search(rest)
    return "records" if wants and (ASKING.search(rest) or REQUEST.search(rest)) else ""


# ---- another customer's contact, or whether someone is a customer at all --------------------------------------------
# a customer of this seller spoken of as such: «老客户», «买了X7的车主», «还有谁在你们这买了», "another customer"
REFERENCE_PARTY = phrases(
    r"老客户|老车主|其他客户|别的客户|其他车主|别的车主|你们的?(?:老)?(?:客户|车主|用户)"
    r"|买了[\u4e00-\u9fffA-Za-z0-9]{1,6}的(?:车主|客户|人)|开[A-Za-z0-9\u4e00-\u9fff]{1,4}的(?:老)?(?:车主|客户)"
    r"|(?:有|还有)谁[^，,。！？!?]{0,8}?(?:买|订|提|用)",
    r"(?:another|other|existing|a|one of your)\s+(?:\w+\s+)?(?:customers?|clients?|owners?|buyers?)|someone who (?:bought|owns|drives)",
)
# their contact asked for, or an introduction to them
CONTACT_ASKED = phrases(
    r"电话|手机|微信|联系方式|联系人|号码|推给我|推一下|介绍(?:一个|个|几个)?|认识一下|拉个群|加个",
    r"contacts?|numbers?|phone|wechat|introduce|connect me|put me in touch|references?",
)


def contact_of_others_asked(text: str) -> str:
    """A customer asking for another customer's contact or to be put in touch with one («介绍一个你们的老客户 给个电话»,
    «买了X7的车主 把他微信推给我», "the contact of another customer as a reference"): "records", else "". Not the
    seller's own numbers («你们售后的电话», «孙顾问 你的微信») nor the asker's own contact."""
    party = REFERENCE_PARTY.search(text)
    if party is None:
        return ""
    contact = CONTACT_ASKED.search(text)
    if contact is None or not (
        ASKING.search(text) or REQUEST.search(text) or re.search(r"给我|推给我|让我", text)
    ):
        return ""
    return "records"


# whether someone is this seller's customer at all («X是不是也在你们这买的车», «X是不是你们的客户», "Is X one of your
# customers?", "Did she buy her Q5 from you?"): the answer tells that they are
IS_CUSTOMER = phrases(
    r"(?:是不是|是否|有没有|也)?[^，,。！？!?]{0,4}?(?:你们的?(?:老)?(?:客户|车主|用户)|在你们(?:这|这里|店里?|那)?[^，,。！？!?]{0,4}?(?:买|订|提|签))",
    r"(?:one of )?your\s+(?:customers?|clients?)|(?:buy|bought|get|got|order|ordered)\b[^.?!]{0,24}\bfrom\s+you",
)
# asked outright («是不是», «是否», "Is X one of your…"), not a tag on a statement («X也在你们这订了车吧？»)
YES_NO = phrases(r"是不是|是否|有没有", r"is|are|did|does|do")


def existence_asked(text: str, at: int, end: int) -> str:
    """The clause naming a party (text[at:end]) asks whether they are this seller's customer: "records", else ""."""
    spans = clauses(text)
    i = clause_at(spans, at)
    if i < 0:
        return ""
    piece = text[spans[i].start : min(len(text), spans[i].end + 40)]
    rest = text[end : min(len(text), spans[i].end + 40)]
    if REFERRAL.search(piece) or SELF_ID.search(text[spans[i].start : at]):
        return ""
    if not (IS_CUSTOMER.search(rest) and YES_NO.search(piece)):
        return ""
    # «我同事X去年在你们这买的X7，他拿了多少优惠？»: what they got is asked as well
    return "prices" if asks_terms(rest) or SPENT.search(rest) else "records"
