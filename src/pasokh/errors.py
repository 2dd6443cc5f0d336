"""The catalogue of errors a user can see: a stable code and a sentence to act on."""

from __future__ import annotations

from typing import Any


class PasokhError(Exception):
    """An error with an HTTP status, a stable code and a sentence for the user."""

    status_code = 400
    code = "E000"

    def __init__(self, message: str, *, fa: str | None = None,
                 details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        # The same sentence in Persian, for Persian pages and clients that ask for fa.
        self.fa = fa
        self.details = details or {}

    def sentence(self, locale: str) -> str:
        """The sentence in the reader's language (English when no Persian was written)."""
        return self.fa if locale == "fa" and self.fa else self.message

    def as_dict(self, locale: str = "en") -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "detail": self.sentence(locale)}
        if self.details:
            body["details"] = self.details
        return body


class BadRequest(PasokhError):
    status_code = 400
    code = "E400"


class Unauthorized(PasokhError):
    status_code = 401
    code = "E401"


class Forbidden(PasokhError):
    status_code = 403
    code = "E403"


class NotFound(PasokhError):
    status_code = 404
    code = "E404"


class Conflict(PasokhError):
    status_code = 409
    code = "E409"


class PayloadTooLarge(PasokhError):
    status_code = 413
    code = "E413"


class Unprocessable(PasokhError):
    status_code = 422
    code = "E422"


class ServiceUnavailable(PasokhError):
    """Storage is unreachable: nothing was kept, the same request can be retried."""

    status_code = 503
    code = "E503"
