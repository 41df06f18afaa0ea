"""Domain priming for Whisper: hotwords (tenant product names) go into the initial prompt (`<|startofprev|>` tokens),
which is exactly what faster-whisper's `hotwords=` does; a simplified-Chinese prompt also keeps the output simplified."""

from __future__ import annotations


def tenant_prompt(product_names: list[str], *, domain: str = "骨科耗材与医疗设备") -> str:
    """An initial prompt that primes Whisper with the tenant's product names (and simplified Chinese)."""
    names = "、".join(dict.fromkeys(n.strip() for n in product_names if n.strip()))
    # A closed sentence: a prompt ending in a list invites the model to continue the list into the transcript.
    return f"以下是客户关于{names}等{domain}的普通话咨询。" if names else "以下是客户的普通话咨询。"
