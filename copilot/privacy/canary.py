"""Canary identities and the byte scan: fake but valid people (resident ID with its check digit, a mobile, a
Luhn-valid bank card, a name) are planted in customer content, and every persisted byte is then searched for them.

The scan reads each file (or Redis value) as text, undoes JSON \\uXXXX escapes, turns Chinese digits into ASCII and
drops separators, so a value stored spoken (一三八…), spaced (138 1762 4590) or escaped is still found."""

from __future__ import annotations

import random
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from contract.numerals import han_to_ascii
from guardrails.pii.checksums import luhn_valid, resident_id_check_digit

_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾萧田董潘袁蔡蒋余于杜叶程魏苏吕丁沈任姚卢傅钟姜崔谭廖范汪陆金石戴贾韦夏邱方侯邹熊孟秦白江阎薛尹段雷黎史龙陶贺顾毛郝龚邵万钱严赖覃洪武莫孔"
_GIVEN = "嘉琰思源晓彤若溪梓萱子墨宇轩浩然欣怡雨桐沐辰一诺语嫣俊熙瑾瑜书瑶昊天景行亦凡"
_AREAS = ("310112", "330106", "320508", "110105", "440305", "510107", "420106", "370202")
_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")
_SEPARATORS = re.compile(r"[\s\-－,，、.·]+")


@dataclass(frozen=True)
class Canary:
    name: str
    mobile: str
    resident_id: str
    bank_card: str

    def values(self) -> dict[str, str]:
        return {
            "name": self.name,
            "mobile": self.mobile,
            "resident_id": self.resident_id,
            "bank_card": self.bank_card,
        }


def _digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(n))


def make_canaries(n: int, seed: int = 2121) -> list[Canary]:
    """`n` distinct fake people; values are valid (check digits) so the masker has no excuse to skip them."""
    rng = random.Random(seed)
    out: list[Canary] = []
    seen: set[str] = set()
    while len(out) < n:
        name = rng.choice(_SURNAMES) + rng.choice(_GIVEN) + rng.choice(_GIVEN)
        mobile = "1" + rng.choice("3589") + _digits(rng, 9)
        body = (
            rng.choice(_AREAS) + f"{rng.randint(1960, 2002)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
        )
        body += _digits(rng, 3)
        resident_id = body + resident_id_check_digit(body)
        card = "622848" + _digits(rng, 12)
        card += next(d for d in "0123456789" if luhn_valid(card + d))
        if name in seen or mobile in seen:
            continue
        seen.update((name, mobile))
        out.append(Canary(name, mobile, resident_id, card))
    return out


# ---- how a canary is said or written -------------------------------------------------------------------------------

_HAN = "零一二三四五六七八九"


def spoken(value: str, *, yao: bool = True) -> str:
    """一三八… with 幺 for 1 (how a caller reads a number out), X said as 叉."""
    return "".join(("幺" if d == "1" and yao else _HAN[int(d)]) if d.isdigit() else "叉" for d in value)


def grouped(value: str, sizes: Iterable[int], sep: str = " ") -> str:
    out, i = [], 0
    for size in sizes:
        out.append(value[i : i + size])
        i += size
    if i < len(value):
        out.append(value[i:])
    return sep.join(out)


def mixed(value: str) -> str:
    """一三八 1762 四五九零: the first and last groups spoken, the middle one in digits."""
    return f"{spoken(value[:3])} {value[3:7]} {spoken(value[7:], yao=False)}"


# ---- scanning ------------------------------------------------------------------------------------------------------


def normalise_haystack(text: str) -> str:
    text = _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)
    return _SEPARATORS.sub("", han_to_ascii(text.replace("叉", "X").replace("幺", "1")))


@dataclass
class Finding:
    store: str
    where: str
    canary: int
    field: str


@dataclass
class StoreScan:
    store: str
    items_scanned: int = 0
    bytes_scanned: int = 0
    findings: list[Finding] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "items_scanned": self.items_scanned,
            "bytes_scanned": self.bytes_scanned,
            "canaries_leaked": len({(f.canary, f.field) for f in self.findings}),
            "findings": [f.__dict__ for f in self.findings[:20]],
        }


class Scanner:
    def __init__(self, canaries: list[Canary]) -> None:
        self.canaries = canaries
        self.numbers = [
            (i, fname, value.upper())
            for i, c in enumerate(canaries)
            for fname, value in c.values().items()
            if fname != "name"
        ]
        self.names = [(i, c.name) for i, c in enumerate(canaries)]

    def scan_text(self, text: str, store: StoreScan, where: str) -> None:
        store.items_scanned += 1
        store.bytes_scanned += len(text)
        plain = _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)
        for i, name in self.names:
            if name in plain:
                store.findings.append(Finding(store.store, where, i, "name"))
        flat = normalise_haystack(text).upper()
        for i, fname, value in self.numbers:
            if value in flat:
                store.findings.append(Finding(store.store, where, i, fname))

    def scan_bytes(self, data: bytes, store: StoreScan, where: str) -> None:
        self.scan_text(data.decode("utf-8", errors="ignore"), store, where)

    def scan_files(self, paths: Iterable[Path], store: StoreScan, root: Path) -> None:
        for path in paths:
            if path.is_file():
                self.scan_bytes(path.read_bytes(), store, str(path.relative_to(root)))

    def scan_redis(self, url: str, store: StoreScan, *, skip_prefix: str = "") -> list[str]:
        """Every key's value (strings, hashes, lists, sets, sorted sets, streams). Returns the keys skipped."""
        import redis

        client = redis.Redis.from_url(url)
        skipped: list[str] = []
        for raw_key in client.scan_iter(count=500):
            key = raw_key.decode(errors="replace")
            if skip_prefix and key.startswith(skip_prefix):
                skipped.append(key)
                continue
            self.scan_bytes(b"".join(_redis_value(client, raw_key)) + raw_key, store, key)
        client.close()
        return skipped


def _redis_value(client: Any, key: bytes) -> Iterator[bytes]:
    kind = client.type(key).decode()
    if kind == "string":
        yield client.get(key) or b""
    elif kind == "hash":
        for k, v in client.hgetall(key).items():
            yield k + b"\x00" + v
    elif kind == "list":
        yield from client.lrange(key, 0, -1)
    elif kind == "set":
        yield from client.smembers(key)
    elif kind == "zset":
        yield from (m for m, _ in client.zrange(key, 0, -1, withscores=True))
    elif kind == "stream":
        for _id, fields in client.xrange(key):
            for k, v in fields.items():
                yield k + b"\x00" + v
    else:  # ReJSON and other module types: the serialised dump still holds the bytes
        yield client.dump(key) or b""
