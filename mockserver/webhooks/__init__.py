"""Webhooks delivered: a tenant's events to its receiver, with HyperTrack's (SNS's) semantics."""
from .delivery import Dispatcher, signature

__all__ = ["Dispatcher", "signature"]
