"""A tenant's journal as a Pact (specification 3), for PactFlow's bi-directional contract testing.

PactFlow compares a consumer's pact with the provider's OpenAPI, as its ``swagger-mock-validator``
does: a response object may hold only the properties its schema names (every object is closed), and a
status the operation does not document is refused.  The mock answers as HyperTrack does, examples
included, and some of those answers break HyperTrack's own schemas (the timeline written in the
examples' event types, an ``Error.detail`` that is an object, a 422's map of fields).  So the pact
states only what the schemas promise: each answer's body is reduced to what the operation's schema
accepts as that validator reads it (``Reading``), and an exchange that cannot be stated is left out;
``metadata`` lists both, with the reasons.

The schemas are HyperTrack's spec as published, only typed (``hypertrack_answers.json``, written by
``python -m contract.answers`` from the repository's vendored copy, which is not installed).
"""
from __future__ import annotations

import json
import re
from collections import Counter
from functools import lru_cache
from pathlib import Path
from urllib.parse import parse_qs

from ..models.journal import MAX_KEPT_BODY, Cut
from ..version import __version__
from .journal import redact

ANSWERS = Path(__file__).parent / "hypertrack_answers.json"
PROVIDER = "HyperTrack"
SPECIFICATION = "3.0.0"
#: The request headers a pact keeps: the credential (redacted), and what says what the body is and
#: what answer is wanted.  The rest (Host, User-Agent, Content-Length, ...) is the transport's.
KEPT_REQUEST_HEADERS = ("authorization", "content-type", "accept")
CONTROL_PLANE = "/__mock/"


class NoFit(Exception):
    """A value that no reduction makes acceptable to a schema."""


