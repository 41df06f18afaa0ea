"""The candidate span every recogniser yields; the resolver keeps the best non-overlapping ones."""

from __future__ import annotations

from dataclasses import dataclass

MIN_SCORE = 0.5  # below this a candidate is not masked (e.g. a C-prefixed code with no permit cue nearby)


@dataclass(frozen=True, slots=True)
class Candidate:
    entity: str
    start: int
    end: int
    score: float
    # a PERSON confirmed by what surrounds it (a strong cue, a title, the CRM's list, a name field, a number after it),
    # not guessed (after a role noun): a guess that is also an ordinary word is not carried to later turns
    confirmed: bool = False

    @property
    def length(self) -> int:
        return self.end - self.start


def resolve(candidates: list[Candidate], text_len: int) -> list[Candidate]:
    """Greedy by score, then length: a checksum-valid resident ID beats the bank card its digits also pass as."""
    taken = bytearray(text_len + 1)
    kept: list[Candidate] = []
    for c in sorted(candidates, key=lambda c: (-c.score, -c.length, c.start)):
        if c.score < MIN_SCORE or any(taken[c.start : c.end]):
            continue
        taken[c.start : c.end] = b"\x01" * c.length
        kept.append(c)
    return sorted(kept, key=lambda c: c.start)
