"""The one error handler: every refusal, of either plane, rendered in HyperTrack's (APIFlask's) shapes.

- ``HTTPError`` (APIFlask's): ``{"detail": ..., "message": ...}``, for 400, 401, 404, 405, 413, 415,
  422, 431 and the like;
- HyperTrack's business errors (``models.errors.HyperTrackError``): ``{"code", "title", "detail"}``;
- an unknown order, route or worker (``models.errors.NotFound``): a 404 ``HTTPError`` with its message;
- a field the tenant's state refuses (``models.errors.Invalid``): the 422 of a validation error;
- anything else: a 500 of the first shape, never an empty body.
"""
from __future__ import annotations

from apiflask import HTTPError
from werkzeug.exceptions import HTTPException

from ..models.budget import BudgetExceeded
from ..models.errors import HyperTrackError, Invalid, NotFound
from ..scenarios import flatten

UNAUTHORIZED_HEADERS = {"WWW-Authenticate": 'Basic realm="HyperTrack"'}


class Refused(HTTPError):
    """An ``HTTPError`` whose reason for the journal is not its body's: ``why``."""

    def __init__(self, *args, why: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.why = why


def no_endpoint(method: str, path: str, allowed=None) -> Refused:
    """A path, or a method on a path, that HyperTrack does not serve: 404, or 405 with ``Allow``."""
    why = f"no {method} endpoint at {path}"
    if allowed is None:
        return Refused(404, "Not Found", why=why)
    return Refused(405, "Method Not Allowed", headers={"Allow": ", ".join(sorted(allowed))}, why=why)


def unauthorized(why: str) -> Refused:
    """HyperTrack's 401; ``why`` the credentials were refused goes to the journal, not to the client."""
    return Refused(401, "Unauthorized", headers=UNAUTHORIZED_HEADERS, why=why)


def bad_request(message: str, location: str = "json") -> HTTPError:
    return HTTPError(400, "Bad Request", detail={location: [message]})


def validation_error(messages, location: str = "json") -> HTTPError:
    """APIFlask's (and HyperTrack's) 422: ``{"detail": {"json": {...}}, "message": "Validation error"}``."""
    return HTTPError(422, "Validation error", detail={location: messages})


def too_large(limit: int) -> HTTPError:
    return HTTPError(413, "Request Entity Too Large",
                     detail={"json": [f"The body is larger than the {limit}-byte limit."]})


def over_budget(error: BudgetExceeded, what: str) -> HTTPError:
    """The 413 of a control call that would take what the mock stores for an account past its budget."""
    return HTTPError(413, "Request Entity Too Large", detail={
        **error.detail(), "json": [f"{what} would take this account's control-plane state to "
                                   f"{error.used + error.needed} bytes, past its {error.limit}-byte budget "
                                   "(--account-bytes): remove fault rules, or start the mock with a larger one."]})


def render(error: Exception) -> tuple[int, dict, dict]:
    """``(status, body, headers)`` for any error raised while answering a request."""
    if isinstance(error, HyperTrackError):
        return error.status, error.body(), {}
    if isinstance(error, NotFound):
        return 404, {"detail": {}, "message": error.message}, {}
    if isinstance(error, Invalid):
        return 422, {"detail": {"json": {error.field: [error.message]}}, "message": "Validation error"}, {}
    if isinstance(error, HTTPError):
        return error.status_code, {"detail": error.detail, "message": error.message, **error.extra_data}, \
            dict(error.headers)
    if isinstance(error, HTTPException):  # werkzeug's own, inside Flask (the control plane)
        headers = {k: v for k, v in error.get_headers() if k != "Content-Type"}
        return error.code, {"detail": {}, "message": error.name}, headers
    return 500, {"detail": {}, "message": "Internal Server Error"}, {}


def reason(error: Exception, status: int) -> str:
    """Why a request was refused, in a few words, for the journal."""
    if isinstance(error, Refused):
        return error.why
    if isinstance(error, HyperTrackError):
        return f"{error.code}: {error.title}"
    if isinstance(error, NotFound):
        return error.message
    if isinstance(error, Invalid):
        return f"Validation error ({error.field}: {error.message})"
    if isinstance(error, HTTPError):
        problems = "; ".join(f"{path}: {text}" for path, text in flatten(error.detail)) if error.detail else ""
        return error.message + (f" ({problems})" if problems else "")
    return f"{type(error).__name__} ({status}): {error}"