class Reading:
    """HyperTrack's documented answers as swagger-mock-validator reads them (its ``transformSchema``):
    an ``object`` without ``oneOf``/``anyOf``/``allOf`` is closed unless it maps names to a schema, and
    ``required`` counts only beside a ``oneOf`` (a consumer may use a part of an answer); ``nullable``
    admits null."""

    def __init__(self, document: dict):
        self.schemas = {name: self._as_read(schema) for name, schema in document["schemas"].items()}
        self.operations = {name: {status: None if schema is None else self._as_read(schema)
                                  for status, schema in statuses.items()}
                           for name, statuses in document["operations"].items()}
        self.patterns = self._patterns()
        #: Every list of ``anyOf``/``oneOf`` options, by ``id``, for ``_chosen``'s cache (a list is no key).
        self._by_id = {}
        self._index_options([self.schemas, self.operations])

    def _index_options(self, node) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("anyOf", "oneOf"):
                    self._by_id[id(value)] = value
                self._index_options(value)
        elif isinstance(node, list):
            for value in node:
                self._index_options(value)

    def _as_read(self, node):
        if isinstance(node, list):
            return [self._as_read(value) for value in node]
        if not isinstance(node, dict):
            return node
        node = {key: ({name: self._as_read(value) for name, value in node[key].items()} if key == "properties"
                      else self._as_read(value)) for key, value in node.items()}
        combined = any(key in node for key in ("oneOf", "anyOf", "allOf"))
        if node.get("type") == "object" and node.get("additionalProperties", True) is True and not combined:
            node["additionalProperties"] = False
        if "oneOf" not in node:
            node.pop("required", None)
        if node.pop("nullable", False) and isinstance(node.get("type"), str):
            node["type"] = [node["type"], "null"]
        return node

    def _patterns(self) -> list[tuple[str, re.Pattern, str]]:
        """(method, path pattern, operation name) of each operation, literal paths first (``/orders/routes/``
        is not an order handle)."""
        found = []
        for name in self.operations:
            method, path = name.split(" ", 1)
            pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(path))
            found.append((method, re.compile(f"^{pattern}$"), name))
        return sorted(found, key=lambda row: (row[2].count("{"), -len(row[2])))

    def operation(self, method: str, path: str) -> str | None:
        """The operation of HyperTrack's spec that a request is (``GET /orders/{order_handle}``), if any."""
        return next((name for verb, pattern, name in self.patterns if verb == method and pattern.match(path)), None)

    # --- reduction ---------------------------------------------------------------------------------

    def reduce(self, value, schema: dict, where: str = "", removed: list | None = None):
        """``value`` with what ``schema`` does not accept taken out (a property it does not name, an item
        that fits none of its schemas, a property that fits none), each taken-out part's path appended to
        ``removed``; ``NoFit`` if nothing that is left fits."""
        removed = [] if removed is None else removed
        if "$ref" in schema:
            value = self.reduce(value, self.schemas[schema["$ref"].rsplit("/", 1)[1]], where, removed)
        for part in schema.get("allOf", ()):
            value = self.reduce(value, part, where, removed)
        for combinator in ("anyOf", "oneOf"):
            if combinator in schema:
                value = self._choose(value, schema[combinator], combinator == "oneOf", where, removed)
        if "not" in schema and self.fits(value, schema["not"]):
            raise NoFit(where)
        types = schema.get("type")
        if types is not None and not _is(value, [types] if isinstance(types, str) else types):
            raise NoFit(where)
        if "enum" in schema and not any(_same(value, option) for option in schema["enum"]):
            raise NoFit(where)
        if isinstance(value, dict) and ("properties" in schema or "additionalProperties" in schema):
            value = self._reduce_object(value, schema, where, removed)
        elif isinstance(value, list) and "items" in schema:
            value = self._reduce_items(value, schema["items"], where, removed)
        if isinstance(value, dict) and not set(schema.get("required", ())) <= value.keys():
            raise NoFit(where)
        if isinstance(value, (int, float)) and not isinstance(value, bool) and (
                value < schema.get("minimum", value) or value > schema.get("maximum", value)):
            raise NoFit(where)
        if isinstance(value, str) and len(value) < schema.get("minLength", 0):
            raise NoFit(where)
        if isinstance(value, list) and not (
                schema.get("minItems", 0) <= len(value) <= schema.get("maxItems", len(value))):
            raise NoFit(where)
        return value

    def fits(self, value, schema: dict) -> bool:
        """Whether ``schema`` accepts ``value`` as it is (what ``reduce`` would leave unchanged)."""
        if "$ref" in schema and not self.fits(value, self.schemas[schema["$ref"].rsplit("/", 1)[1]]):
            return False
        if not all(self.fits(value, part) for part in schema.get("allOf", ())):
            return False
        if "anyOf" in schema and not any(self.fits(value, part) for part in schema["anyOf"]):
            return False
        if "oneOf" in schema and not self._fits_one(value, schema["oneOf"]):
            return False
        if "not" in schema and self.fits(value, schema["not"]):
            return False
        types = schema.get("type")
        if types is not None and not _is(value, [types] if isinstance(types, str) else types):
            return False
        if "enum" in schema and not any(_same(value, option) for option in schema["enum"]):
            return False
        if isinstance(value, dict):
            properties, others = schema.get("properties", {}), schema.get("additionalProperties", True)
            for key, item in value.items():
                below = properties.get(key, others if isinstance(others, dict) else None)
                if (below is None and others is False) or (below is not None and not self.fits(item, below)):
                    return False
            if not set(schema.get("required", ())) <= value.keys():
                return False
        elif isinstance(value, list):
            if "items" in schema and not all(self.fits(item, schema["items"]) for item in value):
                return False
            if not schema.get("minItems", 0) <= len(value) <= schema.get("maxItems", len(value)):
                return False
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            if value < schema.get("minimum", value) or value > schema.get("maximum", value):
                return False
        elif isinstance(value, str) and len(value) < schema.get("minLength", 0):
            return False
        return True

    def _choose(self, value, options: list, exclusive: bool, where: str, removed: list):
        """The fullest reduction of ``value`` by one of ``options`` that (``exclusive``: only) it then fits."""
        exact = [option for option in options if self.fits(value, option)]
        if len(exact) == 1 or (exact and not exclusive):  # nothing to take out
            return value
        # The same value (a timeline's event, a destination) recurs in answer after answer: chosen once.
        reduced, taken = self._chosen(id(options), exclusive, json.dumps(value, sort_keys=True))
        removed.extend(path if not where else where + path if path.startswith("[") else f"{where}.{path}"
                       for path in taken)
        return reduced

    @lru_cache(maxsize=4096)  # noqa: B019 (one Reading a process, kept for good: its cache goes with it)
    def _chosen(self, options_id: int, exclusive: bool, text: str) -> tuple:
        """``_choose``'s answer for a value (``text``, as JSON) and the options of ``options_id``, with the
        paths taken out relative to the value; ``NoFit`` if none fits."""
        options, value = self._by_id[options_id], json.loads(text)
        candidates = {}
        for option in options:
            taken: list = []
            try:
                reduced = self.reduce(value, option, "", taken)
            except NoFit:
                continue
            candidates.setdefault(json.dumps(reduced, sort_keys=True), (reduced, tuple(taken)))
        for key in sorted(candidates, key=len, reverse=True):  # the fullest first
            reduced, taken = candidates[key]
            if not exclusive or self._fits_one(reduced, options):
                return reduced, taken
        raise NoFit("")

    def _fits_one(self, value, options: list) -> bool:
        """Whether exactly one of ``options`` accepts ``value``."""
        found = 0
        for option in options:
            found += self.fits(value, option)
            if found > 1:
                return False
        return found == 1

    def _reduce_object(self, value: dict, schema: dict, where: str, removed: list) -> dict:
        properties, others = schema.get("properties", {}), schema.get("additionalProperties", True)
        required = set(schema.get("required", ()))
        kept = {}
        for key, item in value.items():
            inner = f"{where}.{key}" if where else key
            below = properties.get(key, others if isinstance(others, dict) else None)
            if below is None and others is not False:
                kept[key] = item
                continue
            try:
                if below is None:
                    raise NoFit(inner)
                kept[key] = self.reduce(item, below, inner, removed)
            except NoFit:
                if key in required:
                    raise
                removed.append(inner)
        if not required <= kept.keys():
            raise NoFit(where)
        return kept

    def _reduce_items(self, value: list, schema: dict, where: str, removed: list) -> list:
        kept = []
        for index, item in enumerate(value):
            try:
                kept.append(self.reduce(item, schema, f"{where}[{index}]", removed))
            except NoFit:
                removed.append(f"{where}[{index}]")
        return kept


