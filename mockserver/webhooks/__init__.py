"""Webhooks delivered: a tenant's events to its receiver, with HyperTrack's (SNS's) semantics."""
from .courier import signature
from .delivery import Dispatcher

__all__ = ["Dispatcher", "signature"]
