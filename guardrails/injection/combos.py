"""Category co-occurrence: an injection pairs an act (override, role change, disclosure, claimed authority, addressing
the AI) with an object (the rules, the prompt, prices and approvals). Matching categories rather than phrases is what
lets the detector generalise past the exact wording of the phrase rules; each combination fires once per sentence.

Negated overrides (不得绕过, 请勿忽略, must not bypass) are removed before matching: policies say them."""

from __future__ import annotations

import re


def _alt(alternatives: str) -> re.Pattern[str]:
    """A lexicon as one `a|b|c` alternation, matched against lower-cased text (no IGNORECASE: much faster)."""
    return re.compile("(?:" + alternatives.lower() + ")")


_NEGATED = re.compile(
    r"(?:不得|禁止|请勿|严禁|不可|不能|切勿|\bmust not\b|\bdo not\b|\bdon't\b|\bnever\b)\s*"
    r"(?:忽略|忽视|无视|绕过|跳过|违反|ignore|bypass|skip|circumvent|override|disregard)",
    re.IGNORECASE,
)
OVERRIDE = _alt(
    "忽略|忽视|无视|忘记|忘掉|跳过|抛开|放一边|放在一边|不用考虑|不必考虑|不用管|别管|不要理会|绕过|不受|不再受|暂停|关闭|停用|取消|作废|清空"
    r"|覆盖|失效|不算数|不用遵守|不必遵守|不再遵守|\bignore|\bdisregard|\bforget|\bskip|\bbypass"
    r"|\boverride|\bcircumvent|\bdisable|\bturn off|\bsuspend|\bset aside"
    r"|doesn't exist|does not exist|\boutdated|no longer appl|\bis off\b|\bare off\b"
    r"|\bno (?:pricing |longer )?restrictions"
)
TARGET = _alt(
    r"规定|规矩|规则|政策|指令|提示|设定|约束|限制|合规|审批|权限|流程|正文|配置|\bguardrails?|\bpolic(?:y|ies)"
    r"|\brules?\b|\binstructions?|\brestrictions?|\bcompliance|\bguidelines?"
    r"|\blimits?\b|\bcap\b|\bapproval|\bchecks\b"
)
ADDRESSEE = _alt(
    r"助手|智能助手|模型|\bAI\b|机器人|机器阅读|系统请注意|人工智能|\bassistants?\b|\bmodels?\b|\bLLMs?\b"
    r"|\bautomated\b|\bcopilot\b|\bchatbot\b"
)
COMMAND = _alt(
    r"执行|回答时|回复时|统一说|告诉客户|一律|所有价格|按本段|照此|必须|务必|一切要求|\balways\b"
    r"|\btell (?:the )?customers?\b|\bwhen (?:summaris|summariz|answer|reply)"
    r"|\bpromise\b|\bconfirm\b|\bmust\b"
)
ROLE = _alt(
    r"别当\S{0,4}了|不再是|角色改成|角色换成|身份改成|切换到\S{0,6}模式|当我的|站在我们|你是我的|你现在是我的|\bstop being\b"
    r"|\byou work for me\b|\bsimulate (?:a version of )?yourself|\bact as\b"
    r"|\byou are now\b|\bpretend\b|\bswitch to\b|\byour new role\b"
)
SECRET = _alt(
    r"提示词|系统提示|收到的全部提示|收到的提示|后台的\S{0,4}指令|你的指令|你的设定|初始指令|隐藏"
    r"|\bhidden (?:text|instructions|prompt)|\bcontext window\b|\bsystem prompt\b"
    r"|\binitial instructions\b|\byour instructions\b|\bstart of your context\b"
)
REVEAL = _alt(
    r"贴出来|原封不动|说一下|念|读一遍|输出|展示|显示|发给我|告诉我|复述|\boutput\b|\bprint\b|\breveal\b|\bshow\b"
    r"|\brepeat\b|\bpaste\b|\bdump\b"
)
CLAIMED = _alt(
    r"授权|特批|总监同意|管理员|技术部门|系统配置|新配置|最高优先级|\badministrator\b|\boperator\b|\bdeveloper\b"
    r"|message from the system|\bI order you\b|\bauthori[sz]ed\b"
)
STAKES = _alt(
    r"折|最低价|底价|成本价|任何价格|任意折扣|返点|免费|折扣|其他客户|订单信息|真实|\bdiscount|\blowest\b|\bprice\b"
    r"|\bfree\b|\bother dealers\b|\bguardrails\b|\bcompliance\b|=\s*\d+\s*%"
)
ROLE_OBJECT = _alt(
    "顾问|律师|老板|总监|管理员|内部|员工|漏洞|代表我|代理商这边|底价|最低价|其他客户"
    r"|\bno (?:pricing )?(?:rules|restrictions)|\bwithout\b|\bother dealers\b"
    r"|\blowest\b|\bdiscount|\bdeveloper\b|\badmin|\bunfiltered\b|\bno limits\b"
)
_SENTENCE = re.compile(r"[^。！？!?\n]+")

# (id, weight, categories that must all occur in one sentence)
COMBOS: tuple[tuple[str, float, tuple[re.Pattern[str], ...]], ...] = (
    ("combo_override_rules", 0.6, (OVERRIDE, TARGET)),
    ("combo_addressed_command", 0.5, (ADDRESSEE, COMMAND)),
    ("combo_role_change", 0.55, (ROLE, ROLE_OBJECT)),
    ("combo_reveal_secret", 0.65, (REVEAL, SECRET)),
    ("combo_claimed_authority", 0.5, (CLAIMED, STAKES)),
)


def combo_hits(text: str) -> list[str]:
    """Ids of the category combinations that occur together in one sentence of `text` (canonicalised)."""
    text = _NEGATED.sub(" ", text.lower())
    # Only combinations whose every category occurs somewhere in the text are checked sentence by sentence.
    present = {p.pattern for _, _, needs in COMBOS for p in needs if p.search(text)}
    live = [c for c in COMBOS if all(p.pattern in present for p in c[2])]
    hits: list[str] = []
    if not live:
        return hits
    for sentence in _SENTENCE.findall(text):
        for combo_id, _, needs in live:
            if combo_id not in hits and all(p.search(sentence) for p in needs):
                hits.append(combo_id)
    return hits


WEIGHTS = {combo_id: weight for combo_id, weight, _ in COMBOS}