_TYPES = {"string": str, "object": dict, "array": list, "boolean": bool}


def _is(value, types: list) -> bool:
    for name in types:
        if name == "null" and value is None:
            return True
        if name in ("number", "integer") and isinstance(value, (int, float)) and not isinstance(value, bool):
            if name == "number" or isinstance(value, int) or value.is_integer():
                return True
        elif name in _TYPES and isinstance(value, _TYPES[name]):
            return True
    return False


def _same(first, second) -> bool:
    """Equal as JSON values (``True`` is not ``1``), as an ``enum`` compares."""
    if isinstance(first, bool) or isinstance(second, bool) or first is None or second is None:
        return first is second
    if isinstance(first, (dict, list)) or isinstance(second, (dict, list)):
        return json.dumps(first, sort_keys=True) == json.dumps(second, sort_keys=True)
    return first == second


@lru_cache(maxsize=1)
def reading() -> Reading:
    """HyperTrack's documented answers, read once per process."""
    return Reading(json.loads(ANSWERS.read_text()))


# --- the pact ----------------------------------------------------------------------------------------

class LeftOut(Exception):
    """An exchange the pact cannot state, and why."""


def _decoded(raw, what: str):
    if type(raw) is Cut:
        raise LeftOut(f"its {what} was longer than the journal keeps ({MAX_KEPT_BODY // 1024} KiB)")
    if not raw:
        return None
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):
        if what == "answer":
            raise LeftOut("its answer is not JSON") from None
        return raw.decode("utf-8", "replace")


def _request(entry) -> dict:
    headers = {}
    for name, value in entry.headers:
        if name in KEPT_REQUEST_HEADERS:
            spelled = "-".join(part.capitalize() for part in name.split("-"))
            headers[spelled] = redact(value) if name == "authorization" else value
    request = {"method": entry.method, "path": entry.path}
    if entry.query:
        request["query"] = parse_qs(entry.query, keep_blank_values=True)
    if headers:
        request["headers"] = headers
    body = _decoded(entry.body, "request body")
    if body is not None:
        request["body"] = body
    return request


def interaction(entry, spec: Reading) -> tuple[dict, list[str]]:
    """An entry as a pact's interaction (without its description), and the paths of the parts of its
    answer's body taken out; ``LeftOut`` if it cannot be one."""
    if entry.path.startswith(CONTROL_PLANE):
        raise LeftOut("the mock's control plane, not HyperTrack's API")
    operation = spec.operation(entry.method, entry.path)
    if operation is None:
        raise LeftOut("not an operation of HyperTrack's spec")
    if entry.status is None:
        raise LeftOut("the connection was dropped (a fault rule): there is no answer to state")
    statuses = spec.operations[operation]
    if str(entry.status) not in statuses:
        raise LeftOut(f"HyperTrack's spec documents no {entry.status} for {operation}")
    request = _request(entry)
    body, schema, removed = _decoded(entry.response, "answer"), statuses[str(entry.status)], []
    if schema is None and body is not None:
        body, removed = None, ["(the body: HyperTrack documents none for this answer)"]
    elif schema is not None and body is not None:  # (no body at all states nothing to check)
        try:
            body = spec.reduce(body, schema, "", removed)
        except NoFit:
            raise LeftOut(f"its answer fits no schema that HyperTrack documents for {entry.status}, "
                          "even reduced") from None
    response = {"status": entry.status}
    if body is not None:
        response.update(headers={"Content-Type": "application/json"}, body=body)
    return {"request": request, "response": response}, removed


