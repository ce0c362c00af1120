"""HyperTrack's operations, declared once: each view with its route, schemas, status and documentation.

A data-plane blueprint registers its views with Flask, so that ``app.url_map`` is the one route table
and APIFlask documents them in ``/openapi.json``; but it is the pipeline (``pipeline.Pipeline``) that
calls them, with the tenant and the loaded inputs as arguments, never Flask.  A view is plain: HTTP
in has been done, it calls the tenant, and what it returns is the answer's body.
"""
from __future__ import annotations

import re

from apiflask import APIBlueprint
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import RequestRedirect

from ..schemas.lifecycle import applied_names
from .errors import no_endpoint

SECURITY = ["BasicAuth", "TokenAuth"]
#: A Flask rule's argument (``<order_handle>``, ``<int:n>``), written ``{order_handle}`` as OpenAPI writes it.
_ARGUMENT = re.compile(r"<(?:[^<>:]+:)?([^<>]+)>")
#: The header of a successful answer naming the query parameters the mock did not apply, and its
#: documentation (in every operation's 2xx answers).
IGNORED_HEADER = "X-Mock-Ignored-Parameters"
IGNORED_HEADER_DOC = {
    "description": "The mock's: the query parameters sent that it did not apply (documented by HyperTrack "
                   "but beyond what the mock's state can answer, or unknown), sorted, separated by commas; "
                   "absent when it applied them all. With --strict-parameters such a request answers 422.",
    "schema": {"type": "string"}}


def documented(schema, description: str) -> dict:
    """An OpenAPI response entry with a JSON body of ``schema``."""
    return {"description": description, "content": {"application/json": {"schema": schema}}}


class Operation:
    """What the pipeline needs to call a view: its input schemas (instances), its success status,
    whether it is ``public`` (no credentials: the view gets the backend instead of the caller's tenant),
    and the query parameters it ``applies`` (any other one sent is ignored, and said to be); and what
    coverage counts: its ``name`` as HyperTrack's spec writes it (``GET /orders/{order_handle}``) and its
    documented ``outcomes``, ``(status, code)`` pairs."""

    __slots__ = ("view", "query", "body", "form", "status", "public", "applies", "documents", "method", "name",
                 "outcomes")

    def __init__(self, view, query, body, form, status, public, method="GET", name="", outcomes=()):
        self.view, self.query, self.body, self.form, self.status = view, query, body, form, status
        self.public = public
        self.method, self.name, self.outcomes = method, name, outcomes
        self.applies = applied_names(query) if query is not None else frozenset()
        #: every query parameter the operation documents, applied or not
        self.documents = frozenset(f.data_key or name for name, f in query.fields.items()) if query else frozenset()


def outcomes(status: int, responses, errors, public: bool, has_input: bool) -> tuple[tuple[int, str | None], ...]:
    """An operation's documented outcomes, ``(status, code)``, in order: each status its documentation
    names (the success, ``responses``, 401 unless ``public``, 422 if it has inputs), split by the
    ``code`` of each of HyperTrack's business errors (``errors``) it answers with that status; ``code``
    None for a status answered without one (the success, an ``HTTPError``, a validation error)."""
    statuses = {status, *(responses or ()), *(() if public else (401,)), *((422,) if has_input else ())}
    found = []
    for documented in sorted(statuses):
        codes = list(dict.fromkeys(error.code for error in errors if error.status == documented))
        found.extend((documented, code) for code in codes or [None])
    return tuple(found)


def _instance(schema):
    return schema() if isinstance(schema, type) else schema


