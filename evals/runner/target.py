"""What the runner drives: a `CaseTarget` turns one inbound message into a Suggestion. The production target wraps
`copilot.wiring.build_services` (imported lazily: evals sits at the entry-point level); tests use small scripted ones."""

from __future__ import annotations

import importlib
import tempfile
import threading
from datetime import date
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from contract import InboundMessage, Suggestion, UserError
from contract.ports import Actor


@runtime_checkable
class CaseTarget(Protocol):
    def run_turn(self, msg: InboundMessage, actor: Actor) -> Suggestion | None:
        """The suggestion for this message (None when the target makes none, e.g. for a rep's own message)."""
        ...

    def reset(self) -> None:
        """Called once before a run: drop conversation state so the run starts fresh."""
        ...


def describe_target(target: Any) -> dict[str, Any]:
    """The target's own description (settings, models) when it offers one: recorded in the run and hashed into the
    case cache key, so a configuration change never reuses stale results."""
    describe = getattr(target, "describe", None)
    info = dict(describe()) if callable(describe) else {}
    info.setdefault("class", f"{type(target).__module__}.{type(target).__qualname__}")
    return info


def _mask_secrets(data: Any) -> Any:
    if isinstance(data, dict):
        return {
            k: ("***" if any(s in k for s in ("key", "token", "secret")) and v else _mask_secrets(v))
            for k, v in data.items()
        }
    return data


def data_root(settings_overrides: dict[str, Any] | None = None) -> Path:
    """The data directory an eval run may write into: the config's `settings.data_dir`, else COPILOT_DATA_DIR, else
    the default (./var). Run files, caches and the run's fresh stores all go under it; nothing else is written."""
    from copilot.settings import Settings

    overrides = dict(settings_overrides or {})
    if "data_dir" in overrides:
        return Path(str(overrides["data_dir"]))
    return Path(Settings().data_dir)


class ServicesTarget:
    """The real graph through `copilot.wiring`. On first use: fresh stores in a temporary folder inside the data
    directory (or the settings' data_dir itself when they name one), the tenant's CRM and policies loaded into it, then
    the services. The checkpointer is in-memory: evals never share conversation state with a server. The shared
    policy-embedding cache lives in `cache_root` (None: no sharing, nothing written outside the run's stores)."""

    thread_safe = True

    def __init__(
        self,
        settings_overrides: dict[str, Any] | None = None,
        *,
        use_llm: bool | None = None,
        load_tenant: bool = True,
        policies_subdir: str = "policies",
        crm_subdir: str = "crm",
        cache_root: Path | None = None,
        as_of: date | None = None,
        tenant: str = "",
    ) -> None:
        self.overrides = dict(settings_overrides or {})
        if tenant:
            self.overrides.setdefault("tenant", tenant)
        self.use_llm = use_llm
        self.load_tenant = load_tenant
        self.subdirs = (policies_subdir, crm_subdir)
        self.cache_root = cache_root
        self.as_of = as_of
        self.loaded: dict[str, Any] = {}
        self._services: Any = None
        self._lock = threading.Lock()
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        self._fingerprint = ""

    def _settings(self) -> Any:
        from copilot.settings import Settings

        values = {"checkpointer": "memory", **self.overrides}
        if "data_dir" not in values:
            if self._tmp is None:
                root = data_root(self.overrides)
                root.mkdir(parents=True, exist_ok=True)  # a data directory that does not exist yet is created
                self._tmp = tempfile.TemporaryDirectory(prefix="eval-stores-", dir=root)
            values["data_dir"] = Path(self._tmp.name)
        else:
            Path(str(values["data_dir"])).mkdir(parents=True, exist_ok=True)
        return Settings(**values)

    def services(self) -> Any:
        with self._lock:
            if self._services is None:
                from copilot.wiring import build_services  # lazy: the lead's composition root
                from evals.runner import tenant_loader

                settings = self._settings()
                if self.load_tenant:  # the CRM before wiring: wiring checks that its database exists
                    tenant_loader.restore_embed_cache(settings, self.cache_root)
                    self.loaded["crm"] = tenant_loader.prepare_crm(
                        settings, settings.tenant_dir, self.subdirs[1], as_of=self.as_of
                    )
                services = build_services(settings, use_llm=self.use_llm)
                if self.load_tenant:
                    self.loaded["policies"] = tenant_loader.ingest_policies(
                        services, settings.tenant_dir, self.subdirs[0]
                    )
                    tenant_loader.save_embed_cache(settings, self.cache_root)
                self._services = services
            return self._services

    def run_turn(self, msg: InboundMessage, actor: Actor) -> Suggestion | None:
        return self.services().handle_message(msg, actor)  # type: ignore[no-any-return]

    def warm_up(self, msg: InboundMessage, actor: Actor) -> None:
        """Build the services, load the tenant and the models behind one throwaway message (not timed)."""
        self.services().handle_message(msg, actor)

    def ledger_inputs(self, suggestion: Suggestion, actor: Actor) -> dict[str, Any] | None:
        """The inputs the ledger recorded for this suggestion (searched for planted PII)."""
        try:
            view = self.services().suggestion_view(suggestion.id, actor)
        except Exception:  # the view is optional evidence; its absence is not a case failure
            return None
        return view.get("inputs") if isinstance(view, dict) else None

    def reset(self) -> None:
        """Conversation state is per run already (fresh conversation ids, in-memory checkpointer): keep the stores."""
        return None

    def close(self) -> None:
        with self._lock:
            if self._services is not None:
                self._services.close()
                self._services = None
            if self._tmp is not None:  # the fresh stores go with the target
                self._tmp.cleanup()
                self._tmp = None

    def describe(self) -> dict[str, Any]:
        try:
            settings = self._settings().model_dump(mode="json")
        except Exception as exc:  # invalid overrides show up in the record, and fail on the first turn
            settings = {"invalid": str(exc), **self.overrides}
        settings.pop("data_dir", None)
        if not self._fingerprint and settings.get("tenant_dir"):
            from evals.runner.tenant_loader import tenant_fingerprint

            tenant = Path(str(settings["tenant_dir"]))
            self._fingerprint = tenant_fingerprint(tenant) if tenant.is_dir() else "missing"
        return {
            "kind": "services",
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "use_llm": self.use_llm,
            "load_tenant": self.load_tenant,
            "tenant_fingerprint": self._fingerprint,
            "settings": _mask_secrets(settings),
        }