class _Pact:
    """A pact being written: its interactions, each once, and what was left out or taken out."""

    def __init__(self):
        self.interactions, self.seen, self.reduced = [], set(), []
        self.left_out: Counter = Counter()
        self.titles: Counter = Counter()
        self.dropped = 0

    def add(self, title: str, stated: dict, removed: list) -> None:
        """``stated`` (an interaction without its description) under ``title``, unless it is there already."""
        key = json.dumps(stated, sort_keys=True)
        if key in self.seen:
            return
        self.seen.add(key)
        self.titles[title] += 1
        if self.titles[title] > 1:  # the same request, another answer
            title = f"{title} ({self.titles[title]})"
        self.interactions.append({"description": title, **stated})
        if removed:
            self.reduced.append({"interaction": title, "removed": removed})

    def document(self, consumer: str) -> dict:
        return {
            "consumer": {"name": consumer},
            "provider": {"name": PROVIDER},
            "interactions": self.interactions,
            "metadata": {
                "pactSpecification": {"version": SPECIFICATION},
                "hypertrack-mock": {
                    "version": __version__,
                    "leftOut": [{"request": request, "status": status, "reason": reason, "count": count}
                                for (request, status, reason), count in self.left_out.items()],
                    "reduced": self.reduced,
                    "reducedBecause": REDUCED_BECAUSE,
                    "journalDropped": self.dropped,
                },
            },
        }


REDUCED_BECAUSE = ("the parts of an answer that HyperTrack's schema for it does not accept, read as "
                   "swagger-mock-validator reads it (every object closed), are taken out")
_NUMBERED = re.compile(r" \(\d+\)$")


def build(entries, consumer: str, dropped: int = 0) -> dict:
    """The pact of ``entries`` (a journal's, oldest first): one interaction per distinct request and
    answer, with ``metadata`` listing what was left out or taken out, and why (``dropped``: how many
    older entries the journal no longer holds)."""
    spec, pact = reading(), _Pact()
    pact.dropped = dropped
    #: Each exchange seen, and the key it was left out under (None: it is stated): a test that reads the
    #: same thing ten times has it stated (and reduced) once.
    exchanges: dict = {}
    for entry in entries:
        exchange = _exchange(entry)
        if exchange in exchanges:
            if exchanges[exchange] is not None:
                pact.left_out[exchanges[exchange]] += 1
            continue
        try:
            stated, removed = interaction(entry, spec)
        except LeftOut as why:
            key = (f"{entry.method} {entry.path}", entry.status, str(why))
            pact.left_out[key] += 1
            if exchange is not None:
                exchanges[exchange] = key
            continue
        if exchange is not None:
            exchanges[exchange] = None
        query = f"?{entry.query}" if entry.query else ""
        pact.add(f"{entry.method} {entry.path}{query} answering {entry.status}", stated, removed)
    return pact.document(consumer)


def _exchange(entry) -> tuple | None:
    """What makes an entry the same exchange as another, as a key (None: a body was cut, no key)."""
    if type(entry.body) is Cut or type(entry.response) is Cut:
        return None
    headers = tuple((name, redact(value) if name == "authorization" else value) for name, value in entry.headers
                    if name in KEPT_REQUEST_HEADERS)
    return entry.method, entry.path, entry.query, headers, entry.body, entry.status, entry.response


def merge(pacts, consumer: str) -> dict:
    """One pact of several (each test's tenant's, in a test session): each distinct interaction once,
    the left-out exchanges counted together."""
    pact = _Pact()
    for each in pacts:
        mock = each["metadata"]["hypertrack-mock"]
        removed = {entry["interaction"]: entry["removed"] for entry in mock["reduced"]}
        for found in each["interactions"]:
            stated = {key: value for key, value in found.items() if key != "description"}
            pact.add(_NUMBERED.sub("", found["description"]), stated, removed.get(found["description"], []))
        for entry in mock["leftOut"]:
            pact.left_out[(entry["request"], entry["status"], entry["reason"])] += entry["count"]
        pact.dropped += mock["journalDropped"]
    return pact.document(consumer)
