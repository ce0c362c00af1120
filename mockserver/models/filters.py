"""The filters of HyperTrack's listings (Get Orders, Get Routes, Get Workers), as predicates over records.

The values come loaded (``schemas.lifecycle``): sets of statuses and handles, decoded JSON objects,
dates, and window bounds as naive datetimes (the first instant in, the first instant past).  A bound
is read in UTC, or, for a ``*_without_tz*`` filter, in each order's local time: its ops group's
``timezone`` ("that day in all timezones").  A record lacking the field a filter reads is left out.
"""
from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pygeohash

from .clock import parse
from .geo import centre

#: Windows on an order's own timestamps, by the name of the parameters (``<name>_date``, ``_from``, ``_to``).
ORDER_WINDOWS = ("created_at", "planned_at", "scheduled_at", "cancelled_at", "completed_at", "rescheduled_marked_at")
#: Windows on a route's timestamps.
ROUTE_WINDOWS = ("completed_at", "created_at", "planned_at", "started_at")
#: The ``*_without_tz`` filters of Get Orders: (parameter, the order's field, kind of value).
LOCAL_WINDOWS = (("scheduled_at_date_without_tz", "scheduled_at", "date"),
                 ("scheduled_at_without_tz_from", "scheduled_at", "from"),
                 ("scheduled_at_without_tz_to", "scheduled_at", "to"),
                 ("completed_at_date_without_tz", "completed_at", "date"),
                 ("completed_at_without_tz_from", "completed_at", "from"),
                 ("completed_at_without_tz_to", "completed_at", "to"),
                 ("created_at_date_without_tz", "created_at", "date"),
                 ("created_at_without_tz_from", "created_at", "from"),
                 ("created_at_without_tz_to", "created_at", "to"))


def _always(record: dict) -> bool:
    return True


def all_of(tests: list):
    """One predicate that holds when every test does (each called for every record a listing reads: the
    common cases, none and one, without a loop)."""
    if not tests:
        return _always
    if len(tests) == 1:
        return tests[0]
    return lambda record: all(test(record) for test in tests)


def matches_object(value, wanted: dict) -> bool:
    """Whether ``value`` (metadata, a profile) holds every key of ``wanted`` with an equal value; a nested
    object matches likewise (its keys a subset), anything else by equality."""
    if not isinstance(value, dict):
        return False
    for key, expected in wanted.items():
        if key not in value:
            return False
        if isinstance(expected, dict):
            if not matches_object(value[key], expected):
                return False
        elif value[key] != expected or isinstance(value[key], bool) != isinstance(expected, bool):
            return False  # true is not 1
    return True


def _texts(value):
    """Every scalar inside a JSON value, as text (``metadata`` searched by ``search_term``)."""
    pending = [value]
    while pending:
        node = pending.pop()
        if isinstance(node, dict):
            pending.extend(node.values())
        elif isinstance(node, list):
            pending.extend(node)
        elif node is not None:
            yield node if isinstance(node, str) else str(node).lower() if isinstance(node, bool) else str(node)


def contains(term: str, *values) -> bool:
    """Whether ``term`` is in one of the texts of ``values`` (case-insensitive)."""
    term = term.casefold()
    return any(term in text.casefold() for value in values for text in _texts(value))


def _utc(text: str | None) -> datetime | None:
    """An answer's timestamp as a naive UTC datetime, or None."""
    return parse(text).astimezone(timezone.utc).replace(tzinfo=None) if text else None


