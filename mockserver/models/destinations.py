"""Where orders go: places and geofences a destination may name, and the destination as HyperTrack answers it."""
from __future__ import annotations

from . import errors
from .layers import layered, own_entries


class Destinations:
    """A tenant's places and geofences, which an order's destination may name."""

    def __init__(self, fake, template: Destinations | None = None):
        self.fake = fake
        self.places: dict[str, dict] = layered(template and template.places)
        self.geofences: dict[str, dict] = layered(template and template.geofences)

    def own_entries(self) -> int:
        """How many places and geofences the part holds itself (not shared with the startup state)."""
        return own_entries(self.places) + own_entries(self.geofences)

    def add_place(self, place: dict) -> None:
        self.places[place["place_handle"]] = dict(place)

    def add_geofence(self, geofence: dict) -> None:
        self.geofences[geofence["geofence_id"]] = dict(geofence)

    def check(self, orders: list[dict]) -> None:
        """Unknown place handles first (400), then unknown geofences (404), as HyperTrack checks."""
        for order in orders:
            place_handle = order["destination"].get("place_handle")
            if place_handle and place_handle not in self.places:
                raise errors.DestinationPlaceNotFound(place_handle, order["order_handle"])
        for order in orders:
            geofence_id = order["destination"].get("geofence_id")
            if geofence_id and geofence_id not in self.geofences:
                raise errors.GeofenceNotFound(geofence_id)

    def resolve(self, order: dict) -> dict:
        """The order's destination as HyperTrack answers it: geometry always, radius for points."""
        sent = order["destination"]
        geometry = sent.get("geometry")
        if geometry is None and not (sent.get("place_handle") or sent.get("geofence_id")):
            # an address alone (planning's OrderAddressDestination): HyperTrack geocodes it
            return {"geometry": self.fake.point(), "address": sent["address"], "radius": sent.get("radius", 30)}
        if geometry is None:
            known = (self.places[sent["place_handle"]] if sent.get("place_handle")
                     else self.geofences[sent["geofence_id"]])
            destination = {"geometry": known["geometry"], "address": sent.get("address") or known.get("address")}
            if known["geometry"]["type"] == "Point":
                destination["radius"] = known.get("radius") or 100
        else:
            destination = {"geometry": geometry, "address": sent.get("address")}
            if geometry["type"] == "Point":
                destination["radius"] = sent.get("radius", 100)
        for key in ("place_handle", "geofence_id", "place_id"):
            if sent.get(key):
                destination[key] = sent[key]
        return destination
