"""Composition root: Settings → concrete backends → the copilot. Embedded by default (SQLite, Chroma directory,
in-process queue and hub); Redis / PostgreSQL / Chroma server / an OpenAI-compatible LLM by settings alone.

Only this module (and the entry points) know which implementation backs each protocol in contract/ports.py.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from contract import (
    AccessDenied,
    CopilotError,
    HumanDecision,
    InboundMessage,
    NotFound,
    Suggestion,
    UserError,
)
from contract.ports import Actor
from copilot.settings import Settings

log = logging.getLogger("copilot.wiring")


@dataclass
class Services:
    settings: Settings
    policy_store: Any
    customers: Any
    guardrails: Any
    ledger: Any
    copilot: Any
    hub: Any
    inbox: Any = None
    extras: dict[str, Any] = field(default_factory=dict)

    # ---- the one-way flow ----------------------------------------------------------------------------------------
    def handle_message(self, msg: InboundMessage, actor: Actor) -> Suggestion | None:
        """Run one message through the graph, exactly once in effect: a message that already has a suggestion in the
        ledger (a redelivery after a crash, a retried callback) returns that suggestion instead of a second one."""
        earlier = self.existing_suggestion(msg)
        if earlier is not None:
            return earlier
        try:
            suggestion: Suggestion | None = self.copilot.handle(msg, actor)
        except AccessDenied as exc:
            self.record_denial(
                actor, exc.reason, {"message_id": msg.message_id, "customer_ref": msg.customer_ref}
            )
            raise
        if suggestion is not None:
            self.publish(suggestion)
            self.notify_rep(suggestion)
        return suggestion

    def existing_suggestion(self, msg: InboundMessage) -> Suggestion | None:
        for entry in self.ledger.find(conversation=msg.conversation_id, kind="suggestion"):
            payload = entry.payload or {}
            sug = payload.get("suggestion") or {}
            if (
                sug.get("message_id") == msg.message_id
                and sug.get("channel", msg.channel.value) == msg.channel.value
            ):
                return Suggestion.model_validate(sug)
        return None

    def publish(self, suggestion: Suggestion) -> None:
        event = {"type": "suggestion", "suggestion": suggestion.model_dump(mode="json")}
        if suggestion.rep_ref:
            self.hub.publish(f"rep:{suggestion.rep_ref}", event)
        self.hub.publish(f"conversation:{suggestion.tenant}:{suggestion.conversation_id}", event)

    def notify_rep(self, suggestion: Suggestion) -> None:
        """Outside the sidebar, a WeCom text card tells the rep a suggestion is waiting (when the WeCom API and a
        public URL are configured). Failing to notify never loses the suggestion: it is in the ledger and the hub."""
        outbox = getattr(self.extras.get("channels"), "outbox", None)
        if outbox is None or not outbox.accept_link_base or not suggestion.rep_ref:
            return
        if suggestion.channel not in ("wecom_app", "wecom_kf", "wechat_oa"):
            return
        try:
            outbox.deliver_suggestion(suggestion, rep_userid=suggestion.rep_ref)
        except Exception as exc:  # Tencent down or refusing: logged; the rep still sees it in the sidebar
            log.warning("could not notify %s of %s: %s", suggestion.rep_ref, suggestion.id, exc)

    def send_reply(self, suggestion: Suggestion, decision: HumanDecision) -> str:
        """After a human accepts or edits, the reply goes to the customer where the channel lets us send
        (微信客服 within its 48-hour / 5-message window). Returns the kf msgid, or "" when nothing was sent."""
        outbox = getattr(self.extras.get("channels"), "outbox", None)
        text = decision.final_text or (suggestion.draft.text if suggestion.draft else "")
        if outbox is None or suggestion.channel != "wecom_kf" or decision.kind.value == "reject" or not text:
            return ""
        open_kfid, _, external = suggestion.conversation_id.partition(":")
        if not external:
            return ""
        msgid: str = outbox.kf_send_text(open_kfid, external, text, msgid=f"cc{decision.suggestion_id[-24:]}")
        return msgid

    def decide(self, decision: HumanDecision, actor: Actor) -> str:
        suggestion = self.ledger.get_suggestion(decision.suggestion_id, actor=actor)
        entry_id: str = self.copilot.decide(
            decision, actor, conversation_id=suggestion.conversation_id, tenant=suggestion.tenant
        )
        try:
            sent = self.send_reply(suggestion, decision)
            if sent:
                log.info("reply for %s sent through 微信客服 as %s", decision.suggestion_id, sent)
        except (
            CopilotError
        ) as exc:  # e.g. kf_window_closed: the rep must reply by hand; said in the log and page
            log.warning("reply for %s not sent: %s (%s)", decision.suggestion_id, exc.reason, exc.message)
        event = {"type": "decision", "suggestion_id": decision.suggestion_id, "kind": decision.kind.value}
        if suggestion.rep_ref:
            self.hub.publish(f"rep:{suggestion.rep_ref}", event)
        self.hub.publish(f"conversation:{suggestion.tenant}:{suggestion.conversation_id}", event)
        return entry_id

    def customer_360(self, customer_id: str, actor: Actor) -> Any:
        try:
            return self.customers.customer_360(customer_id, actor)
        except AccessDenied as exc:
            self.record_denial(actor, exc.reason, {"attempted": "customer_360", "customer_ref": customer_id})
            raise

    def make_worker(self, worker_id: str = "worker-1") -> Any:
        from copilot.worker import Worker

        return Worker(self.inbox, self, worker_id=worker_id)

    def start_worker(self) -> Any:
        worker = self.make_worker()
        worker.start()
        return worker

    def record_denial(self, actor: Actor, reason: str, details: dict[str, Any]) -> None:
        log.warning("access denied for %s (%s): %s %s", actor.id, actor.role, reason, details)
        self.ledger.record_denial(actor=actor, reason=reason, details=details)

    def suggestion_view(self, suggestion_id: str, actor: Actor) -> dict[str, Any]:
        view: dict[str, Any] = self.ledger.get_suggestion_view(suggestion_id, actor=actor)
        return view

    def readiness(self) -> dict[str, str]:
        checks: dict[str, str] = {}
        for name, probe in (
            ("ledger", self.ledger),
            ("policy_store", self.policy_store),
            ("crm", self.customers),
        ):
            try:
                ping = getattr(probe, "ping", None)
                if ping is not None:
                    ping()
                checks[name] = "ok"
            except Exception as exc:  # readiness reports, never raises
                checks[name] = f"down: {exc.__class__.__name__}"
        return checks

    def close(self) -> None:
        asr = self.extras.get("asr")
        llm = getattr(getattr(self.copilot, "deps", None), "llm", None)
        for part in (self.hub, self.ledger, self.policy_store, self.customers, self.inbox, asr, llm):
            closer = getattr(part, "close", None)
            if closer is not None:
                try:
                    closer()
                except Exception:  # closing is best effort at shutdown
                    log.exception("closing %s failed", type(part).__name__)


def _lazy_llm(settings: Settings, use_llm: bool) -> Any:
    """The chat model from settings, loaded on first use (the local GGUF takes seconds to join and load)."""
    if not use_llm or settings.llm.backend == "none":
        return None
    llm = settings.llm
    if llm.backend == "openai":
        from agents.llm.openai_compat import OpenAICompatChat

        return OpenAICompatChat(llm.base_url, llm.model, api_key=llm.api_key.get_secret_value())
    if llm.backend == "langchain":
        from agents.llm.langchain_chat import LangChainChat

        return LangChainChat(llm.langchain_class, model=llm.model)
    return LazyLocalLlm(settings)


class LazyLocalLlm:
    """Joins and loads the offline GGUF on the first completion, once, under a lock."""

    name = "local:qwen2.5-coder-1.5b-instruct-q4_k_m"

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._model: Any = None
        self._lock = threading.Lock()

    def load(self) -> Any:
        with self._lock:
            if self._model is None:
                from agents.llm.local import LocalLlm

                path = self._settings.llm.model_path
                self._model = LocalLlm(
                    Path(path).parent if path else self._settings.model_cache_dir,
                    n_threads=self._settings.llm.threads,
                )
            return self._model

    def complete(self, messages: list[dict[str, str]], **kw: Any) -> Any:
        return self.load().complete(messages, **kw)

    def close(self) -> None:
        if self._model is not None and hasattr(self._model, "close"):
            self._model.close()


def _asr(settings: Settings, product_names: list[str]) -> Any:
    """One shared ASR worker for live calls and chat voice messages; Whisper loads on first use."""
    from channels.voice import AsrService, tenant_prompt

    asr = settings.asr
    return AsrService.from_model_cache(
        settings.model_cache_dir,
        model_dir=asr.model_dir,
        language=asr.language,
        beam_size=asr.beam_size,
        max_calls=asr.max_concurrent_calls,
        hotwords=product_names,
        initial_prompt=tenant_prompt(product_names),
    )


def open_inbox(settings: Settings) -> Any:
    if settings.redis_url:
        from copilot.scale import RedisStreamInbox

        return RedisStreamInbox(settings.redis_url)
    from channels import SqliteInbox

    return SqliteInbox(settings.data_dir / "inbox.sqlite")


def build_services(settings: Settings, *, use_llm: bool | None = None) -> Services:
    """Wire every backend from settings. Models (LLM, Whisper, OCR) load lazily on first use.

    Raises UserError with what to do when tenant data is missing (e.g. the CRM was never seeded)."""
    from agents import AgentDeps, Copilot, ModeSettings, TenantConfig, make_checkpointer
    from agents.perception.ocr import RapidOcrEngine
    from channels import ChannelConfig, build_channels
    from channels.voice import WhisperTranscriber
    from copilot.hub import make_hub
    from copilot.ledger import open_ledger
    from copilot.media import LocalMediaStore, RoutingMediaStore
    from guardrails import build_guardrails
    from knowledge.crm import build_customer_data
    from knowledge.policy import build_policy_store

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    tenant_dir = settings.tenant_dir
    if not (tenant_dir / "intents.yaml").is_file():
        raise UserError(f"tenant folder {tenant_dir} has no intents.yaml", reason="tenant_missing")
    use_llm = settings.llm.backend != "none" if use_llm is None else use_llm
    redis_client = None
    if settings.redis_url:
        import redis

        redis_client = redis.Redis.from_url(settings.redis_url)

    policy_store = build_policy_store(
        settings.chroma_url,
        settings.chroma_dir,
        settings.policy_catalog_path,
        settings.embeddings.backend,
        embedding_model=settings.embeddings.model,
        embedding_base_url=settings.embeddings.base_url,
        embedding_api_key=settings.embeddings.api_key.get_secret_value(),
        embedding_cache=settings.data_dir / "embedding_cache.sqlite",
    )
    try:
        customers = build_customer_data(
            settings.crm_database_url,
            tenant_dir / "crm" / "mapping.yaml",
            tenant_dir / "crm" / "signals.yaml",
            statement_timeout_ms=settings.crm_statement_timeout_ms,
            redis_url=settings.redis_url,
            cache_ttl_s=settings.crm_cache_ttl_s,
            team_visibility=settings.crm_team_visibility,
        )
    except UserError as exc:
        raise UserError(
            f"{exc.message} — for the demo tenant run `copilot crm seed-demo` (or `copilot demo`) first",
            reason=exc.reason,
        ) from exc
    from copilot.privacy.setup import contact_names, guard_checkpoints, vault_secret

    guards = build_guardrails(
        tenant_dir / "rails.yaml",
        redis_url=settings.redis_url,
        known_names=contact_names(settings.crm_database_url, tenant_dir / "crm" / "mapping.yaml"),
        vault_secret=vault_secret(
            settings.pii_vault_key.get_secret_value(), settings.data_dir, env=settings.env
        ),
        vault_ttl_s=settings.pii_vault_ttl_s,
    )
    ledger = open_ledger(
        settings.ledger_url, checkpoint_key=settings.ledger_checkpoint_key.get_secret_value()
    )
    tenant = TenantConfig.load(tenant_dir)
    inbox = open_inbox(settings)
    channel_config = ChannelConfig.from_settings(settings)
    if settings.public_base_url:
        channel_config = dataclasses.replace(
            channel_config, accept_link_base=settings.public_base_url.rstrip("/") + "/ui/s"
        )
    channel_rt = build_channels(
        inbox,
        channel_config,
        redis=redis_client,
        state_path=str(settings.data_dir / "kf_state.sqlite"),
    )
    asr = _asr(settings, _product_names(tenant_dir))
    deps = AgentDeps(
        policy=policy_store,
        customers=customers,
        pii=guards.pii,
        injection=guards.injection,
        grounding=guards.grounding,
        rails=guards.rails,
        ledger=ledger,
        tenant=tenant,
        transcriber=WhisperTranscriber(asr),
        ocr=RapidOcrEngine(),
        media=RoutingMediaStore(
            LocalMediaStore(tenant_dir), channel_rt.media
        ),  # refs are relative to the tenant
        llm=_lazy_llm(settings, use_llm),
        settings=ModeSettings(
            mode=settings.mode,
            autopilot_min_confidence=settings.autopilot_min_confidence,
            use_llm=use_llm,
            llm_timeout_s=settings.llm.timeout_s,
            max_draft_tokens=settings.llm.max_tokens,
        ),
    )
    checkpointer = make_checkpointer(
        settings.checkpointer,
        sqlite_path=settings.checkpoint_path,
        redis_url=settings.redis_url,
        postgres_url=settings.database_url.replace("postgresql+psycopg://", "postgresql://"),
    )
    return Services(
        settings=settings,
        policy_store=policy_store,
        customers=customers,
        guardrails=guards,
        ledger=ledger,
        copilot=Copilot(deps, guard_checkpoints(checkpointer, guards.pii)),  # checkpoints hold masked text only
        hub=make_hub(settings.redis_url),
        inbox=inbox,
        extras={"channels": channel_rt, "asr": asr, "redis": redis_client},
    )


def _product_names(tenant_dir: Path) -> list[str]:
    """Product names from the tenant's vocabulary.yaml (optional) for the ASR prompt; none without the file."""
    import yaml

    path = tenant_dir / "vocabulary.yaml"
    if not path.is_file():
        return []
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise UserError(f"{path}: {exc}", reason="tenant_config_invalid") from exc
    return [str(n) for n in data.get("product_names", [])]


