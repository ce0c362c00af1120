"""Adding a worker as HyperTrack's SDK would (``POST /__mock/workers``): what the tenant's state refuses, the
model refuses, whoever calls it."""
from __future__ import annotations

import pytest
from conftest import basic

from mockserver.models.errors import Invalid
from mockserver.models.tenant import Tenant


def test_put_worker_refuses_an_ops_group_the_tenant_does_not_have():
    tenant = Tenant("acme", 7)

    with pytest.raises(Invalid) as refused:
        tenant.put_worker({"worker_handle": "w1", "ops_group_handle": "NOPE"})

    assert (refused.value.field, refused.value.message) == ("ops_group_handle", "Unknown ops group 'NOPE'.")
    assert "w1" not in tenant.workers


def test_the_control_planes_worker_call_answers_the_models_refusal(client):
    response = client.post("/__mock/workers", json={"worker_handle": "w1", "ops_group_handle": "NOPE"},
                           headers=basic())

    assert (response.status_code, response.get_json()) == (422, {
        "detail": {"json": {"ops_group_handle": ["Unknown ops group 'NOPE'."]}}, "message": "Validation error"})
    workers = client.get("/__mock/state", headers=basic()).get_json()["workers"]
    assert "w1" not in [worker["worker_handle"] for worker in workers]
