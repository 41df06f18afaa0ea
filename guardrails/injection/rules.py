"""Phrase rules of the injection detector: each a weighted regex over canonicalised text (see detector.py)."""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Rule:
    id: str
    weight: float
    regex: re.Pattern[str]


def _r(rule_id: str, weight: float, pattern: str) -> Rule:
    return Rule(rule_id, weight, re.compile(pattern, re.IGNORECASE | re.MULTILINE))


_INSTR = r"(?:指令|指示|提示词|系统提示|设定|规则|限制|约束|命令|system\s*prompt)"
_IGNORE_ZH = r"(?:忽略|无视|忘记|忘掉|跳过|抛弃|不要理会|不用理会|不用管|别管|绕过|覆盖|抛开|不要管)"
_AI = r"(?:AI|人工智能|大模型|语言模型|机器人|LLM|GPT|copilot|助手|助理)"
RULES: tuple[Rule, ...] = (
    _r("zh_ignore_instructions", 0.85, rf"{_IGNORE_ZH}掉?[^，。！？,.!?\n]{{0,10}}?{_INSTR}"),
    _r(
        "zh_ignore_policy",
        0.6,
        rf"(?<!不得)(?<!不要)(?<!禁止)(?<!不可)(?<!严禁)(?<!请勿){_IGNORE_ZH}[^，。！？,.!?\n]{{0,12}}?(?:规定|政策|制度|审批|流程)",
    ),
    _r(
        "en_ignore_instructions",
        0.85,
        r"\b(?:ignore|disregard|forget|skip|override|bypass|drop)\s+(?:all\s+|any\s+|the\s+|your\s+|my\s+)?"
        r"(?:previous|prior|above|earlier|preceding|former|original|system|existing)?\s*"
        r"(?:instructions?|prompts?|rules?|directions?|guidelines?|guardrails?|constraints?|context)",
    ),
    _r(
        "en_ignore_above",
        0.7,
        r"\b(?:ignore|disregard|forget)\s+(?:all\s+|everything\s+)?(?:of\s+)?(?:the\s+)?above\b",
    ),
    _r(
        "en_ignore_policy",
        0.6,
        r"\b(?:ignore|disregard|override|bypass|circumvent|get around)\s+(?:\w+\s+){0,3}?"
        r"(?:policy|policies|rules?|restrictions?|guidelines?|approval|limits?|guardrails?)\b",
    ),
    _r(
        "zh_role_switch",
        0.6,
        r"(?:你|您)(?:现在|从现在起|从现在开始|接下来|今后|就)(?:是|就是)(?:一个|一名|一位|我的|个|名|位|"
        r"[^，。？?]{0,6}(?:助手|助理|经理|总监|管理员|AI|机器人|模型|财务|专家|的人))"
        r"|(?:你|您)(?:现在|从现在起|从现在开始|接下来|今后)?(?:扮演|充当|变成|成为)(?!.{0,3}(?:好|一下我们))",
    ),
    _r(
        "zh_roleplay",
        0.55,
        r"(?:角色扮演|(?<!请)扮演(?!好)|假装(?:你|您)?是|假设(?:你|您)是|开发者模式|越狱|不受(?:任何)?限制|没有(?:任何)?限制的)",
    ),
    _r(
        "en_role_switch",
        0.6,
        r"\b(?:you are now (?:an?|the|in|acting|DAN|my (?:personal |new )?(?:assistant|admin|servant))|"
        r"from now on,? you(?: are| will)?|act as (?:an?|the) |pretend (?:to be|you are)|roleplay as|role-play as|"
        r"you will now act)",
    ),
    _r(
        "en_jailbreak",
        0.7,
        r"\b(?:DAN|do anything now|developer mode|jailbreak|no restrictions|unfiltered|without (?:any )?(?:restrictions|guardrails))\b",
    ),
    _r(
        "system_prompt_probe",
        0.7,
        r"(?:系统提示词|(?:你的|初始|原始)(?:系统)?(?:提示词|指令|设定)|"
        r"(?:输出|打印|告诉我|发给我|重复|复述|泄露|展示|显示)[^。！？\n]{0,8}?(?:系统提示|提示词|系统指令|系统设定|初始指令)|"
        r"\bsystem\s*prompt\b|(?:reveal|print|show|repeat|output)\s+(?:\w+\s+){0,2}(?:instructions|prompt|rules)\b)",
    ),
    _r(
        "chat_template_tokens",
        0.8,
        r"(?:<\|im_start\|>|<\|im_end\|>|<\|system\|>|\[INST\]|\[/INST\]|<<SYS>>|^\s*#{2,}\s*(?:system|instruction)s?\b|"
        r"^\s*(?:system|assistant)\s*[:：]|(?-i:\bSYSTEM\s*:))",
    ),
    _r(
        "zh_authority_change",
        0.45,
        r"(?:把|将|给我把)?(?:折扣|价格|返点|优惠|权限|审批)(?:比例)?(?:直接)?(?:改成|改为|设为|设置为|调到|调成|提高到)",
    ),
    _r(
        "zh_force_action",
        0.35,
        r"(?:直接|立即|马上|必须|务必)(?:批准|同意|通过|发送|执行|退款|下单|打款|给我打)",
    ),
    _r(
        "zh_obey",
        0.4,
        rf"(?:你|{_AI})(?:必须|只能|要)(?:听|服从|按照)我的|(?:就说|你就说|回复说)[^，。]{{0,6}}(?:已经?同意|已批准|同意了)",
    ),
    _r(
        "en_authority_change",
        0.45,
        r"\b(?:set|change|raise|increase)\s+(?:the\s+|my\s+)?(?:discount|price|rebate|authority|approval limit)\s+(?:to|=)",
    ),
    _r(
        "en_force_action",
        0.35,
        r"\b(?:approve|authorize|execute|issue|grant)\s+(?:the\s+|a\s+|this\s+|every\s+|all\s+|any\s+)?(?:discount|refund|payment|order|transfer|request)s?\b",
    ),
    _r(
        "addressed_to_ai",
        0.45,
        rf"(?:{_AI}\s*(?:助手|助理|客服)?\s*你?\s*(?:请注意|注意|必须|应当|需要|你要)|(?:给|致){_AI}的?(?:说明|指令|提示|话)?|"
        rf"如果你是(?:一个)?{_AI}|"
        r"(?:note|attention|instructions?)\s+(?:to|for)\s+(?:the\s+)?(?:AI|assistant|model|LLM|copilot)|"
        r"\bif you are an? (?:AI|language model|assistant)\b|\bas an AI\b)",
    ),
    _r(
        "hidden_markup",
        0.5,
        r"(?:<!--.{0,400}?(?:ignore|忽略|指令|instruction|assistant|AI).{0,400}?-->|display\s*:\s*none|font-size\s*:\s*0|color\s*:\s*(?:white|#fff(?:fff)?)\b)",
    ),
    _r(
        "exfiltration",
        0.35,
        r"(?:发送到|发给|转发到|上传到|\b(?:send|forward|post|email|upload)\b[^.\n]{0,40}?\bto\b)\s*(?:https?://|[\w.+-]+@[\w-]+\.\w+|这个(?:邮箱|网址|链接))",
    ),
    _r(
        "zh_output_override",
        0.5,
        r"(?:只(?:需要|要|能)?(?:回复|回答|输出|说)|(?:回复|输出)(?:内容)?(?:必须|只能)(?:是|为|包含))\s*[「“\"'‘]",
    ),
    _r(
        "en_output_override",
        0.5,
        r"\b(?:only (?:reply|respond|answer|output|say)|respond only with|reply with exactly|your (?:reply|answer|output) must be)\b",
    ),
    _r(
        "special_mode",
        0.3,
        r"(?:(?:进入|开启|切换到|打开)[^，。]{0,4}(?:测试|调试|开发者?|维护|上帝|管理员)模式|\b(?:debug|test|god|admin|maintenance) mode\b)",
    ),
    _r(
        "skip_approval",
        0.35,
        r"(?:自动通过|无需审批|免审批|不用审批|跳过审批|绕过审批|\bskip (?:all |the )?(?:compliance|checks|approval|review)s?\b|\bwithout approval\b)",
    ),
    _r(
        "zh_rules_void",
        0.6,
        r"(?:规则|规定|指令|设定|限制|政策)[^。？！\n]{0,8}?(?:作废|无效|不算数?|失效|清空|删除|重置)"
        r"|(?:不用|不必|无需|不要|别)(?:再)?(?:遵守|遵循|理会|管)[^。？！\n]{0,8}?(?:规定|规则|政策|限制|流程|指令)"
        r"|当(?:作)?没有(?:那些|这些|任何)?(?:规定|规则|限制)|假(?:如|设)你?没有(?:任何)?(?:规定|规则|限制)",
    ),
    _r(
        "zh_identity_reassign",
        0.55,
        r"(?:你的|你现在的|您的)身份(?:是|变成|改为)|忘记你是|以(?:管理员|总监|老板|经理|开发者|厂长|财务)的?身份"
        r"|你(?:现在)?(?:不再代表|改为代表|代表我们)|你是一个(?:听话|服从)的",
    ),
    _r("zh_obey_anything", 0.5, r"我说什么你就(?:做|执行|回答|说)什么|按我说的(?:做|办)|照此执行|一切听我的"),
    _r(
        "en_identity_obey",
        0.55,
        r"\b(?:I(?:'m| am) (?:your|the) (?:developer|creator|admin|administrator|owner|programmer)|just say yes|"
        r"do (?:exactly )?(?:as|what) I say|with no rules|forget (?:everything|all) (?:you were|you've been|you have been) told|"
        r"ignore what (?:they|you were|you've been|you have been) told|what (?:were|was) you told|print it exactly|"
        r"to (?:any|every|the) (?:AI|assistant|model|LLM)s? (?:reading|processing)|(?:AI|assistant|model) reading this)\b",
    ),
    _r(
        "system_notice",
        0.5,
        r"(?:\[(?:系统|system)\]\s*[:：]|【系统(?:通知|消息|指令|提示)】|请(?:AI|助手|机器人)(?:照此|直接|立即)?执行)",
    ),
    _r(
        "setting_probe",
        0.6,
        r"(?:你被设定的|你(?:收到|被给予|被赋予)的(?:指令|设定|规则)|(?:念|读|复述|背)[^。！？\n]{0,6}?(?:设定|指令|提示词))",
    ),
    _r(
        "new_instructions",
        0.5,
        r"(?:新的?(?:指令|任务|规则)(?:如下|是|为)|以下是(?:新的?)?(?:指令|规则)|你的任务变了|new (?:instructions|task|rules)\s*[:：]|updated instructions)",
    ),
)