def _zone(name: str):
    """The timezone an ops group names (UTC if the system does not know it)."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return timezone.utc


def _windows(filters: dict, names, read) -> list:
    """Tests for each ``<name>_date`` / ``_from`` / ``_to`` given: ``read(record, name)`` gives the instant."""
    tests = []
    for name in names:
        day, start, end = filters.get(f"{name}_date"), filters.get(f"{name}_from"), filters.get(f"{name}_to")
        if day is None and start is None and end is None:
            continue

        def test(record, name=name, day=day, start=start, end=end):
            instant = read(record, name)
            return instant is not None and (day is None or instant.date() == day) and (
                start is None or instant >= start) and (end is None or instant < end)
        tests.append(test)
    return tests


class OrderFilter:
    """Get Orders' filters, as one predicate over an order record (``keep``); ``roster`` tells an ops
    group's timezone and a worker's profile, ``route`` a route by its handle, ``inside`` whether the
    order's worker's phone is in its destination now."""

    def __init__(self, filters: dict, *, roster, route, inside):
        self.roster, self.route, self.inside = roster, route, inside
        tests = []
        equal = {"worker_handle": filters.get("worker_handle"), "route_handle": filters.get("route_handle"),
                 "ops_group_handle": filters.get("ops_group_handle"), "device_id": filters.get("device_id"),
                 "plan_mode": filters.get("plan_mode"), "track_mode": filters.get("track_mode"),
                 "fulfillment_attempt": filters.get("fulfillment_attempt")}
        if filters.get("driver_handle") is not None:  # deprecated twin of worker_handle: both must hold
            tests.append(lambda order, handle=filters["driver_handle"]: order.get("worker_handle") == handle)
        for key, value in equal.items():
            if value is not None:
                tests.append(lambda order, key=key, value=value: order.get(key) == value)
        if filters.get("status"):
            tests.append(lambda order, statuses=filters["status"]: order["status"] in statuses)
        if filters.get("place_handle") is not None:
            tests.append(lambda order, handle=filters["place_handle"]:
                         (order.get("destination") or {}).get("place_handle") == handle)
        if filters.get("device_switch_mode") is not None:
            tests.append(lambda order, mode=filters["device_switch_mode"]:
                         (self._route_of(order) or {}).get("device_switch_mode") == mode)
        if filters.get("search_term"):
            tests.append(lambda order, term=filters["search_term"]: contains(
                term, order["order_handle"], order.get("ops_group_handle"), order.get("worker_handle"),
                order.get("metadata")))
        if filters.get("order_metadata_filter") is not None:
            tests.append(lambda order, wanted=filters["order_metadata_filter"]:
                         matches_object(order.get("metadata") or {}, wanted))
        if filters.get("worker_profile_filter") is not None:
            tests.append(lambda order, wanted=filters["worker_profile_filter"]: matches_object(
                (roster.worker(order.get("worker_handle")) or {}).get("profile") or {}, wanted))
        if filters.get("destination_geohash"):
            tests.append(lambda order, prefix=filters["destination_geohash"]: _geohash(order).startswith(prefix))
        if filters.get("risk_status") is not None:
            tests.append(lambda order, wanted=filters["risk_status"]: bool(order.get("risk_status")) is wanted)
        if filters.get("worker_inside_destination") is not None:
            tests.append(lambda order, wanted=filters["worker_inside_destination"]: inside(order) is wanted)
        if filters.get("tracking_status") is not None:
            tests.append(lambda order, tracked=filters["tracking_status"] == "tracked":
                         (order.get("started_at") is not None) is tracked)
        tests += _windows(filters, ORDER_WINDOWS, lambda order, name: _utc(order.get(name)))
        tests += _windows(filters, ("route_started_at",),
                          lambda order, name: _utc((self._route_of(order) or {}).get("started_at")))
        tests += self._local_windows(filters)
        self.keep = all_of(tests)

    def _route_of(self, order: dict) -> dict | None:
        return self.route(order["route_handle"]) if order.get("route_handle") else None

    def _local(self, order: dict, field: str) -> datetime | None:
        """The order's ``field`` in its ops group's local time (naive), or None."""
        text = order.get(field)
        if not text:
            return None
        return parse(text).astimezone(_zone(self.roster.timezone(order.get("ops_group_handle")))).replace(tzinfo=None)

    def _local_windows(self, filters: dict) -> list:
        tests = []
        for name, field, kind in LOCAL_WINDOWS:
            value = filters.get(name)
            if value is None:
                continue
            if kind == "date":
                tests.append(lambda order, field=field, day=value: (
                    (local := self._local(order, field)) is not None and local.date() == day))
            elif kind == "from":
                tests.append(lambda order, field=field, start=value: (
                    (local := self._local(order, field)) is not None and local >= start))
            else:
                tests.append(lambda order, field=field, end=value: (
                    (local := self._local(order, field)) is not None and local < end))
        return tests


def _geohash(order: dict) -> str:
    """The geohash (12 characters) of the centre of the order's destination."""
    longitude, latitude = centre(order["destination"]["geometry"])
    return pygeohash.encode(latitude, longitude, precision=12)


class RouteFilter:
    """Get Routes' filters, as one predicate over a route record (``keep``)."""

    def __init__(self, filters: dict):
        tests = []
        for key in ("worker_handle", "driver_handle", "track_mode", "plan_mode", "device_switch_mode", "device_id"):
            value = filters.get(key)
            if value is not None:
                field = "worker_handle" if key == "driver_handle" else key
                tests.append(lambda route, field=field, value=value: route.get(field) == value)
        if filters.get("status"):
            tests.append(lambda route, statuses=filters["status"]: route["status"] in statuses)
        if filters.get("ops_group_handle"):
            tests.append(lambda route, handles=filters["ops_group_handle"]: route.get("ops_group_handle") in handles)
        if filters.get("search_term"):
            tests.append(lambda route, term=filters["search_term"]: contains(
                term, route["route_handle"], route.get("ops_group_handle"), route.get("worker_handle"),
                route.get("metadata")))
        if filters.get("route_metadata_filter") is not None:
            tests.append(lambda route, wanted=filters["route_metadata_filter"]:
                         matches_object(route.get("metadata") or {}, wanted))
        tests += _windows(filters, ROUTE_WINDOWS, lambda route, name: _utc(route.get(name)))
        self.keep = all_of(tests)


class WorkerFilter:
    """Get Workers' filters, as one predicate over a worker record (``keep``); ``work_status`` gives a
    worker's (``{"tracking", "available"}``), ``device_status`` the value of its ``device_status`` (only
    asked when filtered on)."""

    def __init__(self, filters: dict, *, work_status, device_status):
        tests = []
        if not filters.get("include_deleted"):
            tests.append(lambda worker: not worker["deleted"])
        if filters.get("ops_group_handle"):
            tests.append(lambda worker, handles=filters["ops_group_handle"]: worker["ops_group_handle"] in handles)
        if filters.get("worker_handle"):
            tests.append(lambda worker, handles=filters["worker_handle"]: worker["worker_handle"] in handles)
        if filters.get("device_id") is not None:
            tests.append(lambda worker, device=filters["device_id"]: device in worker["device_ids"])
        if filters.get("search_term"):
            tests.append(lambda worker, term=filters["search_term"]: contains(
                term, worker["worker_handle"], worker.get("name"), worker.get("profile")))
        if filters.get("profile") is not None:
            tests.append(lambda worker, wanted=filters["profile"]: matches_object(worker.get("profile") or {}, wanted))
        if filters.get("work_status") is not None:
            tests.append(lambda worker, wanted=filters["work_status"]: matches_object(work_status(worker), wanted))
        if filters.get("filter_status") is not None:
            tests.append(lambda worker, wanted=filters["filter_status"]: device_status(worker) == wanted)
        self.keep = all_of(tests)
