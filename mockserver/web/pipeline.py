"""The one path of a data-plane request, each step once and in this order:

    credentials and tenant -> fault rule -> route -> body -> schema -> rules and store -> webhook events
    -> response -> journal

(the webhook events the call made are handed to the dispatcher, which delivers them once the answer
is on its way)

Every request the server reads comes here, whatever runs the server (the CLI, the container, the
pytest plugin's thread).  Paths of the mock's own (``/__mock/``, ``/openapi.json``, ``/docs``) are
handed to the Flask app instead, unjournaled and never faulted.  A fault rule's delay is returned to
the server as a ``Wait``, which it sleeps without holding anyone up before the rest of the steps run
(even if the client has left meanwhile, as a slow server would), unless the tenant or the server was
reset meanwhile: then the request is dropped, neither carried out nor journaled (a 503 if its client
is still there), so that it cannot recreate the account after a test's reset.

The caller's tenant is looked up once, with its credentials, and carried on the ``Caller`` to the fault
rule, the view and the journal; a request that waited out a delay looks it up once more, since an
account idle for longer than the delay may have been let go meanwhile (and is then made again, as for
any request of an account let go).
"""
from __future__ import annotations

import logging
from urllib.parse import parse_qsl, quote

from ..models.backend import MemoryFull
from ..models.errors import HyperTrackError
from . import body as bodies
from . import journal
from .auth import Caller, identify
from .errors import HTTPError, reason, unauthorized, validation_error
from .exchange import Answer, Request, Wait
from .operations import IGNORED_HEADER
from .responses import error_answer, fault_answer, json_answer, options_answer

#: Why ``--strict-parameters`` refuses a query parameter.
NOT_APPLIED = "Documented by HyperTrack, but not applied by the mock (--strict-parameters)."
UNKNOWN = "Unknown parameter (--strict-parameters)."
#: Paths that are the mock's, not HyperTrack's.
CONTROL_PREFIXES = ("/__mock/", "/openapi.json", "/docs")
#: The answer to a request held by a fault's delay while its tenant (or the server) was reset.
RESET_WHILE_WAITING = HTTPError(503, "Service Unavailable", detail={"request": [
    "The mock was reset while this request waited out a fault's delay; it was not carried out."]})
#: Where a 500 (a bug of the mock's) is told, with its traceback: on stderr unless the host configures it.
log = logging.getLogger("hypertrack_mock")


