"""Prompt-injection detector for customer messages, OCR text, transcripts and retrieved documents (indirect injection).

Weighted patterns in Chinese and English plus heuristics (encoded payloads, hidden characters, chat-template tokens).
Scores combine as independent evidence: 1 − Π(1 − w). The verdict is WARN at or above the source's threshold — which
lowers autonomy (no autopilot, a warning to the human) and NEVER changes actions or authority — and ALLOW below it."""

from __future__ import annotations

import base64
import binascii
import re
import unicodedata
from dataclasses import dataclass

from contract.errors import InputError
from contract.suggestions import GuardVerdict, VerdictOutcome

SOURCES = ("customer", "ocr", "transcript", "document")
# Documents and OCR text are not addressed to the assistant at all, so weaker signals are enough there.
THRESHOLDS = {"customer": 0.5, "transcript": 0.5, "ocr": 0.4, "document": 0.35}


@dataclass(frozen=True)
class Rule:
    id: str
    weight: float
    regex: re.Pattern[str]


def _r(rule_id: str, weight: float, pattern: str) -> Rule:
    return Rule(rule_id, weight, re.compile(pattern, re.IGNORECASE | re.MULTILINE))


_INSTR = r"(?:指令|指示|提示词|提示|规则|设定|要求|约束|限制|命令|system\s*prompt|系统提示)"
RULES: tuple[Rule, ...] = (
    _r(
        "zh_ignore_instructions",
        0.85,
        rf"(?:忽略|无视|忘记|忘掉|跳过|抛弃|不要理会|不用管|别管|绕过|覆盖)(?:掉)?(?:你|您)?(?:之前|以前|此前|上面|上述|前面|先前|原来|原有|所有|全部|一切|系统|开发者)?的?(?:所有|全部|一切)?的?{_INSTR}",
    ),
    _r(
        "en_ignore_instructions",
        0.85,
        r"\b(?:ignore|disregard|forget|skip|override|bypass|drop)\s+(?:all\s+|any\s+|the\s+|your\s+|my\s+)?(?:previous|prior|above|earlier|preceding|former|original|system|existing)?\s*(?:instructions?|prompts?|rules?|directions?|guidelines?|guardrails?|constraints?|context)",
    ),
    _r(
        "zh_role_switch",
        0.6,
        r"(?:你|您)(?:现在|从现在起|从现在开始|接下来|今后)(?:是|就是|扮演|作为|变成|成为|充当)(?!哪|谁|什么|不是)",
    ),
    _r(
        "zh_roleplay",
        0.55,
        r"(?:扮演|角色扮演|假装(?:你|您)?是|假设(?:你|您)是|进入.{0,6}模式|开发者模式|越狱|不受(?:任何)?限制|没有(?:任何)?限制的)",
    ),
    _r(
        "en_role_switch",
        0.6,
        r"\b(?:you are now|from now on,? you(?: are| will)?|act as (?:an?|the) |pretend (?:to be|you are)|roleplay as|role-play as|you will now act)",
    ),
    _r(
        "en_jailbreak",
        0.7,
        r"\b(?:DAN|do anything now|developer mode|jailbreak|no restrictions|unfiltered|without (?:any )?restrictions)\b",
    ),
    _r(
        "system_prompt_probe",
        0.7,
        r"(?:system\s*prompt|系统提示词?|(?:你的|初始|原始)(?:提示词|指令|设定)|(?:reveal|print|show|repeat|output)\s+(?:your|the)\s+(?:instructions|prompt|rules))",
    ),
    _r(
        "chat_template_tokens",
        0.8,
        r"(?:<\|im_start\|>|<\|im_end\|>|<\|system\|>|\[INST\]|\[/INST\]|<<SYS>>|^\s*#{2,}\s*(?:system|instruction)s?\b|^\s*(?:system|assistant)\s*[:：])",
    ),
    _r(
        "zh_authority_change",
        0.45,
        r"(?:把|将|给我把)?(?:折扣|价格|返点|优惠|权限|审批)(?:直接)?(?:改成|改为|设为|设置为|调到|调成|提高到)",
    ),
    _r(
        "zh_force_action",
        0.35,
        r"(?:直接|立即|马上|必须|务必)(?:批准|同意|通过|发送|执行|退款|下单|打款|给我打)",
    ),
    _r(
        "en_authority_change",
        0.45,
        r"\b(?:set|change|raise|increase)\s+(?:the\s+|my\s+)?(?:discount|price|rebate|authority|approval limit)\s+(?:to|=)",
    ),
    _r(
        "en_force_action",
        0.35,
        r"\b(?:approve|authorize|execute|issue)\s+(?:the\s+|a\s+|this\s+)?(?:discount|refund|payment|order|transfer)\s+(?:immediately|now|without)",
    ),
    _r(
        "addressed_to_ai",
        0.45,
        r"(?:(?:AI|人工智能|智能|大模型|语言模型|机器人|LLM|GPT|copilot)\s*(?:助手|助理|客服)?\s*(?:请注意|注意|必须|应当|需要|你要)|(?:note|attention|instructions?)\s+(?:to|for)\s+(?:the\s+)?(?:AI|assistant|model|LLM|copilot)|\bif you are an? (?:AI|language model|assistant)\b|\bas an AI\b)",
    ),
    _r(
        "hidden_markup",
        0.5,
        r"(?:<!--.{0,400}?(?:ignore|忽略|指令|instruction|assistant|AI).{0,400}?-->|display\s*:\s*none|font-size\s*:\s*0|color\s*:\s*(?:white|#fff(?:fff)?)\b)",
    ),
    _r(
        "exfiltration",
        0.5,
        r"(?:发送到|发给|转发到|上传到|send (?:it |this |them |all )?to|forward (?:it |this |all )?to|post (?:it )?to)\s*(?:https?://|[\w.+-]+@[\w-]+\.\w+|这个(?:邮箱|网址|链接))",
    ),
    _r(
        "zh_output_override",
        0.45,
        r"(?:只(?:需要|要|能)?(?:回复|回答|输出|说)|(?:回复|输出)(?:内容)?(?:必须|只能)(?:是|为))\s*[「“\"'‘]",
    ),
    _r(
        "en_output_override",
        0.45,
        r"\b(?:only (?:reply|respond|answer|output|say)|respond only with|reply with exactly|your (?:reply|answer|output) must be)\b",
    ),
    _r(
        "new_instructions",
        0.5,
        r"(?:新的?(?:指令|任务|规则)(?:如下|是|为)|以下是(?:新的?)?(?:指令|规则)|new (?:instructions|task|rules)\s*[:：]|updated instructions)",
    ),
)

