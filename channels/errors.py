"""Why a callback was refused. Every refusal is a 4xx with a machine-readable reason, logged; never a 500."""

from __future__ import annotations

from contract.errors import InputError


class CallbackRejected(InputError):
    """A callback request we refuse. `http_status` is per instance: 400 malformed, 403 not authentic, 413 too big."""

    def __init__(self, message: str, *, reason: str, status: int = 400, **details: object) -> None:
        super().__init__(message, reason=reason, **details)
        self.http_status = status


def malformed(reason: str, message: str, **details: object) -> CallbackRejected:
    return CallbackRejected(message, reason=reason, status=400, **details)


def forbidden(reason: str, message: str, **details: object) -> CallbackRejected:
    return CallbackRejected(message, reason=reason, status=403, **details)