class DataPlaneBlueprint(APIBlueprint):
    """A blueprint of HyperTrack's endpoints: one ``security`` for all of its operations (None: public)."""

    def __init__(self, name: str, import_name: str, *, tag: dict, security=SECURITY):
        super().__init__(name, import_name, tag=tag)
        self.security = security

    def operation(self, method: str, rule: str, *, summary: str, description: str | None = None, query=None,
                  body=None, form=None, response=None, status: int = 200, responses: dict | None = None,
                  errors=()):
        """Register the decorated view for ``method`` on ``rule``; ``query``, ``body`` (JSON) and ``form``
        are the schemas of its inputs, passed to it as the keyword arguments of the same names;
        ``response`` documents its answer (``responses``: every status, each as ``documented`` gives);
        ``errors`` are the business errors (``models.errors.HyperTrackError``) it can answer with."""
        def decorator(view):
            query_schema = _instance(query) if query is not None else None
            body_schema, form_schema = _instance(body) if body else None, _instance(form) if form else None
            public = self.security is None
            view.operation = Operation(
                view, query_schema, body_schema, form_schema, status, public, method,
                method + " " + _ARGUMENT.sub(r"{\1}", rule),
                outcomes(status, responses, errors, public, (query_schema, body_schema, form_schema) != (None,) * 3))
            spec = {"summary": summary, "description": description, "responses": responses,
                    "security": self.security}
            if query_schema is not None:
                spec["args"] = [(query_schema, "query")]
            if body_schema is not None:
                spec.update(body=body_schema, content_type="application/json")
            if response is not None:
                spec["response"] = {"schema": _instance(response), "schema_adapter_many": False,
                                    "status_code": status, "description": None, "example": None, "examples": None,
                                    "links": None, "content_type": "application/json", "headers": None}
            if form_schema is not None:
                spec.update(body=form_schema, content_type="application/x-www-form-urlencoded")
            for code, entry in (responses.items() if isinstance(responses, dict) else ()):
                if 200 <= int(code) < 300 and isinstance(entry, dict):
                    entry.setdefault("headers", {IGNORED_HEADER: IGNORED_HEADER_DOC})
            view._spec = {key: value for key, value in spec.items() if value is not None}
            # /workers answers as /workers/ does (no redirect); /orders/track/ stays unknown (404)
            self.add_url_rule(rule, view_func=view, methods=[method], strict_slashes=not rule.endswith("/"))
            return view

        return decorator


class Routes:
    """The data plane's route table: the Flask app's URL map, matched without a request context."""

    def __init__(self, flask_app):
        self.adapter = flask_app.url_map.bind("localhost")
        self.operations = {endpoint: view.operation for endpoint, view in flask_app.view_functions.items()
                           if hasattr(view, "operation")}
        #: (method, path) -> operation, for the paths that name a rule with no arguments (/orders/track):
        #: a handful, matched on every request of the kind, so matched once.
        self.fixed: dict[tuple[str, str], Operation] = {}

    def match(self, method: str, path: str) -> tuple[Operation, dict]:
        """The operation for a request and its path arguments; a 404 or 405 if there is none."""
        operation = self.fixed.get((method, path))
        if operation is not None:
            return operation, {}
        try:
            endpoint, arguments = self.adapter.match(path, method)
        except MethodNotAllowed as error:
            raise no_endpoint(method, path, error.valid_methods or ()) from None
        except (NotFound, RequestRedirect):
            if not path.endswith("/"):  # werkzeug says 404 for /workers where /workers/ is 405
                try:
                    self.adapter.match(path + "/", method)
                except MethodNotAllowed as error:
                    raise no_endpoint(method, path, error.valid_methods or ()) from None
                except (NotFound, RequestRedirect):
                    pass
            raise no_endpoint(method, path) from None
        operation = self.operations.get(endpoint)
        if operation is None:
            raise no_endpoint(method, path)
        if not arguments:
            self.fixed[method, path] = operation
        return operation, arguments

    def catalogue(self) -> list[tuple[str, int, str | None]]:
        """Every documented outcome of every operation, ``(operation, status, code)``, operations in the
        order they were declared."""
        return [(operation.name, status, code) for operation in self.operations.values()
                for status, code in operation.outcomes]

    def allowed(self, path: str) -> list[str]:
        return sorted(self.adapter.allowed_methods(path))
