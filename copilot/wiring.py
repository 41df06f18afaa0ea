"""Composition root: Settings → concrete backends → `Services` (copilot/service.py). It only constructs: the use
cases live in the service, what follows them in copilot/listeners.py, the routes in copilot/api/.

Embedded by default (SQLite ledger and inbox, Chroma directory, in-process hub and call registry); Redis / PostgreSQL /
Chroma server / an OpenAI-compatible LLM by settings alone. Only this module (and the entry points) know which
implementation backs each port.
"""

from __future__ import annotations

import dataclasses
import logging
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from contract import UserError
from contract.ports import ChatModel, TextEmbedder
from copilot.service import Closeable, MessageRefusedError, Pingable, Services, WorkerHandle

if (
    TYPE_CHECKING
):  # the backends import lazily at run time (models, drivers): only what settings choose is loaded
    from langgraph.checkpoint.base import BaseCheckpointSaver

    from channels import SqliteInbox
    from channels.voice import AsrService
    from copilot.ledger import Ledger
    from copilot.scale import RedisStreamInbox
    from knowledge.policy.usage_prior import UsagePrior
from copilot.settings import REPO_ROOT, Settings

log = logging.getLogger("copilot.wiring")


def _lazy_llm(settings: Settings, use_llm: bool) -> ChatModel | None:
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
    from agents.llm.local import LazyLocalLlm

    path = llm.model_path
    return LazyLocalLlm(Path(path).parent if path else settings.model_cache_dir, n_threads=llm.threads)


def _asr(settings: Settings, product_names: list[str]) -> AsrService:
    """One shared ASR worker for live calls and chat voice messages; the backend (whisper / sherpa / openai) loads
    on first use. The tenant vocabulary corrects transcripts after decoding; it primes the decoder only when
    asr.prompt_vocabulary is set (evals/results/bench_voice.md measures both)."""
    from channels.voice import AsrService, tenant_prompt
    from channels.voice.prompt import NEUTRAL_PROMPT
    from channels.voice.vocabulary import VocabularyCorrector

    asr = settings.asr
    return AsrService.from_model_cache(
        settings.model_cache_dir,
        model_dir=asr.model_dir,
        language=asr.language,
        beam_size=asr.beam_size,
        max_calls=asr.max_concurrent_calls,
        backend=asr.backend,
        sherpa_model_dir=asr.sherpa_model_dir,
        sherpa_model_type=asr.sherpa_model_type,
        streaming=asr.streaming,
        base_url=asr.base_url,
        api_key=asr.api_key.get_secret_value(),
        model=asr.model,
        timeout_s=asr.timeout_s,
        initial_prompt=tenant_prompt(product_names) if asr.prompt_vocabulary else NEUTRAL_PROMPT,
        corrector=VocabularyCorrector.from_tenant_dir(settings.tenant_dir),
    )


def open_inbox(settings: Settings) -> SqliteInbox | RedisStreamInbox:  # their item ids differ: int, str
    from copilot.scale import QueueSettings, RedisStreamInbox

    if settings.redis_url:
        return RedisStreamInbox(settings.redis_url, tenant=settings.tenant)
    from channels import SqliteInbox

    queue = QueueSettings()
    return SqliteInbox(
        settings.data_dir / "inbox.sqlite",
        lease_s=queue.lease_s,
        dead_redact_after_s=queue.dead_redact_after_s,
    )


def open_checkpointer(
    kind: str, *, sqlite_path: str | Path, redis_url: str = "", postgres_url: str = ""
) -> BaseCheckpointSaver[str]:
    """The graph's checkpointer (agents.make_checkpointer). On SQLite its WAL is copied into the database file by the
    ledger's checkpoint thread (copilot/ledger/wal.py, one per checkpoint file), not inside a checkpoint write's
    commit: with SQLite's default (1,000 pages) about one suggestion in 200 paid that copy and its two fsyncs in its
    own commit (11-27 ms of wall in bench_agent). SQLite's own checkpoint stays as the backstop (BACKSTOP_PAGES).
    Durability is unchanged: a checkpoint write commits with synchronous=NORMAL as before (agents/checkpoint.py says
    what that keeps), and the thread's PASSIVE checkpoint fsyncs the log before its copy and the database file after,
    as SQLite's own did. That saver has a `close()` (a copilot.service.Closeable: build_services puts it in the
    services' closers) which stops the thread, closing the thread's connection, then closes the saver's."""
    from agents import make_checkpointer

    if kind != "sqlite":
        return make_checkpointer(
            kind, sqlite_path=sqlite_path, redis_url=redis_url, postgres_url=postgres_url
        )
    from copilot.ledger.wal import BACKSTOP_PAGES, WalCheckpointer

    Path(sqlite_path).parent.mkdir(parents=True, exist_ok=True)
    wal = WalCheckpointer(str(Path(sqlite_path).resolve()), name="checkpoints")
    return make_checkpointer(
        "sqlite",
        sqlite_path=sqlite_path,
        sqlite_after_commit=wal.wrote,
        sqlite_wal_autocheckpoint=BACKSTOP_PAGES,
        sqlite_on_close=wal.close,
    )


