"""What the phones show in HyperTrack's answers and the control plane's: estimates on open orders and
driven routes, a worker's location, device status and battery, a phone's own view.  Read at the instant
asked (after ``Motion.catch_up``); the views given are copies, changed in place."""
from __future__ import annotations

from datetime import datetime

from . import geo
from .clock import isoformat
from .motion import Motion, whole_seconds
from .records import TERMINAL_ORDER_STATUSES

#: What a location's accuracy is reported as (metres): a phone's GPS outdoors.
ACCURACY = 5.0


class Readings:
    """The rules of what the ``motion``'s phones show; the tenant calls them under its lock."""

    def __init__(self, motion: Motion):
        self.motion = motion

    def view(self, handle: str) -> dict:
        """The phone's settings as they stand now, and the open order it drives (or would drive) to."""
        phone = self.motion.phone(handle)
        now = self.motion.clock.now()
        view = phone.settings()
        location = self.motion.where(handle, phone, now) if handle in self.motion.phones else phone.location
        view["location"] = location
        open_orders = self.motion.open_orders(handle)
        heading = open_orders[0]["order_handle"] if open_orders else None
        return {"worker_handle": handle, "device_id": self.motion.roster.worker(handle)["device_ids"][0], **view,
                "heading_to": heading}

    def annotate_orders(self, views: list[dict]) -> None:
        """Each open order of a driven route gets its ``estimate`` (views are copies, answered as they are)."""
        if not self.motion.phones:
            return
        now, schedules = self.motion.clock.now(), {}
        for view in views:
            handle = view.get("worker_handle")
            if handle not in self.motion.phones or view["status"] in TERMINAL_ORDER_STATUSES or view.get("arrived_at"):
                continue
            if handle not in schedules:
                schedules[handle] = {(o["order_handle"], o["fulfillment_attempt"]): (arrive, metres)
                                     for o, arrive, metres in self.motion.schedule(handle, now)[0]}
            found = schedules[handle].get((view["order_handle"], view["fulfillment_attempt"]))
            if found is not None:
                view["estimate"] = self._estimate(view, found[0], found[1], now)

    def annotate_route(self, view: dict, listed: bool = False) -> None:
        """A route driven by a phone: its open orders' estimates, and its own (``listed``: Get Routes')."""
        handle = view.get("worker_handle")
        if not self.motion.phones or handle not in self.motion.phones or view["status"] != "tracking":
            return
        now = self.motion.clock.now()
        estimates, points = self.motion.schedule(handle, now)
        if not estimates or estimates[0][0]["route_handle"] != view["route_handle"]:
            return
        by_key = {(o["order_handle"], o["fulfillment_attempt"]): (arrive, metres) for o, arrive, metres in estimates}
        for order in view["orders"]:
            found = by_key.get((order["order_handle"], order.get("fulfillment_attempt", 0)))
            if found is not None:
                order["estimate"] = self._estimate(order, found[0], found[1], now)
        last_arrive, last_metres = estimates[-1][1], estimates[-1][2]
        estimate = {"distance": round(last_metres), "duration": whole_seconds(last_arrive - now)}
        if not listed:
            estimate["polyline"] = {"type": "LineString", "coordinates": points}
        view["estimate"] = estimate

    def _estimate(self, order: dict, arrive: datetime, metres: float, now: datetime) -> dict:
        facts = self.motion.facts.get((order["order_handle"], order.get("fulfillment_attempt", 0)))
        return {"arrive_at": isoformat(arrive), "distance": round(metres), "duration": whole_seconds(arrive - now),
                "initial_arrive_at": isoformat(facts.initial if facts else arrive)}

    def device_status(self, view: dict) -> str | None:
        """The value of the ``device_status`` Get Worker gives the worker (None without a device)."""
        view = dict(view)
        self.annotate_worker(view)
        return (view.get("device_status") or {}).get("value")

    def annotate_worker(self, view: dict) -> None:
        """Get Worker's ``location``, ``device_status`` and ``battery`` (a worker with a device)."""
        handle = view["worker_handle"]
        if not view.get("device_id"):
            return
        phone = self.motion.phones.get(handle)
        tracking = view["work_status"]["tracking"]
        if phone is None:
            view["device_status"] = {"value": "active", "data": {}} if tracking else {
                "value": "inactive", "data": {"reason": "tracking_stopped"}}
            return
        now = self.motion.clock.now()
        location = self.motion.where(handle, phone, now)
        moving = self.motion.driving_now(handle, phone)
        if location is not None:
            heading = self.motion.open_orders(handle)
            view["location"] = {
                "geometry": {"type": "Point", "coordinates": location}, "accuracy": ACCURACY,
                "bearing": round(geo.bearing(location, geo.centre(heading[0]["destination"]["geometry"])), 1)
                if moving and heading else None,
                "speed": round(phone.speed, 2) if moving else 0.0,
                "recorded_at": isoformat(now if moving else (phone.located_at or phone.at))}
        if not phone.connected:
            status = {"value": "disconnected", "data": {}}
        elif phone.outage:
            status = {"value": "inactive", "data": {"reason": phone.outage}}
        elif tracking or phone.driving:
            status = {"value": "active", "data": {"activity": "drive" if moving else "stop"}}
        else:
            status = {"value": "inactive", "data": {"reason": "tracking_stopped"}}
        view["device_status"] = status
        view["battery"] = {"battery_percent": round(phone.battery), "recorded_at": isoformat(phone.battery_at)}