class Pipeline:
    """Answers a ``Request``: the data plane through its steps, the rest through ``control``."""

    def __init__(self, backend, routes, control, max_body_bytes: int, dispatcher=None, strict_parameters=False):
        self.backend = backend
        self.routes = routes
        self.control = control
        self.limit = max_body_bytes
        self.dispatcher = dispatcher
        #: refuse (422) a query parameter the operation does not apply, rather than name it in a header
        self.strict = strict_parameters

    def __call__(self, request: Request) -> Answer | Wait:
        if request.path.startswith(CONTROL_PREFIXES):
            return self.control(request)
        caller = identify(self.backend, request.header("authorization"))
        fault = None
        if request.problem is None:
            self._find_tenant(caller)
            fault = self.backend.take_fault(caller.tenant, request.method, request.path)
            if fault is not None and fault.delay_seconds:
                stamp = self.backend.stamp(caller.tenant)
                return Wait(fault.delay_seconds, lambda: self._after_delay(request, caller, fault, stamp))
        elif caller.account is not None:  # refused unread: journaled in the tenant if it is kept, never made
            caller.tenant = self.backend.kept(caller.account)
        return self._finish(request, caller, fault)

    def _find_tenant(self, caller: Caller) -> None:
        """Look the caller's tenant up (made on the account's first request) and carry it on ``caller``;
        None if there is no room for a new account: the 503 comes when the route needs the tenant, after
        the server's fault rules had their turn."""
        if caller.account is not None:
            try:
                caller.tenant = self.backend.tenant(caller.account)
            except MemoryFull:
                caller.tenant = None

    def _after_delay(self, request: Request, caller: Caller, fault, stamp: tuple) -> Answer:
        """The rest of a delayed request, unless a reset came meanwhile: the state it was sent to is gone."""
        if not self.backend.current(stamp):
            return error_answer(RESET_WHILE_WAITING)
        self._find_tenant(caller)  # again: idle for the whole delay, the account may have been let go
        return self._finish(request, caller, fault)

    def _finish(self, request: Request, caller: Caller, fault) -> Answer:
        """Everything after the fault rule's delay: the answer (a fault's, or the real one), journaled
        and counted as the outcome of its operation (coverage)."""
        operation = code = None
        if fault is not None and (fault.drop or fault.status is not None):
            answer = fault_answer(fault)
            why = (f"connection dropped by fault {fault.id} ({fault.drop})" if fault.drop
                   else f"fault {fault.id}")
            if not fault.drop:  # what the client saw is the rule's answer: its status, and its body's code
                operation, code = self._operation(request), fault.code
        else:
            try:
                operation, arguments = self._route(request)
                answer, why = self._serve(request, caller, operation, arguments), None
            except Exception as error:  # noqa: BLE001 - every refusal (and any bug) becomes a JSON answer
                answer = error_answer(error)
                why = reason(error, answer.status)
                if isinstance(error, HyperTrackError):
                    code = error.code
                if answer.status == 500:  # a bug: the 4xx and 503s are answers on purpose
                    _log_bug(request, error)
        outcome = None
        if operation is not None and operation.method == request.method:  # not an OPTIONS, nor a GET's HEAD
            outcome = (operation.name, answer.status, code)
        journal.record(self.backend, request, caller, answer, fault, why, outcome)
        return answer

    def _route(self, request: Request):
        """The operation a request names and its path arguments; the request's own problem, a 404 or a 405
        if there is none."""
        if request.problem is not None:
            raise request.problem
        return self.routes.match(request.method, request.path)

    def _operation(self, request: Request):
        """The operation a request names, or None."""
        try:
            return self._route(request)[0]
        except Exception:  # noqa: BLE001 - no operation: nothing of HyperTrack's to count
            return None

    def peek(self, path: str, query: str, tenant) -> Answer:
        """The answer the data plane gives a ``GET`` of ``path`` by ``tenant``'s account, from the same route
        table and views, but neither faulted nor journaled: what the dashboard reads (``GET /__mock/peek/...``).
        Only ``GET`` operations are matched, and they change nothing."""
        request = Request("GET", path, query, [], b"")
        try:
            return self._serve(request, Caller(tenant.account_id, None, tenant), *self._route(request))
        except Exception as error:  # noqa: BLE001 - refused as the data plane would refuse it
            answer = error_answer(error)
            if answer.status == 500:
                _log_bug(request, error)
            return answer

    def _serve(self, request: Request, caller: Caller, operation, arguments: dict) -> Answer:
        if operation.public:
            context = self.backend
        elif caller.account is None:
            raise unauthorized(caller.reason)
        elif caller.tenant is not None:
            context = caller.tenant
        else:  # no room for the account when it was looked up: MemoryFull now, unless room was made since
            context = caller.tenant = self.backend.tenant(caller.account)
        if request.method == "OPTIONS":
            return options_answer(self.routes.allowed(request.path))
        parameters = _query(request.query)
        ignored = sorted(name for name in parameters if name not in operation.applies) if parameters else ()
        if ignored:
            if self.strict:
                raise validation_error({name: [NOT_APPLIED if name in operation.documents else UNKNOWN]
                                        for name in ignored}, "query")
            # an unknown parameter is not loaded (a documented one is, so that a bad value is still a 422)
            parameters = {name: value for name, value in parameters.items() if name in operation.documents}
        if operation.query is not None:
            arguments["query"] = bodies.load(operation.query, parameters, "query")
        if operation.body is not None:
            document = bodies.document(request.body, request.header("content-type"), self.limit)
            arguments["body"] = bodies.load(operation.body, document)
        if operation.form is not None:
            fields = bodies.form(request.body, request.header("content-type"), self.limit)
            arguments["form"] = bodies.load(operation.form, fields, "form")
        result = operation.view(context, **arguments)
        if not operation.public and self.dispatcher is not None:
            if context.outbox:
                self.dispatcher.flush(context)  # the webhook events the call made: delivered after the answer
            if context.motion.phones:
                self.dispatcher.follow(context)  # a phone's next event, on a running clock
        answer = Answer(operation.status, [], b"") if result is None else json_answer(result, operation.status)
        if ignored:
            # each name percent-encoded as in a URL (a header is latin-1; an empty name is written "")
            answer.headers.append((IGNORED_HEADER, ",".join(quote(name, safe="") or '""' for name in ignored)))
            answer.ignored = tuple(ignored)
        return answer


def _query(query: str) -> dict:
    """The query string's parameters, the first value of each (as webargs reads a single field)."""
    return dict(reversed(parse_qsl(query, keep_blank_values=True))) if query else {}


def _log_bug(request: Request, error: Exception) -> None:
    """Log the exception behind a data-plane 500, with its traceback."""
    log.error("%s %s answered 500: %r", request.method, request.path, error, exc_info=error)
