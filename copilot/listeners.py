"""What happens after a use case: each listener subscribes to the service's events (copilot/events.py).

  HubPush     suggestions, refusals, decisions and the two-phase progress → the rep's and the conversation's topics
  CallDesk    a voice call's suggestions, progress and wrap-up → the call's topic (the agent desktop)
  WeComCard   a new suggestion for a WeCom / 微信客服 / 公众号 conversation → a text card to the rep (when configured)
  KfReply     an accepted or edited suggestion on 微信客服 → the reply to the customer (48-hour / 5-message window)
  Metrics     latencies, SLA breaches, refusals and decisions → /metrics

A failing listener is logged by the bus and counted; the ledger already holds the suggestion or decision.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from typing import Any

from agents.perception.masking import conversation_vault_key, mask_text
from contract.errors import BackendUnavailable, ConflictError, CopilotError
from contract.messages import InboundMessage
from contract.ports import PiiMasker
from contract.suggestions import DraftSource, Suggestion, SuggestionKind, customer_text
from copilot.events import (
    DecisionRecorded,
    EventBus,
    MessageRefused,
    SuggestionMade,
    SuggestionProgress,
)
from copilot.hub import Hub, listened, publish_all
from copilot.metrics import ServiceMetrics
from copilot.privacy.reveal import VaultReader, reveal, tokens_in, vault_key_of, vault_values
from copilot.service import ChannelRuntime

log = logging.getLogger("copilot.listeners")
_DRAFT_NODES = ("draft", "llm", "compose", "phrase")  # graph nodes whose time is the LLM's


def _topics(tenant: str, conversation_id: str, rep_ref: str) -> list[str]:
    topics = [f"conversation:{tenant}:{conversation_id}"]
    if rep_ref:
        topics.insert(0, f"rep:{rep_ref}")
    return topics


class HubPush:
    def __init__(self, hub: Hub, masker: PiiMasker | None = None) -> None:
        self.hub = hub
        self.masker = (
            masker  # pushes leave the vault's boundary: the quoted message is masked like the ledger's
        )

    def suggestion(self, event: SuggestionMade) -> None:
        self._suggestion(event.suggestion, self._quote(event.message))

    def refused(self, event: MessageRefused) -> None:
        self._suggestion(event.refusal, self._quote(event.message))

    def _quote(self, msg: InboundMessage) -> str:
        return masked_quote(self.masker, msg)

    def _suggestion(self, suggestion: Suggestion, text: str = "") -> None:
        # The card is built and serialised only for topics someone listens on now: most messages have no page open,
        # and dumping the whole suggestion for nobody cost ~2 ms of worker CPU per push. A page that subscribes a
        # moment later catches up by id, as after any missed event.
        topics = listened(
            self.hub, _topics(suggestion.tenant, suggestion.conversation_id, suggestion.rep_ref)
        )
        if not topics:
            return
        payload = {
            "type": "suggestion",
            "suggestion": suggestion.model_dump(mode="json"),
            "message_text": text,
        }
        publish_all(self.hub, topics, payload)

    def decision(self, event: DecisionRecorded) -> None:
        s = event.suggestion
        payload = {
            "type": "decision",
            "suggestion_id": event.decision.suggestion_id,
            "kind": event.decision.kind.value,
        }
        publish_all(self.hub, listened(self.hub, _topics(s.tenant, s.conversation_id, s.rep_ref)), payload)

    def progress(self, event: SuggestionProgress) -> None:
        msg = event.message
        topics = listened(self.hub, _topics(msg.tenant, msg.conversation_id, msg.rep_ref))
        if not topics:
            return  # nobody watches: neither the quote is masked nor the payload built
        quote = self._quote(msg) if event.phase != "draft_token" else ""
        publish_all(self.hub, topics, progress_payload(event, quote))


def message_text(msg: Any) -> str:
    """The customer's words as the page quotes them on the card (text parts; a voice part's transcript)."""
    parts = getattr(msg, "parts", None) or []
    return " ".join(str(getattr(p, "text", "") or getattr(p, "transcript", "") or "") for p in parts).strip()[
        :2000
    ]


def masked_quote(masker: PiiMasker | None, msg: InboundMessage) -> str:
    """The customer's words for the card, masked with the conversation's vault key (the same tokens as the ledger; the
    page unmasks through POST /v1/suggestions/{id}/unmask). Pushes leave the vault's boundary (Redis pub/sub, the
    browser): without a masker they quote nothing, never the raw text."""
    text = message_text(msg)
    if not text or masker is None:
        return ""
    return mask_text(masker, text, conversation_vault_key(msg)).text


def progress_payload(event: SuggestionProgress, quote: str = "") -> dict[str, Any]:
    """`quote`: the masked customer words (masked_quote) for a suggestion_partial."""
    kind = "draft_token" if event.phase == "draft_token" else "suggestion_partial"
    msg = event.message
    return {
        "type": kind,
        "phase": event.phase,
        "message_id": msg.message_id,
        "conversation_id": msg.conversation_id,
        "data": event.data,
        **({"message_text": quote} if kind == "suggestion_partial" else {}),
    }


class CallDesk:
    """The agent desktop listens on call:<call id>."""

    def __init__(self, hub: Hub, masker: PiiMasker | None = None) -> None:
        self.hub = hub
        self.masker = masker

    def suggestion(self, event: SuggestionMade) -> None:
        s = event.suggestion
        if s.channel != "voice":
            return
        kind = "wrapup" if s.kind is SuggestionKind.SUMMARY else "suggestion"
        self.hub.publish(f"call:{s.conversation_id}", {"type": kind, "suggestion": s.model_dump(mode="json")})

    def progress(self, event: SuggestionProgress) -> None:
        if event.message.channel.value == "voice":
            quote = masked_quote(self.masker, event.message) if event.phase != "draft_token" else ""
            self.hub.publish(f"call:{event.message.conversation_id}", progress_payload(event, quote))


class WeComCard:
    """Outside the sidebar, a WeCom text card tells the rep a suggestion is waiting (when the WeCom API and a public
    URL are configured)."""

    def __init__(self, channels: ChannelRuntime | None) -> None:
        self.channels = channels

    def suggestion(self, event: SuggestionMade) -> None:
        s = event.suggestion
        outbox = self.channels.outbox if self.channels is not None else None
        if event.redelivered or outbox is None or not outbox.accept_link_base or not s.rep_ref:
            return
        if s.channel not in ("wecom_app", "wecom_kf", "wechat_oa") or s.kind is SuggestionKind.REFUSAL:
            return
        outbox.deliver_suggestion(s, rep_userid=s.rep_ref)


class KfReply:
    """After a human accepts or edits, the reply goes to the customer where the channel lets us send."""

    def __init__(self, channels: ChannelRuntime | None, vault: VaultReader | None = None) -> None:
        self.channels = channels
        self.vault = vault  # the PII vault: tokens in the reply are unmasked right before sending

    def decision(self, event: DecisionRecorded) -> None:
        sent = send_reply(self.channels, event, vault=self.vault)
        if sent:
            log.info("reply for %s sent through 微信客服 as %s", event.decision.suggestion_id, sent)


# Only a drafted reply to the customer's own message goes back to the customer when a human accepts or edits it.
_CUSTOMER_FACING = frozenset({SuggestionKind.SUGGESTION, SuggestionKind.AUTOPILOT})


def send_reply(
    channels: ChannelRuntime | None, event: DecisionRecorded, *, vault: VaultReader | None = None
) -> str:
    """The kf msgid, or "" when nothing was sent (not kf, rejected, nothing to send, window closed, a token the vault
    no longer holds). The draft carries vault tokens (<CN_MOBILE_1>); the customer must never receive a token, so they
    are replaced from the vault here, in memory, right before the send: the unmasked text is never stored or logged."""
    suggestion, decision = event.suggestion, event.decision
    outbox = channels.outbox if channels is not None else None
    text = decision.final_text or (suggestion.draft.text if suggestion.draft else "")
    if outbox is None or suggestion.channel != "wecom_kf" or decision.kind.value == "reject" or not text:
        return ""
    if (
        suggestion.kind not in _CUSTOMER_FACING
    ):  # a rep's own answer, a refusal, a summary: never to the customer
        log.info(
            "decision on %s (%s) sends nothing to the customer", decision.suggestion_id, suggestion.kind.value
        )
        return ""
    open_kfid, _, external = suggestion.conversation_id.partition(":")
    if not external:
        return ""
    try:
        text = _unmasked_reply(customer_text(text), suggestion, vault)
        return outbox.kf_send_text(open_kfid, external, text, msgid=f"cc{decision.suggestion_id[-24:]}")
    except CopilotError as exc:  # e.g. kf_window_closed: the rep must reply by hand; said in the log and page
        log.warning("reply for %s not sent: %s (%s)", decision.suggestion_id, exc.reason, exc.message)
        return ""


def _unmasked_reply(text: str, suggestion: Suggestion, vault: VaultReader | None) -> str:
    """`text` with its tokens replaced from the vault; ConflictError kf_unmask_expired when any token has no value
    any more (TTL or erasure): better no reply than a reply with <PHONE_1> in it."""
    if not tokens_in(text):
        return text
    try:
        values = vault_values(vault, vault_key_of(suggestion))
    except BackendUnavailable as exc:
        raise BackendUnavailable(
            f"the reply holds masked values and the PII vault is unavailable ({exc.reason}): not sent",
            reason="kf_unmask_unavailable",
        ) from exc
    revealed = reveal(text, values)
    if revealed.missing:
        raise ConflictError(
            f"the reply holds {len(revealed.missing)} masked value(s) the PII vault no longer has"
            f" ({', '.join(revealed.missing)}): not sent, the rep must write them by hand",
            reason="kf_unmask_expired",
        )
    return revealed.text


class Metrics:
    def __init__(self, metrics: ServiceMetrics) -> None:
        self.m = metrics
        self._first_token: OrderedDict[str, None] = OrderedDict()  # messages whose first token was timed

    def suggestion(self, event: SuggestionMade) -> None:
        if event.redelivered:
            return
        s = event.suggestion
        self.m.suggestions.inc(kind=s.kind.value, tenant=s.tenant)
        if s.kind is SuggestionKind.SUMMARY:
            return
        llm_ms = sum(ms for node, ms in s.timings_ms.items() if any(p in node.lower() for p in _DRAFT_NODES))
        used_llm = s.draft is not None and s.draft.source is DraftSource.LLM
        self.m.observe("suggestion_no_llm", max(event.elapsed_ms - (llm_ms if used_llm else 0.0), 0.0))
        if used_llm:
            self.m.observe("full_draft", event.elapsed_ms)
        if s.channel == "voice":
            self.m.observe("voice_final", event.elapsed_ms)

    def refused(self, event: MessageRefused) -> None:
        self.m.refusals.inc(reason=event.reason, tenant=event.message.tenant)

    def decision(self, event: DecisionRecorded) -> None:
        self.m.decisions.inc(kind=event.decision.kind.value, tenant=event.suggestion.tenant)

    def progress(self, event: SuggestionProgress) -> None:
        if event.phase != "draft_token":
            return
        key = event.message.dedupe_key
        if key in self._first_token:
            return
        self._first_token[key] = None
        while len(self._first_token) > 10_000:
            self._first_token.popitem(last=False)
        self.m.observe("first_draft_token", event.elapsed_ms)


def subscribe_all(
    bus: EventBus,
    hub: Hub,
    channels: ChannelRuntime | None,
    metrics: ServiceMetrics,
    *,
    vault: VaultReader | None = None,
    masker: PiiMasker | None = None,
) -> None:
    """The standard listeners, in order: metrics first (cheap, never fails), then pushes, then WeCom calls. `vault`:
    the PII vault the kf reply is unmasked from (without it, a reply holding tokens is not sent); `masker`: masks the
    customer's words quoted in pushes (without it, pushes quote nothing)."""
    m, push, desk = Metrics(metrics), HubPush(hub, masker), CallDesk(hub, masker)
    card, reply = WeComCard(channels), KfReply(channels, vault)
    bus.subscribe(SuggestionMade, m.suggestion)
    bus.subscribe(MessageRefused, m.refused)
    bus.subscribe(DecisionRecorded, m.decision)
    bus.subscribe(SuggestionProgress, m.progress)
    bus.subscribe(SuggestionMade, push.suggestion)
    bus.subscribe(MessageRefused, push.refused)
    bus.subscribe(DecisionRecorded, push.decision)
    bus.subscribe(SuggestionProgress, push.progress)
    bus.subscribe(SuggestionMade, desk.suggestion)
    bus.subscribe(SuggestionProgress, desk.progress)
    bus.subscribe(SuggestionMade, card.suggestion)
    bus.subscribe(DecisionRecorded, reply.decision)
