"""`YamlPolicyRails`: the tenant's rules over a draft and its proposed actions, for one actor.

Discount authority by role (the draft's stated discount and each discount action), forbidden promises (a delivery date
without order-system evidence), banned words, competitor mentions and required disclaimers, all from the tenant pack's
rails.yaml. Quoting the tenant's own policy is not an offer: a sentence that cites a policy clause (or names it, 根据《…》)
with only that clause's figures passes the discount and promise rails; the verdict lists it under
`policy_quotes_not_offers`. The verdict is BLOCK if any
blocking rule fired, WARN if only warning rules did, ALLOW otherwise; each reason says which rule and why."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from contract.evidence import Evidence, EvidenceKind
from contract.ports import Actor
from contract.suggestions import CITATION_MARKER, Action, Draft, GuardVerdict, VerdictOutcome
from guardrails.grounding.claims import canon
from guardrails.rails_config import RailsConfig, load_rails

# A percentage is a discount when a discount word is next to it; 97折 always is.
_DISCOUNT_PCT = re.compile(
    r"(?:折扣|优惠|让利|降价|减价|打折|discount(?:\s+of)?)\s*(?:为|是|达|到|可达|高达|of)?\s*(\d+(?:\.\d+)?)\s*%"
    r"|(\d+(?:\.\d+)?)\s*%\s*(?:的)?(?:折扣|优惠|让利|off|discount)",
    re.IGNORECASE,
)
_ZHE = re.compile(r"(?<![\d.])(\d{1,2}(?:\.\d)?)\s*折")


def draft_discounts(text: str) -> list[float]:
    """Percent-off figures a draft offers: 优惠5% → 5, 9折 → 10, 97折 → 3."""
    text = canon(text)
    out = [float(m.group(1) or m.group(2)) for m in _DISCOUNT_PCT.finditer(text)]
    for m in _ZHE.finditer(text):
        paid = float(m.group(1))
        paid = paid * 10 if paid < 10 else paid
        if 0 < paid < 100:
            out.append(round(100 - paid, 4))
    return out


# A figure the customer asked for, named with the approval it needs, is not an offer ("您提到的9折优惠需要销售总监审批"):
# the figure follows a request frame, the sentence says approval is needed, and nothing in it grants or applies it.
_REQUEST_BEFORE = re.compile(r"(?:您|客户|贵司)(?:刚才|之前)?(?:提到|提出|说|要|希望|想要|要求|申请|问)的?")
_REQUEST_AFTER = re.compile(r"(?:you|the customer)\s+(?:asked|requested|mentioned|wanted)", re.IGNORECASE)
_NEEDS_APPROVAL = re.compile(
    r"(?:需要|须|需|要|得)(?:由|经|经过|报|提交|请)?[^，。；;,]{0,8}?(?:审批|批准|同意|签批)"
    r"|超出[^，。；;,]{0,10}?权限|不在[^，。；;,]{0,6}?权限"
    r"|\bneeds?\s+(?:\w+\s+){0,3}?approv|\babove\s+(?:what|my)\b",
    re.IGNORECASE,
)
_GRANTS = re.compile(
    r"可以(?:直接)?(?:给|按|打|做)|能(?:直接)?(?:给|按|打|做)|给您(?:打|按|做|申请到|批)|按[^，。；;,]{0,6}?(?:算|给|执行|成交)"
    r"|没问题|不成问题|包您|保证|肯定能|一定能|(?:已经?|已为您)[^，。；;,]{0,4}?(?:批|审批|同意|通过)|批下来了|特批"
    r"|\b(?:can|will|'ll)\s+(?:give|grant|offer|apply|do)\b|\bapproved\b",
    re.IGNORECASE,
)


def requested_with_approval(sentence: str) -> bool:
    """The sentence names a discount the customer asked for together with the approval it needs, and grants nothing:
    a request being escalated, not an offer."""
    text = canon(sentence)
    if _GRANTS.search(text) or not _NEEDS_APPROVAL.search(text):
        return False
    figures = [m.span() for m in (*_DISCOUNT_PCT.finditer(text), *_ZHE.finditer(text))]
    before = [m.end() for m in _REQUEST_BEFORE.finditer(text)]  # 您提到的 | 9折
    after = [m.start() for m in _REQUEST_AFTER.finditer(text)]  # the 10% discount | you asked for

    def requested(start: int, end: int) -> bool:
        return any(0 <= start - b <= 2 for b in before) or any(0 <= a - end <= 12 for a in after)

    return bool(figures) and all(requested(*span) for span in figures)


def _action_parts(action: Any) -> tuple[str, dict[str, Any], str]:
    if isinstance(action, Action):
        return action.name, dict(action.parameters), action.requires_authority
    if isinstance(action, dict):
        return (
            str(action.get("name", "")),
            dict(action.get("parameters") or {}),
            str(action.get("requires_authority", "")),
        )
    return str(getattr(action, "name", "")), dict(getattr(action, "parameters", {}) or {}), ""


def _as_percent(value: Any) -> float | None:
    """5, "5%", "5 %" → 5; 0.05 → 5 (a fraction); None when it is not a number."""
    try:
        v = float(str(value).strip().rstrip("%").strip())
    except ValueError:
        return None
    return v * 100 if 0 < v < 1 else v


# a sentence ends at Chinese or English stops; an English '.' only before a space or the end (3.1, 2.5%, Mr. stay)
_SENTENCE = re.compile(r"(?:[^。！？!?\n；;.]|\.(?=[\w,%]))+(?:[。！？!?\n；;]|\.(?!\S))?(?:\s*\[\d{1,3}\])*")
_FIGURE = re.compile(r"\d+(?:\.\d+)?")
_TITLE = re.compile(r"《([^》]{1,40})》")
_RELATIVE_DAY = re.compile(
    r"今天|今日|明天|明日|后天|本周|这周|下周|周[一二三四五六日末]|星期|礼拜|tomorrow|today", re.I
)


def _sentences(text: str) -> list[str]:
    """Sentences with the citation markers that follow their full stop ("…折扣。[1]")."""
    return [s for s in _SENTENCE.findall(text) if s.strip()]


def _figures(text: str) -> set[str]:
    return set(_FIGURE.findall(CITATION_MARKER.sub("", text)))


class YamlPolicyRails:
    def __init__(self, config: RailsConfig) -> None:
        self.config = config
        self._promises = [(p, [re.compile(x) for x in p.patterns]) for p in config.forbidden_promises]
        self._frames = [re.compile(f) for f in config.policy_quotes.frames]

    def _quoted_policy(self, sent: str, draft: Draft, evidence: list[Evidence]) -> set[str] | None:
        """The figures of the policy text this sentence quotes (it cites a policy clause, or names one with a quoting
        frame such as 根据《…》), or None when the sentence quotes no policy."""
        cfg = self.config.policy_quotes
        if not cfg.enabled:
            return None
        kinds = set(cfg.evidence_kinds)
        by_id = {e.id: e for e in evidence}
        cited = {c.marker: c.evidence_id for c in draft.citations}
        sources = [
            by_id[cited[m]]
            for m in CITATION_MARKER.findall(sent)
            if m in cited and cited[m] in by_id and by_id[cited[m]].kind.value in kinds
        ]
        if not sources and any(f.search(sent) for f in self._frames):
            titles = _TITLE.findall(sent)
            policy = [e for e in evidence if e.kind.value in kinds]
            sources = [
                e for e in policy if any(t in (e.title or "") or (e.title and e.title in t) for t in titles)
            ]
        if not sources:
            return None
        return _figures(canon(" ".join(e.content for e in sources)))

    @staticmethod
    def _quotes_promise(
        hit: str, sent: str, figures: set[str], evidence: list[Evidence], draft: Draft
    ) -> bool:
        """A promise-shaped phrase is the policy's own wording when its figures are the clause's and it names no day
        relative to today (今天/明天/下周… are about this customer's order, never a policy's)."""
        if _RELATIVE_DAY.search(hit):
            return False
        own = _figures(hit)
        return bool(own) and own <= figures

    @classmethod
    def from_file(cls, path: Path) -> YamlPolicyRails:
        return cls(load_rails(path))

    def check(
        self, draft: Draft | None, actions: list[Any], actor: Actor, *, evidence: list[Evidence] | None = None
    ) -> GuardVerdict:
        """`evidence` (optional) lets a delivery date through when the draft cites order-system facts."""
        blocks: list[str] = []
        warns: list[str] = []
        fired: list[str] = []
        limit = self.config.discount_authority.get(actor.role, 0.0)
        escalate = self.config.escalation.get(actor.role, "escalate_to_manager")

        for name, params, needs in map(_action_parts, actions):
            if name in self.config.discount_actions:
                for key in self.config.discount_parameters:
                    pct = _as_percent(params.get(key)) if key in params else None
                    if pct is not None and pct > limit:
                        fired.append("discount_authority")
                        blocks.append(
                            f"action {name}: discount {pct:g}% exceeds {actor.role} authority {limit:g}%; "
                            f"use {escalate}"
                        )
            rank = self.config.role_rank
            if needs and rank.get(needs, 99) > rank.get(actor.role, 0):
                fired.append("requires_authority")
                warns.append(f"action {name} needs {needs} authority; {actor.role} cannot execute it alone")

        quotes: list[
            str
        ] = []  # sentences quoting the tenant's policy: not offers (kept in the verdict's details)
        if draft is not None and draft.text.strip():
            self._check_text(draft, actor, limit, escalate, evidence or [], blocks, warns, fired, quotes)

        outcome = VerdictOutcome.BLOCK if blocks else VerdictOutcome.WARN if warns else VerdictOutcome.ALLOW
        return GuardVerdict(
            guard="policy_rails",
            outcome=outcome,
            reasons=blocks + warns,
            details={
                "rules": list(dict.fromkeys(fired)),
                "actor_role": actor.role,
                "discount_limit_pct": limit,
                **({"policy_quotes_not_offers": quotes} if quotes else {}),
            },
        )

    def _check_text(
        self,
        draft: Draft,
        actor: Actor,
        limit: float,
        escalate: str,
        evidence: list[Evidence],
        blocks: list[str],
        warns: list[str],
        fired: list[str],
        quoted: list[str],
    ) -> None:
        text = canon(draft.text)
        lower = text.lower()
        sink = {"block": blocks, "warn": warns}
        for sent in _sentences(text):
            source = self._quoted_policy(sent, draft, evidence)
            for pct in draft_discounts(sent):
                if pct <= limit:
                    continue
                if source is not None and _figures(sent) <= source:
                    quoted.append(sent.strip())
                    continue
                if requested_with_approval(sent):  # the customer's figure escalated, not offered
                    quoted.append(sent.strip())
                    continue
                fired.append("discount_authority")
                blocks.append(
                    f"draft offers a {pct:g}% discount, over {actor.role} authority {limit:g}%; use {escalate}"
                )
            for rule, regexes in self._promises:
                hit = next((m for r in regexes if (m := r.search(sent))), None)
                if hit is None or self._confirmed(rule.confirmed_by, draft, evidence):
                    continue
                if source is not None and self._quotes_promise(hit.group(0), sent, source, evidence, draft):
                    quoted.append(sent.strip())
                    continue
                fired.append(rule.id)
                sink[rule.severity].append(f"{rule.id}: 「{hit.group(0)}」 — {rule.description}")
        quoted[:] = list(dict.fromkeys(quoted))
        banned = [w for w in self.config.banned_words.words if w.lower() in lower]
        if banned:
            fired.append("banned_words")
            sink[self.config.banned_words.severity].append(f"banned words: {', '.join(banned)}")
        rivals = [n for n in self.config.competitors.names if n.lower() in lower]
        if rivals:
            fired.append("competitor_mention")
            sink[self.config.competitors.severity].append(f"competitor mentioned: {', '.join(rivals)}")
        for d in self.config.disclaimers:
            if any(w.lower() in lower for w in d.when_any) and not any(
                r.lower() in lower for r in d.require_any
            ):
                fired.append(d.id)
                sink[d.severity].append(
                    f"missing disclaimer {d.id}: add one of {' / '.join(d.require_any[:2])}"
                )

    @staticmethod
    def _confirmed(rule: Any, draft: Draft, evidence: list[Evidence]) -> bool:
        if rule is None:
            return False
        cited = {c.evidence_id for c in draft.citations}
        return any(
            e.id in cited
            and e.kind == EvidenceKind(rule.kind)
            and e.source_ids.get("table", "") in rule.tables
            for e in evidence
        )
