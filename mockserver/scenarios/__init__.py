"""Scenarios: the JSON documents (fixture files or control-plane bodies) a tenant's world starts from.

``library`` reads and validates them; ``state`` fills a tenant from one and describes a tenant as one;
``large`` generates the shipped load-test scenario.
"""
from .library import ScenarioError, ScenarioLibrary, flatten, shipped_fixtures_dir, validate
from .state import describe, populate

__all__ = ["ScenarioError", "ScenarioLibrary", "describe", "flatten", "populate", "shipped_fixtures_dir",
           "validate"]