def services_target(
    settings_overrides: dict[str, Any] | None = None, *, use_llm: bool | None = None, load_tenant: bool = True
) -> ServicesTarget:
    """The real copilot as an eval target: on first use a fresh data dir (unless the overrides name one), the tenant's
    CRM and policies loaded into it, then `build_services(Settings(**overrides), use_llm=...)`."""
    return ServicesTarget(settings_overrides, use_llm=use_llm, load_tenant=load_tenant)


class ReplayTarget:
    """Answers from the suggestions stored in an earlier run (keyed by message id): re-scores a run with new
    expectations or metrics without running the graph again. A message it has no answer for raises."""

    thread_safe = True

    def __init__(self, run_path: str | Path) -> None:
        from evals.runner.results import RunResult

        self.run_path = str(run_path)
        run = RunResult.load(run_path)
        self.answers = {
            t.message_id: t.suggestion for c in run.cases for t in c.turns if t.suggestion is not None
        }

    def run_turn(self, msg: InboundMessage, actor: Actor) -> Suggestion | None:
        found = self.answers.get(msg.message_id)
        if found is None:
            raise KeyError(f"no recorded suggestion for {msg.message_id}")
        return Suggestion.model_validate(found)

    def reset(self) -> None:
        return None

    def describe(self) -> dict[str, Any]:
        return {"kind": "replay", "run": self.run_path}


def target_from_config(
    config: dict[str, Any],
    *,
    tenant_dir: Path | None = None,
    tenant: Any = None,
    cache_root: Path | None = None,
) -> CaseTarget:
    """`target: services` (default) | `replay` (with `replay_run`) | `package.module:factory` (called with the config).
    `settings` are Settings overrides; a suite's tenant folder becomes `tenant_dir` unless the config names one, and
    its `policies` / `crm` sub-folders, `as_of` and `id` (a suite's TenantRef) say how the runner loads it.
    `cache_root`: where the policy-embedding cache is shared between runs (None: not shared)."""
    kind = str(config.get("target", "services"))
    if kind == "services":
        overrides = dict(config.get("settings") or {})
        if tenant_dir is not None:
            overrides.setdefault("tenant_dir", str(tenant_dir))
        as_of_time = tenant.as_of_time() if hasattr(tenant, "as_of_time") else None
        tenant_id = (getattr(tenant, "id", None) or (tenant_dir.name if tenant_dir else "")) if tenant else ""
        return ServicesTarget(
            overrides,
            use_llm=config.get("use_llm"),
            load_tenant=bool(config.get("load_tenant", True)),
            policies_subdir=str(config.get("policies_subdir", getattr(tenant, "policies", "policies"))),
            crm_subdir=str(config.get("crm_subdir", getattr(tenant, "crm", "crm"))),
            cache_root=cache_root,
            as_of=as_of_time.date() if as_of_time else None,
            tenant=tenant_id,
        )
    if kind == "replay":
        return ReplayTarget(config["replay_run"])
    if ":" in kind:
        module, _, attr = kind.partition(":")
        factory = getattr(importlib.import_module(module), attr)
        target: CaseTarget = factory(config)
        return target
    raise UserError(
        f"unknown eval target {kind!r}; use services, replay or module:factory", reason="eval_target"
    )
