"""HyperTrack's errors, each with its status, ``code``, ``title`` and ``detail`` in one place.

The tenant raises them; the web layer renders them.  The texts are copied from the examples in
HyperTrack's OpenAPI spec, including where ``detail`` is an object, a string or ``null``.
"""
from __future__ import annotations


class NotFound(Exception):
    """An unknown order, route or worker on the operations whose 404 is APIFlask's ``HTTPError``."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class Invalid(Exception):
    """A field the schema accepted but the tenant's state refuses, on an operation whose only documented
    client error is the 422 of a validation: ``{"detail": {"json": {field: [message]}}, ...}``."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field, self.message = field, message


class HyperTrackError(Exception):
    status: int = 400
    code: str = ""
    title: str = ""
    detail: object = None

    def __init__(self, detail: object = None):
        super().__init__(self.title)
        if detail is not None:
            self.detail = detail

    def body(self) -> dict:
        return {"code": self.code, "title": self.title, "detail": self.detail}


def _described(text: str) -> dict:
    return {"description": text}


class OrderRequestMalformed(HyperTrackError):
    status, code, title = 400, "validation_error", "Order request is malformed"
    detail = "The request does not have the correct format. Please review the invalid parameters"


class RouteAlreadyCompleted(HyperTrackError):
    status, code, title = 400, "validation_error", "Route already completed"
    detail = "Route with the given ID is already completed"


class RouteAlreadyCompletedConflict(RouteAlreadyCompleted):
    """Completing a completed route: the same body, as 409 (HyperTrack's Complete Route example)."""

    status = 409


class OrderAlreadyFinished(HyperTrackError):
    """Completing or cancelling a finished order.  HyperTrack documents no body for this; we mirror
    its Complete Route conflict."""

    status, code = 409, "validation_error"

    def __init__(self, order_status: str):
        self.title = f"Order already {order_status}"
        super().__init__(f"Order with the given handle is already {order_status}")


class RouteAlreadyTracking(HyperTrackError):
    status, code, title = 400, "validation_error", "Route already tracking"
    detail = "Route with the given ID is already tracking"


class RouteCannotBeTracked(HyperTrackError):
    status, code, title = 400, "validation_error", "Route can not be tracked"
    detail = "Route with the given ID can not be tracked"


class OpsGroupNotDefined(HyperTrackError):
    status, code, title = 400, "ops_group_not_defined", "Ops Group is not defined"

    def __init__(self, ops_group_handle: str):
        super().__init__(_described(f"Ops Group {ops_group_handle} does not exist"))


class DestinationPlaceNotFound(HyperTrackError):
    status, code, title = 400, "destination_place_not_found", "Place not found"

    def __init__(self, place_handle: str, order_handle: str):
        super().__init__(_described(
            f"Place not defined for place handle {place_handle} in order destination for order {order_handle}"))


class DriverNotLinkedToDevice(HyperTrackError):
    status, code, title = 400, "driver_not_linked_to_device", "Worker needs to be linked to a device first"
    detail = _described("The worker is not yet linked to a device")


class DriverNotFound(HyperTrackError):
    status, code, title = 404, "driver_not_found", "Worker Not Found"

    def __init__(self, worker_handle: str):
        super().__init__(_described(f"Worker not found for handle {worker_handle}"))


class RouteNotFound(HyperTrackError):
    status, code, title = 404, "route_not_found", "Route does not exist"
    detail = "Route with this ID does not exist in the system"


class DriverDeleted(HyperTrackError):
    status, code, title = 404, "driver_deleted", "Worker is in deleted state for given handle"
    detail = "Worker with the given handle is in deleted state. Please undelete it using Workers API"


class DeviceNotFound(HyperTrackError):
    status, code, title = 404, "device_not_found", "Device could not be found"
    detail = None


class GeofenceNotFound(HyperTrackError):
    status, code, title = 404, "geofence_not_found", "Geofence Not Found"

    def __init__(self, geofence_id: str):
        super().__init__(_described(f"Geofence not found for id {geofence_id}"))


class DuplicateRoute(HyperTrackError):
    status, code, title = 409, "duplicate_resource", "Duplicate route found with this ID"
    detail = "System already has a route with this ID"


class DuplicateOrder(HyperTrackError):
    status, code, title = 409, "duplicate_resource", "Duplicate order handle found"
    detail = "System already has an incompleted order with this handle. Please complete or cancel it first"
