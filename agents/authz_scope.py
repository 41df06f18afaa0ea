"""What an ask covers, decided structurally rather than by the phrases of cases seen: (1) a handle that identifies one
thing of one customer (a plate, a VIN, an order / contract / ticket number) makes a question anywhere in the message
about that thing, unless every question in it is plainly about the asker's own; (2) a request whose scope is a
population of customers beyond the asker's book — a quantifier (all, every, whoever's, the whole company, other reps')
over a customer noun, with something of theirs asked for — is other customers' data, in Chinese or English.

Closed word classes only (quantifiers, pronouns, possessives, customer nouns); the tenant's own words for its customers
(the CRM's party words, vocabulary.yaml `organisation_words`) are passed in, never written here."""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from agents.authz_phrases import (
    ASKER_OWNS,
    ASKING,
    ELIGIBLE,
    EN_ASKER_OWNS,
    LISTED,
    POLICY_WORDS,
    RECORDS,
    SAME,
    SHOWN_TERMS,
    THEIR_THINGS,
    THIS_ONE,
    VERIFY,
    asks_terms,
    clauses,
    phrases,
)

# ---- (1) a question about the thing an identifier names ----------------------------------------------------------

# the thing just identified, pointed back at: «它», «这台», «那辆车», «该车», «it», «this car», «the vehicle», or the one
# who holds it («车主», «the owner»)
THE_THING = phrases(
    r"(?<!我)(?<!我们)(?<!咱)(?:它|这[台辆部个]|那[台辆部个]|这车|那车|该车|此车|原车主|车主)",
    r"it|its|this (?:car|vehicle|van|one|order|ticket|contract)|that (?:car|vehicle|van|one)|the (?:car|vehicle|van)"
    r"|the owner",
)


# how long, or when: «保修还有多久», «什么时候», «何时» — a question about the thing identified too
HOW_LONG = phrases(r"多久|多长时间|何时|几时", r"how long|when")


def identifier_asked(text: str, at: int, end: int) -> str:
    """A customer's message naming another customer's car, order, contract or ticket by its identifier (text[at:end]):
    "prices" when it asks that thing's price or terms, "records" when it asks anything else, "" when it asks nothing
    or every question in it is plainly about the asker's own («…追尾了我的车，我的保险怎么理赔»). The identifier names
    exactly one thing of one customer, so a question in any clause of the message, not only the next one, is about it
    («订单号 SO-0000-000，朋友转给我的。帮我看看它交付了没有»)."""
    asked: list[str] = []
    for span in clauses(text):
        piece = text[span.start : span.end]
        # a question, a request to check, a record asked for, or its terms demanded («照这个价», «也要一样的»)
        if not (
            ASKING.search(piece)
            or HOW_LONG.search(piece)
            or VERIFY.search(piece)
            or RECORDS.search(piece)
            or SAME.search(piece)
            or SHOWN_TERMS.search(piece)
        ):
            continue
        inside = span.start <= at < span.end
        own = (ASKER_OWNS.search(piece) or EN_ASKER_OWNS.search(piece)) and not THE_THING.search(piece)
        if own and not inside:
            continue
        asked.append(piece)
    if not asked:
        return ""
    if any(asks_terms(p) for p in asked):
        return "prices"
    return "records"


_RECORD_KINDS = ("device", "order", "contract", "ticket", "customer_id")


def identifier_taken_up(text: str, named: Sequence[str]) -> str:
    """A turn pointing at a thing («这台车», «it», «that car») after a turn whose only content was another customer's
    identifier (a plate sent alone): the reason for what it asks of that thing, as identifier_asked; "" when the turn
    is about the asker's own or the turn before named no such thing."""
    if not any(k.split(".")[0] in _RECORD_KINDS for k in named) or not THE_THING.search(text):
        return ""
    if ASKER_OWNS.search(text) or EN_ASKER_OWNS.search(text):
        return ""
    asked = identifier_asked(text, 0, 0)
    return {"prices": "other_customer_prices", "records": "other_customers_data"}.get(asked, "")


# ---- (2) the scope of a request: a quantifier over a population of customers ------------------------------------

