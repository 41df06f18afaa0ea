"""Money in Decimal with the policy's rounding (default: to the fen, half up — 四舍五入到分). Amounts are 元."""

from __future__ import annotations

from decimal import ROUND_DOWN, ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal

ROUNDING = {"half_up": ROUND_HALF_UP, "half_even": ROUND_HALF_EVEN, "down": ROUND_DOWN}


def rounded(value: Decimal, step: str = "0.01", mode: str = "half_up") -> Decimal:
    if mode not in ROUNDING:
        raise ValueError(f"unknown rounding {mode!r}; use one of {sorted(ROUNDING)}")
    return value.quantize(Decimal(step), rounding=ROUNDING[mode])


def percent_of(amount: Decimal, percent: Decimal, step: str = "0.01", mode: str = "half_up") -> Decimal:
    """3.5 % of 820 000 → 28 700.00 (never "3.5万")."""
    return rounded(amount * percent / Decimal(100), step, mode)


def discounted(price: Decimal, percent_off: Decimal, step: str = "0.01", mode: str = "half_up") -> Decimal:
    return rounded(price * (Decimal(100) - percent_off) / Decimal(100), step, mode)


def total(amounts: list[Decimal], step: str = "0.01", mode: str = "half_up") -> Decimal:
    return rounded(sum(amounts, Decimal(0)), step, mode)


def fmt_number(value: Decimal) -> str:
    """2.50 → 2.5, 3 → 3, 0.125 → 0.125 (no trailing zeros, no exponent)."""
    s = format(value.normalize(), "f")
    return s


def fmt_yuan(value: Decimal) -> str:
    """A customer-facing amount: ≥ 1 万 as 万元 with up to two decimals (86.23 万元), else 元 with fen (4,300.50 元)."""
    if abs(value) >= 10000:
        wan = rounded(value / Decimal(10000), "0.01")
        return f"{fmt_number(wan)} 万元"
    return f"{rounded(value, '0.01'):,.2f} 元"


def fmt_yuan_en(value: Decimal) -> str:
    """CNY 345,800.00 — what the English draft states (the grounding check reads it as money)."""
    return f"CNY {rounded(value, '0.01'):,.2f}"
