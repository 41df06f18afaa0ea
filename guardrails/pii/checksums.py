"""Check digits of the identifiers we recognise. A checksum is what separates an identifier from a look-alike number
(an order number, an amount), so every recogniser that has one uses it."""

from __future__ import annotations

from datetime import date

# GB 11643: ISO 7064 MOD 11-2 over the first 17 digits of a resident ID.
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
# Province-level codes of GB/T 2260 (81/82/83: residence permits of HK / Macau / Taiwan residents).
PROVINCE_CODES = frozenset(
    [
        "11",
        "12",
        "13",
        "14",
        "15",
        "21",
        "22",
        "23",
        "31",
        "32",
        "33",
        "34",
        "35",
        "36",
        "37",
        "41",
        "42",
        "43",
        "44",
        "45",
        "46",
        "50",
        "51",
        "52",
        "53",
        "54",
        "61",
        "62",
        "63",
        "64",
        "65",
        "71",
        "81",
        "82",
        "83",
    ]
)


def _valid_birth(year: int, month: int, day: int) -> bool:
    try:
        born = date(year, month, day)
    except ValueError:
        return False
    return date(1900, 1, 1) <= born <= date.today()


def resident_id_structure(value: str) -> bool:
    """Province code and birth date plausible (18 or 15 characters), whatever the check digit."""
    if len(value) == 18:
        if not value[:17].isdigit() or value[17] not in "0123456789Xx":
            return False
        return value[:2] in PROVINCE_CODES and _valid_birth(
            int(value[6:10]), int(value[10:12]), int(value[12:14])
        )
    if len(value) == 15 and value.isdigit():
        return value[:2] in PROVINCE_CODES and _valid_birth(
            1900 + int(value[6:8]), int(value[8:10]), int(value[10:12])
        )
    return False


def resident_id_check_digit(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def resident_id_valid(value: str) -> bool:
    """18-digit IDs need the right check digit; 15-digit (pre-1999) IDs have none, so structure is all there is."""
    if not resident_id_structure(value):
        return False
    return len(value) == 15 or resident_id_check_digit(value[:17]) == value[17].upper()


def luhn_valid(digits: str) -> bool:
    if not digits.isdigit():
        return False
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


# GB 32100-2015 统一社会信用代码: 18 characters over a 31-symbol alphabet, MOD 31 check.
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def uscc_valid(value: str) -> bool:
    value = value.upper()
    if len(value) != 18 or any(c not in USCC_ALPHABET for c in value) or not value[2:8].isdigit():
        return False
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(value[:17], _USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31] == value[17]


def hk_id_valid(value: str) -> bool:
    """HKID: one or two letters, six digits, check digit 0-9 or A (MOD 11, a missing first letter counts as 36)."""
    body = value.upper().replace("(", "").replace(")", "").replace("（", "").replace("）", "")
    letters = body[:-7]
    digits, check = body[-7:-1], body[-1]
    if (
        len(letters) not in (1, 2)
        or not letters.isalpha()
        or not digits.isdigit()
        or check not in "0123456789A"
    ):
        return False
    chars = ([36] if len(letters) == 1 else []) + [ord(c) - 55 for c in letters] + [int(d) for d in digits]
    total = sum(v * w for v, w in zip(chars, range(9, 1, -1), strict=True))
    expected = (11 - total % 11) % 11
    return check == ("A" if expected == 10 else str(expected))


_TW_LETTERS = "ABCDEFGHJKLMNPQRSTUVXYWZIO"  # A=10 … in the order the ministry assigned them


def tw_id_valid(value: str) -> bool:
    value = value.upper()
    if len(value) != 10 or value[0] not in _TW_LETTERS or value[1] not in "12" or not value[1:].isdigit():
        return False
    code = _TW_LETTERS.index(value[0]) + 10
    total = (
        code // 10
        + (code % 10) * 9
        + sum(int(d) * w for d, w in zip(value[1:9], range(8, 0, -1), strict=True))
    )
    return (total + int(value[9])) % 10 == 0


def ssn_valid(area: str, group: str, serial: str) -> bool:
    return area not in ("000", "666") and not area.startswith("9") and group != "00" and serial != "0000"
