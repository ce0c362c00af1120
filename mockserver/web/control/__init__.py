"""The mock's own ``/__mock/`` control plane, served by Flask: a blueprint a concern.  It meets the data plane
only in the models.

- ``tenants``: health, reset, scenarios, workers;
- ``observation``: the state, the journal, fault rules, the clock;
- ``coverage``: which of HyperTrack's documented outcomes and webhooks the requests met;
- ``webhooks``: the tenant's receiver, device events, deliveries, replays, drains;
- ``phone``: a worker's phone, and the tenant's thresholds of estimate webhooks;
- ``inbox``: a receiver inside the mock (not a control call: the mock delivers to it);
- ``dashboard``: the page for people, and its reading of the data plane (``peek``);
- ``pact``: the tenant's journal as a Pact with HyperTrack.

Each call acts on the tenant of its ``Authorization`` header; without one it acts server-wide, which,
when the server has an admin token, needs that token in ``X-Mock-Admin-Token`` (``scope``).
"""
from __future__ import annotations

from . import coverage, dashboard, inbox, observation, pact, phone, tenants, webhooks
from .inbox import Inboxes
from .scope import EXTENSION

#: Every blueprint of the control plane, in the order ``/openapi.json`` lists their routes.
BLUEPRINTS = (tenants.bp, observation.bp, coverage.bp, pact.bp, phone.bp, webhooks.bp, inbox.bp, dashboard.bp)

__all__ = ["BLUEPRINTS", "EXTENSION", "Inboxes"]
