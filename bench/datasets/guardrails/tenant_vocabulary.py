"""Where the synthetic dataset generators get their words: `<tenant>/synthetic/<generator>.yaml`, by default in the
demo tenant's folder (copilot/tenants/demo, found from this file's place in the repository, no settings needed).

The generators keep the logic (slots, fake values, seeds, mixing); the tenant folder keeps the domain: sentence
templates, policy snippets, product and company names. The order of every list is part of the dataset: the generators'
random draws index into it, so reordering a file changes the generated set.

Imports nothing from guardrails/ (the sets grade the detectors, they must not share their logic)."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import TypedDict, TypeGuard

import yaml

REPO = Path(__file__).resolve().parents[3]
DEFAULT_TENANT_DIR = REPO / "copilot" / "tenants" / "demo"


class VocabularyError(ValueError):
    """A generator's vocabulary file is missing, is not YAML, or lacks a key / has the wrong shape."""


class Evidence(TypedDict):
    id: str
    content: str


class GroundingCase(TypedDict):
    evidence: Evidence
    draft: str
    plants: list[tuple[str, str, str]]  # (kind, text in the draft, the wrong text planted instead)


@functools.cache
def _read(path: Path) -> dict[str, object]:
    if not path.is_file():
        raise VocabularyError(
            f"{path}: no such file (a generator's words live in <tenant>/synthetic/<generator>.yaml)"
        )
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise VocabularyError(f"{path}: not valid YAML ({exc})") from None
    if not isinstance(data, dict):
        raise VocabularyError(f"{path}: expected a mapping of named lists")
    return data


def _is_texts(value: object, width: int | None = None) -> TypeGuard[list[str]]:
    return (
        isinstance(value, list)
        and all(isinstance(v, str) for v in value)
        and (width is None or len(value) == width)
    )


class Vocabulary:
    """One generator's words in one tenant folder. Every accessor returns a fresh copy (the file is read once)."""

    def __init__(self, generator: str, tenant_dir: Path | None = None) -> None:
        self.path = ((tenant_dir or DEFAULT_TENANT_DIR) / "synthetic" / f"{generator}.yaml").resolve()
        self._data = _read(self.path)

    def _get(self, key: str) -> object:
        if key not in self._data:
            raise VocabularyError(f"{self.path}: missing key {key!r}")
        return self._data[key]

    def _bad(self, key: str, shape: str) -> VocabularyError:
        return VocabularyError(f"{self.path}: {key!r} must be {shape}")

    def texts(self, key: str) -> list[str]:
        value = self._get(key)
        if not _is_texts(value):
            raise self._bad(key, "a list of strings")
        return list(value)

    def pairs(self, key: str) -> list[tuple[str, str]]:
        """[[a, b], ...] → [(a, b), ...], e.g. (source, text) or (category, text)."""
        value = self._get(key)
        if not isinstance(value, list) or not all(_is_texts(v, 2) for v in value):
            raise self._bad(key, "a list of [string, string] pairs")
        return [(a, b) for a, b in value]

    def text_lists(self, key: str) -> dict[str, list[str]]:
        """{name: [text, ...]} in file order."""
        value = self._get(key)
        if not isinstance(value, dict) or not all(
            isinstance(k, str) and _is_texts(v) for k, v in value.items()
        ):
            raise self._bad(key, "a mapping of names to lists of strings")
        return {k: list(v) for k, v in value.items()}

    def grounding_cases(self, key: str) -> list[GroundingCase]:
        """[{evidence: {id, content}, draft, plants: [[kind, old, new], ...]}, ...]"""
        value = self._get(key)
        shape = "a list of {evidence: {id, content}, draft, plants: [[kind, old, new], ...]}"
        if not isinstance(value, list):
            raise self._bad(key, shape)
        cases: list[GroundingCase] = []
        for case in value:
            if not isinstance(case, dict):
                raise self._bad(key, shape)
            evidence, draft, plants = case.get("evidence"), case.get("draft"), case.get("plants")
            if (
                not isinstance(evidence, dict)
                or not isinstance(evidence.get("id"), str)
                or not isinstance(evidence.get("content"), str)
                or not isinstance(draft, str)
                or not isinstance(plants, list)
                or not all(_is_texts(p, 3) for p in plants)
            ):
                raise self._bad(key, shape)
            cases.append(
                {
                    "evidence": {"id": evidence["id"], "content": evidence["content"]},
                    "draft": draft,
                    "plants": [(k, old, new) for k, old, new in plants],
                }
            )
        return cases


def injection_set(generator: str, tag: str, tenant_dir: Path | None = None) -> list[dict[str, object]]:
    """A held-out injection set from `<tenant>/synthetic/<generator>.yaml`: its attacks (label 1) then its benign
    look-alikes (label 0), each with its source, a kind `<tag>_attack_<source>` / `<tag>_benign_<source>` and an id in
    file order (`inj-<tag without "heldout">-NNNN`, e.g. inj-h2-0000)."""
    words = Vocabulary(generator, tenant_dir)
    rows: list[dict[str, object]] = [
        {"text": t, "source": s, "label": 1, "kind": f"{tag}_attack_{s}"}
        for s, t in words.pairs("injection_attacks")
    ]
    rows += [
        {"text": t, "source": s, "label": 0, "kind": f"{tag}_benign_{s}"}
        for s, t in words.pairs("injection_benign")
    ]
    short = tag.replace("heldout", "h")
    for n, r in enumerate(rows):
        r["id"] = f"inj-{short}-{n:04d}"
    return rows
