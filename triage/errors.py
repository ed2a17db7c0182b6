"""Domain errors: each carries a stable machine code and a Chinese message; api/ maps them to HTTP once."""

from __future__ import annotations


class TriageError(Exception):
    code = "triage_error"

    def __init__(self, message: str, *, code: str | None = None, detail: object = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code or self.code
        self.detail = detail


class InvalidInput(TriageError):
    """The caller sent something we cannot work with (empty text, too long, wrong column …)."""

    code = "invalid_input"


class ModelUnavailable(TriageError):
    """No usable classifier model (missing, damaged, or of an unknown kind)."""

    code = "model_unavailable"


class DataFileError(TriageError):
    """A data file that cannot be read or written as asked."""

    code = "data_file_error"


class NotFound(TriageError):
    """A case, station, deputy … that does not exist."""

    code = "not_found"


class IllegalTransition(TriageError):
    """A workflow step that the case's current status does not allow."""

    code = "illegal_transition"


class Conflict(TriageError):
    """The step is legal in general but not now (someone else holds the claim, a deputy is full …)."""

    code = "conflict"