def mount_channel_routes(app: Any, services: Services) -> None:
    """Tencent callbacks under /channels (signature-authenticated, not API keys)."""
    runtime = services.extras.get("channels")
    if runtime is not None and not getattr(app.state, "channels_mounted", False):
        app.include_router(runtime.router, prefix="/channels")
        app.state.channels_mounted = True


def mount_voice_routes(app: Any, services: Services) -> None:
    """Live call audio over WebSocket: each final customer segment runs through the same graph as chat; the
    suggestion streams back on the socket. Partials, finals, suggestions and the wrap-up are mirrored to the agent
    desktop through the hub (topic call:<call_id>). The socket needs an agent or admin API key (?api_key= or the
    X-API-Key header)."""
    from fastapi import Depends, WebSocket
    from fastapi.concurrency import run_in_threadpool

    from channels.voice import build_voice_router
    from copilot.auth import actor_for_key, require

    asr = services.extras.get("asr")
    if asr is None or getattr(app.state, "voice_mounted", False):
        return

    async def authorize(websocket: WebSocket) -> None:
        key = websocket.query_params.get("api_key") or websocket.headers.get("x-api-key", "")
        actor = actor_for_key(key.strip(), services.settings)
        if actor.role not in ("agent", "admin"):
            raise AccessDenied(f"role {actor.role!r} may not stream call audio", reason="wrong_role")

    def on_frame(call_id: str, frame: dict[str, Any]) -> None:
        if frame.get("type") in ("partial", "final"):
            services.hub.publish(f"call:{call_id}", frame)

    async def on_final(msg: InboundMessage) -> dict[str, Any] | None:
        actor = Actor(id=msg.rep_ref or "agent", role="agent", call_customer_ref=msg.customer_ref)
        suggestion = await run_in_threadpool(services.handle_message, msg, actor)
        if suggestion is None:
            return None
        payload = suggestion.model_dump(mode="json")
        services.hub.publish(f"call:{msg.conversation_id}", {"type": "suggestion", "suggestion": payload})
        return payload

    async def on_hangup(summary: dict[str, Any]) -> dict[str, Any] | None:
        actor = Actor(
            id=summary.get("agent_ref") or "agent", role="agent", call_customer_ref=summary["customer_ref"]
        )
        try:
            wrap = await run_in_threadpool(
                services.copilot.wrap_up, summary["call_id"], actor, tenant=summary.get("tenant", "demo")
            )
        except NotFound:  # a call with no customer turn has nothing to wrap up
            return None
        payload = wrap.model_dump(mode="json")
        services.hub.publish(f"call:{summary['call_id']}", {"type": "wrapup", "suggestion": payload})
        return payload

    status_guard = [Depends(require("admin"))]  # live call ids and ASR load are operator information
    app.include_router(
        build_voice_router(
            asr, on_final, on_hangup, authorize=authorize, on_frame=on_frame, status_dependencies=status_guard
        )
    )
    app.state.voice_mounted = True