def build_services(settings: Settings, *, use_llm: bool | None = None) -> Services:
    """Wire every backend from settings. Models (LLM, Whisper, OCR) load lazily on first use.

    Raises UserError with what to do when tenant data is missing (e.g. the CRM was never seeded)."""
    from agents import AgentDeps, Copilot, ModeSettings, TenantConfig
    from agents.perception.ocr import RapidOcrEngine
    from channels import ChannelConfig, build_channels
    from channels.voice import WhisperTranscriber
    from copilot.calls import LocalCalls, RedisCalls
    from copilot.events import EventBus
    from copilot.hub import make_hub
    from copilot.ledger import open_ledger
    from copilot.ledger.otel import tracer_provider_from_env
    from copilot.ledger.witness import WitnessSettings, WitnessTicker, open_witness
    from copilot.listeners import subscribe_all
    from copilot.media import LocalMediaStore, RoutingMediaStore
    from copilot.metrics import ServiceMetrics, declared_sla_ms
    from guardrails import build_guardrails
    from knowledge.crm import build_customer_data
    from knowledge.policy import build_policy_store

    checkpoint_key = settings.ledger_checkpoint_key.get_secret_value()
    if settings.env == "production" and not checkpoint_key:  # before anything is opened or written
        raise UserError(
            "COPILOT_LEDGER_CHECKPOINT_KEY is required in production: the ledger head is signed with it "
            "(generate one with `python -c 'import secrets; print(secrets.token_hex(32))'`)",
            reason="no_checkpoint_key",
        )
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    tenant_dir = settings.tenant_dir
    if not (tenant_dir / "intents.yaml").is_file():
        raise UserError(f"tenant folder {tenant_dir} has no intents.yaml", reason="tenant_missing")
    use_llm = settings.llm.backend != "none" if use_llm is None else use_llm
    redis_client = None
    if settings.redis_url:
        import redis

        redis_client = redis.Redis.from_url(settings.redis_url)

    policy_embedder, intent_embedder = build_embedders(settings)
    policy_store = build_policy_store(
        settings.chroma_url, settings.chroma_dir, settings.policy_catalog_path, embedder=policy_embedder
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
    from copilot.privacy.setup import contact_names, guard_checkpoints, pack_terms, vault_secret

    guards = build_guardrails(
        tenant_dir / "rails.yaml",
        redis_url=settings.redis_url,
        known_names=contact_names(settings.crm_database_url, tenant_dir / "crm" / "mapping.yaml"),
        known_terms=pack_terms(
            tenant_dir
        ),  # products, models, the company: a known name inside one is not a person
        vault_secret=vault_secret(
            settings.pii_vault_key.get_secret_value(), settings.data_dir, env=settings.env
        ),
        vault_ttl_s=settings.pii_vault_ttl_s,
    )
    witness_settings = WitnessSettings()
    ledger = open_ledger(
        settings.ledger_url,
        checkpoint_key=checkpoint_key,
        tracer_provider=tracer_provider_from_env(),
        witness=open_witness(
            witness_settings.witness,
            data_dir=settings.data_dir,
            redis_url=settings.redis_url,
            tenant=settings.tenant,
        ),
    )
    tenant = TenantConfig.load(tenant_dir)
    policy_store.usage_prior = usage_prior_from_ledger(ledger, settings.tenant)
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
        embedder=intent_embedder,
        settings=ModeSettings(
            mode=settings.mode,
            autopilot_min_confidence=settings.autopilot_min_confidence,
            use_llm=use_llm,
            llm_timeout_s=settings.llm.timeout_s,
            max_draft_tokens=settings.llm.max_tokens,
            llm_tool_calling=settings.llm.tool_calling,  # off unless COPILOT_LLM__TOOL_CALLING=true
        ),
        tenant_dir=tenant_dir,  # tools.yaml + profile.yaml (agents/reasoning)
    )
    checkpointer = open_checkpointer(
        settings.checkpointer,
        sqlite_path=settings.checkpoint_path,
        redis_url=settings.redis_url,
        postgres_url=settings.database_url.replace("postgresql+psycopg://", "postgresql://"),
    )
    hub = make_hub(settings.redis_url, settings.tenant)  # channels on a shared Redis are per tenant
    metrics = ServiceMetrics(
        declared_sla_ms(REPO_ROOT / "evals" / "suites" / f"{settings.tenant}.yaml"), tenant=settings.tenant
    )
    bus = EventBus(on_failure=lambda name: metrics.listener_failures.inc(listener=name))
    subscribe_all(
        bus, hub, channel_rt, metrics, vault=guards.pii.vault, masker=guards.pii
    )  # kf replies: unmasked to send
    ticker = WitnessTicker(ledger, witness_settings.witness_interval_s).start()
    probes: dict[str, Pingable] = {"redis": redis_client} if redis_client is not None else {}
    return Services(
        settings=settings,
        policy_store=policy_store,
        customers=customers,
        ledger=ledger,
        copilot=Copilot(
            deps, guard_checkpoints(checkpointer, guards.pii)
        ),  # checkpoints hold masked text only
        hub=hub,
        inbox=inbox,
        calls=RedisCalls(redis_client) if redis_client is not None else LocalCalls(),
        bus=bus,
        metrics=metrics,
        channels=channel_rt,
        guardrails=guards,
        asr=asr,
        tenant_playbooks=list(tenant.playbooks),
        readiness_probes=probes,
        # the graph's checkpointer too: on SQLite its WAL thread and connections (open_checkpointer)
        closers=[ticker, *(c for c in (deps.llm, redis_client, checkpointer) if isinstance(c, Closeable))],
        worker_factory=_embedded_worker,
    )


