"""Typed errors, grouped by who must act. They travel as values to the API (4xx/5xx with a reason), the CLI (one line)
and the ledger; never as strings a model reads as a result."""

from __future__ import annotations

from enum import StrEnum


class ErrorCode(StrEnum):
    CONFIG = "config"  # the operator must fix settings or tenant data
    INPUT = "input"  # the caller sent something we refuse
    ACCESS = "access"  # the actor may not see or do this
    NOT_FOUND = "not_found"
    CONFLICT = "conflict"  # e.g. a suggestion already decided
    BACKEND = "backend"  # a dependency (Redis, CRM, LLM, Chroma) is down or slow


class CopilotError(Exception):
    """Base of every error the copilot raises on purpose. `reason` is a short machine-readable slug."""

    code: ErrorCode = ErrorCode.INPUT
    http_status: int = 400

    def __init__(self, message: str, *, reason: str = "", **details: object) -> None:
        super().__init__(message)
        self.message = message
        self.reason = reason or self.code.value
        self.details = details

    def as_dict(self) -> dict[str, object]:
        return {"error": self.code.value, "reason": self.reason, "message": self.message, **self.details}


class UserError(CopilotError):
    """Misconfiguration by the operator: a missing tenant file, a placeholder secret, a mapping naming a missing column."""

    code = ErrorCode.CONFIG
    http_status = 500


class InputError(CopilotError):
    """The caller's input is refused: empty message, unsupported part, malformed XML/JSON/audio, oversized body."""

    code = ErrorCode.INPUT
    http_status = 422


class AccessDenied(CopilotError):
    code = ErrorCode.ACCESS
    http_status = 403


def not_in_scope_message(actor_id: str, customer_id: str) -> str:
    """The one refusal text for a customer outside a rep's scope, whether another rep's or not in the CRM at all (a
    different text would tell the rep which ids exist)."""
    return f"rep {actor_id} may not see customer {customer_id}: not in their scope"


class NotFound(CopilotError):
    code = ErrorCode.NOT_FOUND
    http_status = 404


class ConflictError(CopilotError):
    code = ErrorCode.CONFLICT
    http_status = 409


class BackendUnavailable(CopilotError):
    code = ErrorCode.BACKEND
    http_status = 503
