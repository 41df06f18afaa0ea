"""Copy-on-write containers for the snapshot's per-version and per-row views. A write changes a few entries of maps
and lists that hold one entry per document version (12k at 100k chunks) or per chunk; copying them on every write
costs ~1 ms each with cold caches, which is what made the first query after a write slow. These share the big base
with every older snapshot and layer the few changes on top; the layers are folded into a new base once they grow past
a fraction of it, so reads stay dict-fast and the fold is amortised over many writes."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Generic, TypeVar, overload

K = TypeVar("K")
V = TypeVar("V")
T = TypeVar("T")

_FOLD_AT = (
    256  # layered entries before a fold (and at least 1/8 of the base), so a fold is rare and amortised
)


class LayeredMap(Mapping[K, V], Generic[K, V]):
    """An immutable mapping: a shared base dict, a small dict of entries set since, and the base keys deleted since.
    Iteration order is the base's (minus deleted or re-set keys), then the entries set since, like a dict that had
    each changed key deleted and set again."""

    __slots__ = ("_base", "_over", "_gone", "_len")

    def __init__(
        self, base: dict[K, V], over: dict[K, V] | None = None, gone: frozenset[K] = frozenset()
    ) -> None:
        self._base, self._over, self._gone = base, over or {}, gone
        hidden = sum(1 for k in gone if k in base) + sum(1 for k in self._over if k in base and k not in gone)
        self._len = len(base) - hidden + len(self._over)

    def __getitem__(self, key: K) -> V:
        over = self._over
        if key in over:
            return over[key]
        if key in self._gone:
            raise KeyError(key)
        return self._base[key]

    def __contains__(self, key: object) -> bool:
        return key in self._over or (key not in self._gone and key in self._base)

    def __iter__(self) -> Iterator[K]:
        if not self._over and not self._gone:
            return iter(self._base)
        return self._iter()

    def _iter(self) -> Iterator[K]:
        over, gone = self._over, self._gone
        for k in self._base:
            if k not in over and k not in gone:
                yield k
        yield from over

    def __len__(self) -> int:
        return self._len

    def changed(self, set_: Mapping[K, V], delete: Iterable[K] = ()) -> LayeredMap[K, V]:
        """A new map with `delete` removed, then `set_` set (this one is unchanged)."""
        delete = set(delete)
        # a key set again moves to the end, as in a dict where it was deleted and set again
        over = {k: v for k, v in self._over.items() if k not in delete and k not in set_}
        over.update(set_)
        gone = (self._gone | {k for k in delete if k in self._base}) - set_.keys()
        if len(over) + len(gone) > max(_FOLD_AT, len(self._base) // 8):
            folded = {k: self._base[k] for k in self._base if k not in gone and k not in over}
            folded.update(over)
            return LayeredMap(folded)
        # a re-set base key stays in `gone` only if it is not in `over`: iteration skips base keys found in `over`
        return LayeredMap(self._base, over, frozenset(gone))


class AppendOnlyRows(Generic[T]):
    """An immutable sequence that grows at the end: a shared base list plus the items appended since; folded into a
    new base once the tail passes 1/8 of it."""

    __slots__ = ("_base", "_tail", "_n")

    def __init__(self, base: list[T], tail: tuple[T, ...] = ()) -> None:
        self._base, self._tail, self._n = base, tail, len(base)

    @overload
    def __getitem__(self, i: int) -> T: ...
    @overload
    def __getitem__(self, i: slice) -> list[T]: ...
    def __getitem__(self, i: int | slice) -> T | list[T]:
        if isinstance(i, slice):
            return list(self)[i]
        if i < 0:
            i += len(self)
        return self._base[i] if i < self._n else self._tail[i - self._n]

    def __len__(self) -> int:
        return self._n + len(self._tail)

    def __iter__(self) -> Iterator[T]:
        yield from self._base
        yield from self._tail

    def __add__(self, more: list[T]) -> AppendOnlyRows[T]:
        tail = self._tail + tuple(more)
        if len(tail) > max(_FOLD_AT * 8, self._n // 8):
            return AppendOnlyRows([*self._base, *tail])
        return AppendOnlyRows(self._base, tail)
