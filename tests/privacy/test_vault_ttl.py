"""The in-process vault (one-box deployments) forgets raw values after COPILOT_PII_VAULT_TTL_S like the Redis vault:
unmasking after the TTL finds tokens only."""

from __future__ import annotations

import time

from copilot.privacy.reveal import reveal
from copilot.settings import REPO_ROOT
from guardrails.pii import MemoryVault, RuleMasker
from guardrails.pipeline import build_guardrails

MOBILE = "15927630814"


def test_memory_vault_forgets_a_conversation_after_its_ttl_and_refreshes_on_use() -> None:
    vault = MemoryVault(ttl_s=1.0)
    masker = RuleMasker(vault)
    masked = masker.mask(f"我手机 {MOBILE}", vault_key="demo:c-ttl").text
    assert MOBILE not in masked
    time.sleep(0.6)
    assert masker.mask(f"再说一遍 {MOBILE}", vault_key="demo:c-ttl").text == masked.replace(
        "我手机", "再说一遍"
    )
    time.sleep(0.6)  # 1.2 s after the first use, 0.6 s after the last: still there (the TTL restarts on use)
    assert MOBILE in reveal(masked, vault.values("demo:c-ttl")).text
    time.sleep(1.2)
    shown = reveal(masked, vault.values("demo:c-ttl"))
    assert MOBILE not in shown.text and shown.missing


def test_embedded_guardrails_use_the_configured_ttl() -> None:
    guards = build_guardrails(REPO_ROOT / "copilot" / "tenants" / "demo" / "rails.yaml", vault_ttl_s=0)
    masked = guards.pii.mask(f"号码 {MOBILE}", vault_key="demo:c-ttl0").text
    time.sleep(0.01)
    assert reveal(masked, guards.pii.vault.values("demo:c-ttl0")).missing
    default = build_guardrails(REPO_ROOT / "copilot" / "tenants" / "demo" / "rails.yaml")
    masked = default.pii.mask(f"号码 {MOBILE}", vault_key="demo:c-ttl1").text
    assert MOBILE in reveal(masked, default.pii.vault.values("demo:c-ttl1")).text
