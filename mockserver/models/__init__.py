"""The mock's state and HyperTrack's rules, per account: no HTTP, no Flask, no schemas.

``Backend`` holds every tenant; a ``Tenant`` is one account's world, its behaviour split by concern
(workers, destinations, tracking, lifecycle), each module a mixin over the state the tenant declares.
"""
from .backend import Backend
from .tenant import Tenant

__all__ = ["Backend", "Tenant"]