# every one of a population: «所有», «全部», «每个», «一个不落», «all», «every», «each», «any»
EVERY = phrases(
    r"所有|全部|全体|一切|凡是|任何|每一?[个位家名]|各[个位家]|一个不[落漏少]|一个都不[落漏少能]",
    r"all|every|each|everyone'?s?|everybody'?s?",
)
# the whole organisation as the scope: «全公司», «全店», «整个店里», «店里的», «company-wide», «across the dealership»
WHOLE = phrases(
    r"全(?:公司|店|集团|部门|网|国)|整个(?:公司|店|门店|集团|部门|销售部)|(?:店|公司)(?:里|上下)的?|全店",
    r"company[- ]wide|dealership[- ]wide|store[- ]wide|across the (?:whole |entire )?(?:company|dealership|store|board|group)"
    r"|in the (?:whole|entire) (?:company|dealership|store)",
)
# no matter who owns them: «不论归谁管», «无论是谁的客户», «whoever's book», «doesn't matter whose»
ANY_OWNER = phrases(
    r"(?:不管|无论|不论)[\u4e00-\u9fff]{0,2}?(?:谁|哪个|哪位|哪一?[个位](?:销售|同事|顾问)?)|谁负责的都",
    r"no matter whose|(?:doesn'?t|does not|don'?t) matter whose|regardless of (?:who|whose|owner|the rep)"
    r"|whoever'?s|whichever (?:rep|salesperson)",
)
# the books of other reps, or of every rep: «其他销售手上的», «每个销售负责的», «other reps' customers», «all reps»
_COLLEAGUE = r"(?:销售|同事|顾问|业务员|经理|人)"
OTHER_BOOKS = phrases(
    rf"(?:其他|别的|其它|另外的?|每个|每一个|各个?|所有|全部)(?:的)?{_COLLEAGUE}(?:的|手上|手里|名下|负责|跟)",
    r"other (?:reps?|salespeople|sales ?reps?|colleagues?|advisors?)'?s?|(?:every|each|all) (?:reps?|salespeople|sales ?reps?)",
)
# the asker's own book («我负责的», «我名下», «my accounts»), unless said as not only theirs («别只看我名下的»)
OWN_BOOK = phrases(
    r"我(?:自己)?(?:这边|这儿|这里)?(?:负责|名下|手上|手里|跟进?|管)|我的(?:所有|全部)?的?(?:客户|名单|车主|用户)|我这边"
    r"|(?:^|(?<=[把从看在，,。\s]))名下",
    r"my(?:\s+own)?\s+(?:[a-z-]+\s+)?(?:customers?|clients?|accounts?|book|fleets?|owners?)|mine",
)
NOT_ONLY = phrases(
    r"(?:不只|别只|不光|不止|不仅|不限于|除了)[\u4e00-\u9fff]{0,3}$",
    r"(?:not just|not only|beyond|besides|apart from|other than)\s+$",
)
# picked out of the population: «客户里…», «车主当中…», «customers whose…» (a bare «客户的» is not: «其他客户的车也报这个
# 故障码吗» asks whether it happens, nobody's data)
THEIRS_AFTER = re.compile(r"\s*(?:里|中|当中|之中|里面|名下)|\s+(?:whose|who|that)\b", re.I)
OWN_BEFORE = phrases(r"(?:我|我们|咱们|我司)的?\s*$", r"(?:my|our)\s+(?:own\s+)?$")
# something fetched for the asker: «给我», «导出», «拉一份», «查一下», «show me», «pull», «export»
RETRIEVE = phrases(
    r"给我|发我|导出|拉[一个]?[份张下]|调出|查[一]?下|查查|帮我|找出|挑出|筛|汇总|统计|整理",
    r"show|pull|give me|send me|get me|export|find|list|compile",
)
_NOUNS_ZH = ("客户", "车主", "用户", "买家", "顾客", "会员")
_NOUNS_EN = r"customers?|clients?|accounts?|owners?|buyers?"


@lru_cache(maxsize=64)
def population(words: tuple[str, ...] = ()) -> re.Pattern[str]:
    """A noun for the seller's customers: the closed class and the tenant's own words (Chinese and English)."""
    zh = sorted(
        {*_NOUNS_ZH, *(w for w in words if w and not w.isascii() and len(w) >= 2)}, key=len, reverse=True
    )
    en = sorted({w.lower() for w in words if w and w.isascii() and w.isalpha()}, key=len, reverse=True)
    return phrases(
        "|".join(re.escape(w) for w in zh), "|".join([_NOUNS_EN, *(rf"{re.escape(w)}s?" for w in en)])
    )


def own_book_only(text: str) -> bool:
    """The asker restricts the request to their own book («我的所有客户», «我这边», «名下», "my accounts")."""
    return _own_only(text)