def build_embedders(settings: Settings) -> tuple[TextEmbedder, TextEmbedder]:
    """The one embedder layer (knowledge.embeddings), built once: (the policy store's, the intent classifier's). One
    instance serves both when `embeddings.intent_backend` names the same model as `embeddings.backend`."""
    from knowledge.embeddings import build_embedder, make_embedder

    emb = settings.embeddings
    policy: TextEmbedder = build_embedder(
        emb.backend,
        model=emb.model,
        base_url=emb.base_url,
        api_key=emb.api_key.get_secret_value(),
        cache_path=settings.data_dir / "embedding_cache.sqlite",
    )
    if emb.intent_backend == emb.backend:
        return policy, policy
    names = emb.intent_backend.split("+")
    if len(names) == 1:
        return policy, make_embedder(names[0])
    from agents.understanding.embedder import JointEmbedder  # several models, fused by the intent classifier

    # A member that is the policy store's model is the policy store's instance: one copy of its weights in memory, and
    # a message the retrieval already embedded as a query comes from the shared query cache instead of a second pass.
    return policy, JointEmbedder(*(policy if n == emb.backend else make_embedder(n) for n in names))


def _embedded_worker(services: Services, worker_id: str) -> WorkerHandle:
    from channels import SqliteInbox
    from copilot.scale import RedisStreamInbox
    from copilot.worker import Worker

    inbox = (
        services.inbox
    )  # the service sees only accept/ack; the worker claims, so it needs the inbox itself
    if not isinstance(inbox, SqliteInbox | RedisStreamInbox):
        raise TypeError(f"no worker for an inbox of type {type(inbox).__name__}")
    return Worker(inbox, services, worker_id=worker_id)


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


from copilot.api.live import mount_channel_routes, mount_voice_routes  # noqa: E402  (routes live in copilot/api)

__all__ = ["MessageRefusedError", "Services", "build_services", "mount_channel_routes", "mount_voice_routes"]


USAGE_HISTORY_DAYS = (
    180  # the accepted evidence the search learns from: recent enough for the policies in force
)
USAGE_HISTORY_MAX = (
    1000  # the newest accepted suggestions read at start-up (τ-Knowledge's plateau: ~50 records)
)


def usage_prior_from_ledger(ledger: Ledger, tenant: str) -> UsagePrior | None:
    """The evidence-usage prior (knowledge/policy/usage_prior.py) from this tenant's newest USAGE_HISTORY_MAX accepted
    and edited suggestions of the last USAGE_HISTORY_DAYS, read at start-up (a restart picks up newer decisions): the
    decisions are read first, then only those suggestions. Off (None) while the tenant has fewer accepted records than
    the prior's minimum (the search is then exactly the plain one), and when the ledger cannot be read (logged)."""
    from sqlalchemy.exc import SQLAlchemyError

    from contract.clock import now
    from contract.errors import CopilotError
    from copilot.ledger.query import accepted_suggestions
    from knowledge.policy.usage_prior import UsagePrior, pairs_from_ledger

    since = now() - timedelta(days=USAGE_HISTORY_DAYS)
    try:
        entries = accepted_suggestions(ledger.engine, tenant=tenant, since=since, limit=USAGE_HISTORY_MAX)
    except (CopilotError, SQLAlchemyError) as exc:
        log.warning("usage prior off: the ledger's accepted suggestions could not be read (%s)", exc)
        return None
    prior = UsagePrior.from_pairs(pairs_from_ledger(entries))
    return prior if prior.active else None
