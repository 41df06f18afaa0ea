"""A CRM fact states its number with every digit: an order amount of 1,287,065.5 is never shown as "1.28707e+06"
(the rep reads it, and the reasoning tools parse the value back out of the fact)."""

from __future__ import annotations

import pytest

from knowledge.crm.facts import _shown


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (1287060.0, "1287060"),
        (1287065.5, "1287065.5"),
        (86.0, "86"),
        (2.5, "2.5"),
        (0.1, "0.1"),
        (123456789.125, "123456789.125"),
        (1e-7, "0.0000001"),
    ],
)
def test_numbers_keep_every_digit(value: float, shown: str) -> None:
    assert _shown(value) == shown
    assert float(_shown(value)) == value
