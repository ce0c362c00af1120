"""The phones: what each worker's device would report (HyperTrack's SDK), as the control plane sets it.

A phone is made the first time it is set (``PUT /__mock/workers/<h>/phone``, a scenario's
``workers[].phone``); until then a worker's device is a phone at rest with no location, which costs
nothing.  What a phone does with the clock (driving, arriving, estimates) is ``motion.Motion``'s.
"""
from __future__ import annotations

from datetime import datetime

from . import errors

#: What ``outage`` may be: the labels of HyperTrack's "List of Outages" page as snake_case (its
#: behavioural table, the first nine), then the SDK's errors that page goes on to list (HyperTrack's
#: SDK error enum, as snake_case), and ``unknown``.
OUTAGES = (
    "location_permission_not_determined", "location_unavailable_battery_saver", "low_battery",
    "notifications_permission_denied", "airplane_mode_detected", "uninstalled", "location_services_disabled",
    "location_permissions_denied", "location_permission_imprecise",
    "location_permissions_insufficient_for_background", "location_permissions_restricted",
    "location_permissions_provisional", "location_signal_lost", "location_mocked",
    "motion_activity_permissions_denied", "motion_activity_services_disabled",
    "motion_activity_services_unavailable", "no_exemption_from_background_start_restrictions",
    "device_restarted", "app_force_stopped", "tracking_service_terminated", "blocked_from_running", "unknown",
)
#: A phone's settings and their defaults (CONTRACT §9): 36 km/h is 10 m/s.
PHONE_DEFAULTS = {"location": None, "speed_kmh": 36.0, "driving": False, "dwell_seconds": 60, "battery": 100,
                  "connected": True, "outage": None}
#: The tenant's thresholds of estimate events and their defaults.
THRESHOLD_DEFAULTS = {"eta_change_seconds": 120, "minutes_away": 5}
MAX_SPEED_KMH = 300


class Stay:
    """A phone inside an order's area: since ``arrived`` (at ``where``), until ``until``; ``hold`` when it
    was moved in by hand (then, parked, it stays until moved out or driven on)."""

    __slots__ = ("key", "arrived", "until", "where", "hold")

    def __init__(self, key: tuple, arrived: datetime, until: datetime, where: list, hold: bool):
        self.key, self.arrived, self.until, self.where, self.hold = key, arrived, until, where, hold


class Phone:
    """One worker's phone: its settings, and where it stands at instant ``at``."""

    __slots__ = ("location", "speed_kmh", "driving", "dwell_seconds", "battery", "connected", "outage",
                 "at", "located_at", "stay", "battery_at")

    def __init__(self, at: datetime):
        for key, value in PHONE_DEFAULTS.items():
            setattr(self, key, value)
        self.at = at  # the instant the phone's position stands for
        self.located_at: datetime | None = None  # when the location was last known (set or moved)
        self.battery_at = at
        self.stay: Stay | None = None

    def copy(self) -> Phone:
        twin = Phone.__new__(Phone)
        for key in Phone.__slots__:
            setattr(twin, key, getattr(self, key))
        if self.location is not None:
            twin.location = list(self.location)
        return twin

    @property
    def speed(self) -> float:
        """Metres a second."""
        return self.speed_kmh / 3.6

    def settings(self) -> dict:
        return {key: getattr(self, key) for key in PHONE_DEFAULTS}


def check_phone(changes: dict) -> dict:
    """The changes as the phone keeps them, or ``Invalid`` naming the first field refused."""
    checked = {}
    for key, value in changes.items():
        if key not in PHONE_DEFAULTS:
            raise errors.Invalid(key, "Unknown field.")
        if key == "location":
            checked[key] = _location(value)
        elif key in ("driving", "connected"):
            if not isinstance(value, bool):
                raise errors.Invalid(key, "Not a valid boolean.")
            checked[key] = value
        elif key == "outage":
            if value is not None and value not in OUTAGES:
                raise errors.Invalid(key, f"Unknown outage '{value}': one of {', '.join(OUTAGES)}, or null.")
            checked[key] = value
        else:
            checked[key] = _number(key, value)
    return checked


def _number(key: str, value):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
        raise errors.Invalid(key, "Not a valid number.")
    if key == "speed_kmh" and not 0 < value <= MAX_SPEED_KMH:
        raise errors.Invalid(key, f"Must be above 0 and at most {MAX_SPEED_KMH}.")
    if key == "battery" and not 0 <= value <= 100:
        raise errors.Invalid(key, "Must be between 0 and 100.")
    if key == "dwell_seconds" and not 0 <= value <= 7 * 86400:
        raise errors.Invalid(key, "Must be between 0 and 604800 (a week).")
    return float(value) if key == "speed_kmh" else value


def _location(value):
    if value is None:
        return None
    if (not isinstance(value, (list, tuple)) or len(value) != 2
            or any(isinstance(c, bool) or not isinstance(c, (int, float)) or c != c for c in value)):
        raise errors.Invalid("location", "Must be [longitude, latitude] in degrees, or null.")
    if not -180 <= value[0] <= 180:
        raise errors.Invalid("location", f"Longitude {value[0]} is not between -180 and 180.")
    if not -90 <= value[1] <= 90:
        raise errors.Invalid("location", f"Latitude {value[1]} is not between -90 and 90.")
    return list(value)


def check_thresholds(changes: dict) -> dict:
    """The thresholds as kept, or ``Invalid`` naming the field refused."""
    for key, value in changes.items():
        if key not in THRESHOLD_DEFAULTS:
            raise errors.Invalid(key, "Unknown field.")
        if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= 86400:
            raise errors.Invalid(key, "Must be a whole number above 0 and at most 86400.")
    return dict(changes)
