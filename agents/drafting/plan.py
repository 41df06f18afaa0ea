"""`DraftPlan`: what the answer-first draft must say, decided before any wording.

The reasoning step computes the answer (policy × this customer's data) and the decide step picks the next step; the
template composer turns a plan into text without a model, and an LLM may only re-phrase it. The computed facts are
locked slots: a phrased draft that drops or changes one is discarded and the template text is used instead."""

from __future__ import annotations

from dataclasses import dataclass, field

from contract.suggestions import Citation


@dataclass(frozen=True)
class Slot:
    """A computed fact that must appear verbatim in the sent text (e.g. "2.5%", "2027-03-14", "86 万元")."""

    text: str
    evidence_id: str
    marker: str  # the [n] marker that cites it


@dataclass(frozen=True)
class TenantVoice:
    """How the tenant's reps speak, from the tenant folder's profile.yaml (never from code)."""

    company: str = ""
    persona: str = ""  # who drafts: e.g. the rep's role
    tone: str = ""
    sign_off: str = ""


@dataclass(frozen=True)
class DraftPlan:
    lang: str  # "zh" | "en"
    addressee: str  # how to address the customer (CRM contact: salutation or name + title); "" → neutral
    voice: TenantVoice
    answer: str  # the answer sentence as the template writes it, with [n] markers ("" when there is nothing to answer)
    next_step: str  # the next step (the chosen action), with [n] markers; never a promise of approval
    template_text: str  # the complete template draft: the fallback and the no-LLM draft
    slots: tuple[Slot, ...] = ()
    citations: tuple[Citation, ...] = ()
    customer_text_masked: str = ""  # what the customer said, masked: context only, never to be repeated
    notes: tuple[str, ...] = field(default_factory=tuple)  # e.g. "needs approval: …" — never promised

    def missing_slots(self, text: str) -> list[Slot]:
        """The locked slots a phrased text dropped or altered."""
        return [s for s in self.slots if s.text not in text]