_ZERO_WIDTH = re.compile(r"[\u200b\u200c\u200d\u2060\ufeff\u202a-\u202e\u2066-\u2069]")
_BASE64 = re.compile(r"(?<![A-Za-z0-9+/])[A-Za-z0-9+/]{24,}={0,2}(?![A-Za-z0-9+/])")
_HEX = re.compile(r"(?:\\x[0-9a-fA-F]{2}){8,}|(?<![0-9a-fA-F])(?:[0-9a-fA-F]{2}){16,}(?![0-9a-fA-F])")
_UNICODE_ESC = re.compile(r"(?:\\u[0-9a-fA-F]{4}){4,}")
MAX_CHARS = 1_000_000


def _decoded_payloads(text: str) -> list[str]:
    """Decode base64 / hex / \\u-escaped blobs, so an encoded "ignore previous instructions" is scored like plain text."""
    out = []
    for m in _BASE64.finditer(text):
        blob = m.group(0)
        try:
            raw = base64.b64decode(blob + "=" * (-len(blob) % 4), validate=True)
            out.append(raw.decode("utf-8"))
        except (binascii.Error, UnicodeDecodeError, ValueError):
            continue
    for m in _HEX.finditer(text):
        try:
            out.append(bytes.fromhex(m.group(0).replace("\\x", "")).decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            continue
    for m in _UNICODE_ESC.finditer(text):
        try:
            out.append(m.group(0).encode("ascii").decode("unicode_escape"))
        except UnicodeDecodeError:
            continue
    return out


def _canon(text: str) -> str:
    """NFKC (full-width, compatibility forms), no zero-width characters, collapsed spacing between Han characters."""
    text = unicodedata.normalize("NFKC", _ZERO_WIDTH.sub("", text))
    return re.sub(r"(?<=[\u4e00-\u9fff])[\s\-_.*]+(?=[\u4e00-\u9fff])", "", text)


def _hits(text: str) -> list[str]:
    return [r.id for r in RULES if r.regex.search(text)]


class HeuristicInjectionDetector:
    def __init__(self, thresholds: dict[str, float] | None = None) -> None:
        self.thresholds = {**THRESHOLDS, **(thresholds or {})}

    def score(self, text: str) -> tuple[float, list[str]]:
        canon = _canon(text)
        hit_ids = _hits(canon)
        for payload in _decoded_payloads(canon):
            inner = _hits(_canon(payload))
            hit_ids += [f"encoded:{h}" for h in inner]
        if _ZERO_WIDTH.search(text) and hit_ids:
            hit_ids.append("zero_width_obfuscation")
        weights = {r.id: r.weight for r in RULES} | {"zero_width_obfuscation": 0.3}
        miss = 1.0
        for h in dict.fromkeys(hit_ids):
            miss *= 1.0 - weights.get(h.removeprefix("encoded:"), 0.0) * (
                1.1 if h.startswith("encoded:") else 1.0
            )
        return round(min(1.0, 1.0 - miss), 4), list(dict.fromkeys(hit_ids))

    def check(self, text: str, *, source: str) -> GuardVerdict:
        if source not in SOURCES:
            raise InputError(
                f"unknown injection source {source!r}; use one of {', '.join(SOURCES)}", reason="bad_source"
            )
        if len(text) > MAX_CHARS:
            raise InputError(
                f"text of {len(text)} chars is over the {MAX_CHARS} limit", reason="text_too_long"
            )
        score, hit_ids = self.score(text)
        threshold = self.thresholds[source]
        flagged = score >= threshold
        return GuardVerdict(
            guard="injection",
            outcome=VerdictOutcome.WARN if flagged else VerdictOutcome.ALLOW,
            reasons=[
                f"possible prompt injection in {source} text (score {score:.2f} ≥ {threshold}): {', '.join(hit_ids)}"
            ]
            if flagged
            else [],
            # Rule ids and the score only: never the matched text, which may carry PII or the payload itself.
            details={
                "score": score,
                "threshold": threshold,
                "source": source,
                "rules": hit_ids,
                "effect": "lower_autonomy" if flagged else "none",
            },
        )