def _own_only(text: str) -> bool:
    """The asker restricts the request to their own book, and does not say «not only»."""
    return any(not NOT_ONLY.search(text[max(0, m.start() - 8) : m.start()]) for m in OWN_BOOK.finditer(text))


def beyond_book(text: str, words: Sequence[str] = (), named: Sequence[tuple[int, int]] = ()) -> bool:
    """The request's population reaches past the asker's own customers: any owner, other reps' books, or every
    customer / the whole company (a quantifier in the clause of a customer noun), not restricted to the asker's own
    and not anchored on the customer spoken of («这个客户所有的车»)."""
    if ANY_OWNER.search(text) or OTHER_BOOKS.search(text):
        return True
    if _own_only(text) and not explicitly_beyond(text):
        return False
    nouns = population(tuple(words))
    for span in clauses(text):
        piece = text[span.start : span.end]
        # «我名下的客户里…，还有全店其他客户的…»: the rep's own part is theirs, the rest is not
        if _own_only(piece):
            continue
        noun = next(
            (
                n
                for n in nouns.finditer(piece)
                if not OWN_BEFORE.search(piece[: n.start()])
                and not any(a <= span.start + n.start() < b for a, b in named)
            ),
            None,
        )
        if (
            noun is None
        ):  # «我们的客户»: the asker's own; «京X约车名下…»: part of a customer's name, one customer
            continue
        scope = EVERY.search(piece) or WHOLE.search(piece)
        if scope is None or THIS_ONE.search(piece, 0, min(scope.start(), noun.start())):
            continue
        return True
    return False


# a customer speaking of customers who are not themself: «其他/别的…», «别家», «全公司的客户», «everyone's»
OTHERS = phrases(
    r"其他|其它|别的|别家|另外的|旁的|全(?:公司|店|集团)",
    r"others?|everyone'?s|everybody'?s|anyone'?s|company[- ]wide",
)


def explicitly_others(text: str) -> bool:
    """The population is said to be other customers, any owner's or another rep's: the tenant's words for kinds of
    customer («车队», «fleet») then name a population beyond the asker, not the asker's own kind of thing («咱车队所有车»,
    «every fleet vehicle for us»: the asker's own fleet)."""
    return bool(OTHERS.search(text) or ANY_OWNER.search(text) or OTHER_BOOKS.search(text))


# the seller's whole population named as such: «公司所有客户», «店里全部车主», "the dealership's customers"
SELLERS_ALL = phrases(
    r"(?:公司|店里?|门店|集团)的?(?:所有|全部|全体)",
    r"the (?:company|dealership|store)'?s (?:customers|clients|accounts|owners)",
)
# the book of someone else on the staff: «张经理名下», «她手上的», «小李销售负责的», "Wang's accounts", "his clients"
SOMEONE_ELSES_BOOK = phrases(
    rf"(?:{_COLLEAGUE}|主管|总|[他她])(?:的)?(?:名下|手上|手里|负责)",
    r"(?:his|her|their)\s+(?:customers?|clients?|accounts?|book)|(?!my\b)[a-z]+'s\s+(?:customers?|clients?|accounts?|book)",
)


def explicitly_beyond(text: str) -> bool:
    """A rep's request says it reaches past their book (whole company, any owner, other reps', a colleague's, «not only
    mine»), whatever own-book words it also has."""
    return bool(
        ANY_OWNER.search(text)
        or OTHER_BOOKS.search(text)
        or WHOLE.search(text)
        or OTHERS.search(text)
        or SOMEONE_ELSES_BOOK.search(text)
        or SELLERS_ALL.search(text)
        or (OWN_BOOK.search(text) and not _own_only(text))  # «别只看我名下的»: not only theirs
    )


def bulk_asked(text: str, words: Sequence[str] = (), named: Sequence[tuple[int, int]] = ()) -> str:
    """A request over customers beyond the asker's book with something of theirs asked for (listed, exported, counted,
    picked out, or their records / terms): "prices" or "records"; "" for a rule («所有车队客户都能享受这个政策吗») or
    when nothing of theirs is asked. `named`: where the text names one customer (the CRM directory's hits), whose words
    are not a population."""
    if not beyond_book(text, words, named):
        return ""
    listed = LISTED.search(text)
    if (ELIGIBLE.search(text) or POLICY_WORDS.search(text)) and not listed:
        return ""
    # something of theirs: listed, picked out of them («…客户里…», «every customer whose…»), or their records; a bare
    # «你们所有客户都送保养吗» asks a rule, «其他客户的车也报这个故障码吗» whether something happens
    theirs = any(
        THEIRS_AFTER.match(text, n.end())
        for n in population(tuple(words)).finditer(text)
        if not any(a <= n.start() < b for a, b in named)
    )
    if not (listed or theirs or RECORDS.search(text) or THEIR_THINGS.search(text)):
        return ""
    if not (
        listed or RETRIEVE.search(text)
    ):  # «每个客户下单都要交定金吗»: a rule about them, nothing fetched
        return ""
    return "prices" if asks_terms(text) else "records"


