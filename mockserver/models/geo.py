"""Places on the Earth as the phone sees them: great-circle distances, points along a straight drive, and
the edge of a destination's area.  Coordinates are GeoJSON's ``[lon, lat]`` in degrees; distances metres.

A drive is a great circle ("a straight line"); a Point destination's area is the circle of its radius,
a Polygon's its inside (tested in the plane of its degrees, which is exact enough at a city's scale).
"""
from __future__ import annotations

from math import asin, atan2, cos, degrees, radians, sin, sqrt

#: The Earth's mean radius (IUGG), in metres.
EARTH_RADIUS = 6_371_008.8


def distance(a, b) -> float:
    """The great-circle distance between two ``[lon, lat]`` points, in metres (haversine)."""
    lon1, lat1, lon2, lat2 = radians(a[0]), radians(a[1]), radians(b[0]), radians(b[1])
    h = sin((lat2 - lat1) / 2) ** 2 + cos(lat1) * cos(lat2) * sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS * asin(min(1.0, sqrt(h)))


def along(a, b, fraction: float) -> list[float]:
    """The point ``fraction`` of the way from ``a`` to ``b`` on the great circle between them."""
    if fraction <= 0:
        return [a[0], a[1]]
    if fraction >= 1:
        return [b[0], b[1]]
    angle = distance(a, b) / EARTH_RADIUS
    if angle == 0:
        return [a[0], a[1]]
    lon1, lat1, lon2, lat2 = radians(a[0]), radians(a[1]), radians(b[0]), radians(b[1])
    k1, k2 = sin((1 - fraction) * angle) / sin(angle), sin(fraction * angle) / sin(angle)
    x = k1 * cos(lat1) * cos(lon1) + k2 * cos(lat2) * cos(lon2)
    y = k1 * cos(lat1) * sin(lon1) + k2 * cos(lat2) * sin(lon2)
    z = k1 * sin(lat1) + k2 * sin(lat2)
    return [degrees(atan2(y, x)), degrees(atan2(z, sqrt(x * x + y * y)))]


def south_of(point, metres: float) -> list[float]:
    """The point ``metres`` due south of ``point``."""
    return [point[0], point[1] - degrees(metres / EARTH_RADIUS)]


def bearing(a, b) -> float:
    """The initial bearing from ``a`` to ``b``, degrees clockwise from north (0 when they are one point)."""
    lon1, lat1, lon2, lat2 = radians(a[0]), radians(a[1]), radians(b[0]), radians(b[1])
    x = sin(lon2 - lon1) * cos(lat2)
    y = cos(lat1) * sin(lat2) - sin(lat1) * cos(lat2) * cos(lon2 - lon1)
    return (degrees(atan2(x, y)) + 360) % 360 if (x or y) else 0.0


def _ring(geometry) -> list:
    return geometry["coordinates"][0]


def centre(geometry) -> list[float]:
    """Where a drive to a destination heads: a Point's coordinates, a Polygon's vertex average."""
    if geometry["type"] == "Point":
        return list(geometry["coordinates"][:2])
    ring = _ring(geometry)
    corners = ring[:-1] if len(ring) > 1 and ring[0] == ring[-1] else ring
    return [sum(c[0] for c in corners) / len(corners), sum(c[1] for c in corners) / len(corners)]


def inside_polygon(point, geometry) -> bool:
    """Whether ``point`` is inside the Polygon's outer ring (even-odd rule)."""
    x, y = point[0], point[1]
    ring, inside = _ring(geometry), False
    for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True):
        if (y1 > y) != (y2 > y) and x < (x2 - x1) * (y - y1) / (y2 - y1) + x1:
            inside = not inside
    return inside


def inside(point, destination: dict) -> bool:
    """Whether ``point`` is in the destination's area: a Point's circle of its radius, a Polygon's inside."""
    geometry = destination["geometry"]
    if geometry["type"] == "Point":
        return distance(point, geometry["coordinates"]) <= (destination.get("radius") or 0)
    return inside_polygon(point, geometry)


def to_edge(start, destination: dict) -> tuple[float, list[float]]:
    """The metres driven from ``start`` straight towards the destination's centre until its area is
    entered, and the point where it is (0 and ``start`` when ``start`` is inside already)."""
    if inside(start, destination):
        return 0.0, [start[0], start[1]]
    geometry = destination["geometry"]
    target = centre(geometry)
    total = distance(start, target)
    if geometry["type"] == "Point":
        driven = max(0.0, total - (destination.get("radius") or 0))
        return driven, along(start, target, driven / total if total else 1.0)
    fraction = _entry_fraction(start, target, _ring(geometry))
    return fraction * total, along(start, target, fraction)


def _entry_fraction(a, b, ring) -> float:
    """How far along the segment from ``a`` to ``b`` (0 to 1) it first crosses the ring (1 if never)."""
    best = 1.0
    dx, dy = b[0] - a[0], b[1] - a[1]
    for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True):
        ex, ey = x2 - x1, y2 - y1
        denominator = dx * ey - dy * ex
        if denominator == 0:
            continue
        t = ((x1 - a[0]) * ey - (y1 - a[1]) * ex) / denominator
        u = ((x1 - a[0]) * dy - (y1 - a[1]) * dx) / denominator
        if 0 <= t <= best and 0 <= u <= 1:
            best = t
    return best
