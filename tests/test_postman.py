"""The Postman collection is generated from the fixtures and covers every endpoint and every error."""
from __future__ import annotations

import importlib.util
import json
import re

from conftest import ROOT, SHIPPED

spec = importlib.util.spec_from_file_location("postman_generate", ROOT / "postman" / "generate.py")
generate = importlib.util.module_from_spec(spec)
spec.loader.exec_module(generate)


def requests_of(node):
    for item in node.get("item", ()):
        if "request" in item:
            yield item
        else:
            yield from requests_of(item)


def test_the_committed_collection_is_what_the_generator_makes():
    collection, environment = generate.build()

    assert generate.COLLECTION.read_text() == generate.dumps(collection), "run: python postman/generate.py"
    assert generate.ENVIRONMENT.read_text() == generate.dumps(environment), "run: python postman/generate.py"


def test_every_scenario_example_is_a_request_with_its_expected_answer():
    collection = json.loads(generate.COLLECTION.read_text())
    items = {item["name"]: item for item in requests_of(collection)}
    for name in SHIPPED.names():
        for example in SHIPPED.get(name)["examples"]:
            item = items[f"{name}: {example['name']}"]
            assert json.loads(item["request"]["body"]["raw"]) == example["request"]
            script = "\n".join(item["event"][0]["script"]["exec"])
            assert f"pm.response.to.have.status({example['status']})" in script
            if "body" in example:
                assert json.dumps(example["body"]) in script


def test_every_endpoint_of_the_app_is_in_the_collection(app):
    collection = json.loads(generate.COLLECTION.read_text())
    called = {(item["request"]["method"], re.sub(r"\?.*", "", item["request"]["url"].replace("{{baseUrl}}", "")))
              for item in requests_of(collection)}
    missing = []
    for rule in app.mock.flask.url_map.iter_rules():
        if rule.endpoint == "static" or rule.endpoint.startswith("openapi."):
            continue  # the OpenAPI document and its interactive docs
        if rule.endpoint.endswith("_no_slash"):
            continue  # the same view as its slashed twin
        pattern = "^" + re.sub(r"<[^>]+>", "[^/]+", rule.rule) + "$"
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            if not any(m == method and re.match(pattern, path) for m, path in called):
                missing.append(f"{method} {rule.rule}")
    assert missing == []