# ---- (3) a question whose answer is a set of customers, or an aggregate of the seller's deals with them ------------
# Nothing in it is quantified («所有», "every"), nobody is named: «今年买了X7的客户都有谁», «华东X业务客户都什么折扣»,
# "top 10 customers by volume", "how many X5s did we sell to <a kind of firm>". The answer is other customers' identities,
# records or terms, whoever asks — unless the asker scopes it to their own book («我名下…», "my accounts").

# which of them: «都有谁», «哪些», «哪几家», «是哪家», «前十名», «排名», "which", "who", "top 10", "biggest"
WHICH_ONES = phrases(
    r"都有谁|都是谁|有谁|是谁|哪些|哪几[家个位]|哪[一]?家(?![店里])|哪个(?=[\u4e00-\u9fff]{0,4}(?:客户|车主|公司))|谁家"
    r"|前[一二三四五六七八九十\d]+(?:名|家|位)?|排名|排行|排前|最大的?客户|(?:买|订|拿)得?最多",
    r"which|who|top\s*\d+|top\s+(?:ten|five|three|twenty)|ranked|ranking|biggest|largest|by\s+volume",
)
# how much the seller sold them: «卖了多少台», «卖给…几台», «一共卖了», "how many … did we sell", "sold to"
SOLD_COUNT = phrases(
    r"卖了?(?:出去)?(?:多少|几)|卖(?:出|掉)了?(?:多少|几)|卖给[\u4e00-\u9fff]{1,8}?(?:多少|几)|[一总]共卖|销量"
    # what was delivered or supplied to a class («给X业务公司一共交了多少台»)
    r"|(?:给|向)[\u4e00-\u9fff]{1,8}?(?:交|供|提供|发)(?:了|付了|过)?(?:多少|几)",
    r"how\s+many\b[^.?!]{0,40}?\b(?:did|have|do)\s+we\s+(?:sell|sold|deliver|delivered)|sold\s+to|sales\s+to",
)
# deals done with them (not what may be offered): bought, took, signed, the real price
DEALT_WITH = phrases(
    r"买了|买过|订了|提了|签了|成交|拿了|拿的|拿到|采购|实际|卖(?:出去)?的|给的",
    r"bought|ordered|got|paid|paying|signed|sold|closed|purchased|going\s+rate",
)
# over the class: «都», «平均», «一般», «各家», «那几家», «同类», «同行», «其他», "on average", "typically", "other"
OVER_CLASS = phrases(
    r"都|平均|一般|通常|各家|各个|那几家|这几家|同类|同行|其他|别的|其它",
    r"average|typically|usually|other|going\s+rate",
)
# what may be offered, not what was done: a rule, a tier, a condition («买20台以上能拿几个点», «最多能打几折»)
OFFERED_IF = phrases(
    r"能|可以|可不可以|按政策|政策|规定|标准|阶梯|档|以上|以下|起步|够[\u4e00-\u9fff]{0,3}台",
    r"can|could|eligible|qualify|policy|tiers?|allowed|list\s+price",
)
EN_TERMS = re.compile(
    r"(?<![A-Za-z])(?:rates?|prices?|discounts?|paid|pay|paying|deals?|terms)(?![A-Za-z])", re.I
)
# the one customer spoken of, not the class: «这个客户», «这家公司», «他们», "this account", "their"
ONE_OF_THEM = phrases(
    r"(?:这个|这位|该|这家|那家|那个)(?:客户|公司|单位|车主)|他们|她们",
    r"this (?:customer|client|account)|their",
)


