"""The mock's state and HyperTrack's rules, per account: no HTTP, no Flask, no schemas.

``Backend`` holds every tenant; a ``Tenant`` is one account's world: a façade over its parts (the
store of routes and orders, the roster of workers and devices, the destinations, the outbox of
events, the webhooks) and the rules that change them (tracking, planning, lifecycle).
"""
from .backend import Backend
from .tenant import Tenant

__all__ = ["Backend", "Tenant"]