def population_asked(text: str, words: Sequence[str] = (), named: Sequence[tuple[int, int]] = ()) -> str:
    """A question over the seller's customers as a class, not quantified and naming nobody, whose answer is which of
    them (their identities or records), how much was sold to them, or the terms they got: "records" / "prices", "" when
    the asker keeps it to their own book, asks a rule or an offer («X业务客户买20台以上能拿几个点»), or speaks of one
    customer named in the text (`named`: the directory's hits, whose words are not a population)."""
    if _own_only(text) and not explicitly_beyond(text):
        return ""
    nouns = population(tuple(words))
    for span in clauses(text):
        piece = text[span.start : span.end]
        if _own_only(piece) or ONE_OF_THEM.search(piece):
            continue
        if not ASKING.search(piece):
            continue  # «X Motors signed with Y Express, …»: a statement
        # a customer noun, not inside a name the directory found, and in English not capitalised («Some Motors» is
        # a name; «motor firms» a class)
        noun = next(
            (
                n
                for n in nouns.finditer(piece)
                if not any(a <= span.start + n.start() < b for a, b in named)
                and not (n.group()[:1].isascii() and n.group()[:1].isupper())
            ),
            None,
        )
        if noun is not None and re.search(r"(?:这个|这位|该|这家|那家|那个|本)\s*$", piece[: noun.start()]):
            continue  # «这个X队哪些车快到保养了»: the one customer pointed at
        sold = SOLD_COUNT.search(piece)
        if noun is None and not (sold and WHICH_ONES.search(text)) and not _which_of(piece, None):
            continue
        if ELIGIBLE.search(piece) and not (sold or DEALT_WITH.search(piece)):
            continue  # «哪些客户能享受这个政策»: a rule
        terms = asks_terms(piece) or (piece.isascii() and EN_TERMS.search(piece))
        if terms and (DEALT_WITH.search(piece) or OVER_CLASS.search(piece)) and not OFFERED_IF.search(piece):
            return "prices"  # «华东X业务客户都什么折扣», «同类型客户实际成交在什么价位», "what others got"
        if _which_of(piece, noun) and not POLICY_WORDS.search(piece):
            return "prices" if terms and not OFFERED_IF.search(piece) else "records"
        if sold and (noun or re.search(r"卖给|sold\s+to|sell\s+to", piece, re.I)):
            return "records"  # «卖给X业务公司多少台», "how many X5s did we sell to <a kind of firm>"
    return ""


def _which_of(piece: str, noun: re.Match[str] | None) -> bool:
    """The clause asks which of them: a which-word next to the customer noun («哪些客户», «客户都有谁», «最大的X业务
    客户是哪家», "which customers", "top 10 customers", "customers by volume"), or who did a deal ("who bought")."""
    if re.search(r"\bwho\b[^.?!]{0,30}?\b(?:bought|ordered|signed|purchased|buys)\b", piece, re.I):
        return True
    # «最近谁在咱们这买了M9», «都是谁订的»: who did a deal here
    # (a deal done: «谁买了», «谁订的»; not who signs something off, «剩下的要谁签字»)
    if re.search(
        r"谁(?:在[\u4e00-\u9fff]{0,6})?(?:买|订|提车|签约|采购)(?:了|过|的)|(?:买|订|提车|签约)的?(?:都)?是谁",
        piece,
    ):
        return True
    if noun is None:
        # «今年提了Z5的都是哪几家公司»: a which-word before an organisation noun, of a deal done
        return bool(
            DEALT_WITH.search(piece) and re.search(r"(?:哪些|哪几|哪一?)[家个]?(?:公司|单位|企业)", piece)
        )
    if piece.isascii():
        before = piece[: noun.start()]
        return bool(
            re.search(r"\b(?:which|top\s*\d+|top\s+\w+|biggest|largest)\s+(?:[\w-]+\s+){0,2}$", before, re.I)
            or re.match(r"\s+by\s+(?:volume|units|spend|revenue)", piece[noun.end() :], re.I)
        )
    # which-words before the noun («哪些客户», «哪几家X业务», «最大的…客户», «前十名客户»), or after it («客户都有谁»,
    # «…客户是哪家», «客户里排名…»): «客户问谁负责售后» asks no such thing
    before = piece[max(0, noun.start() - 8) : noun.start()]
    after = piece[noun.end() : noun.end() + 10]
    return bool(
        re.search(
            r"(?:哪些|哪几[家个位]?|哪[一]?家|哪个|谁家|前[一二三四五六七八九十\d]+[名家位]?|最大的?|排名)[\u4e00-\u9fff]{0,4}$",
            before,
        )
        or re.match(
            r"[^，,。？?！!]{0,8}?(?:都有谁|都是谁|是谁|有谁|是哪[一几]?[家个位]|有哪些|是哪些|哪几[家个位]|排名|排行|排前|前[一二三四五六七八九十\d]+)",
            after,
        )
        or re.search(r"(?:买|订|拿)得?最多", piece)
    )
