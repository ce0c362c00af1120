"""Scenarios: fixture files (or request bodies) read, validated and kept by name; ``state`` turns them into tenants."""
from __future__ import annotations

import json
from pathlib import Path

from marshmallow import ValidationError

from ..schemas.scenario import Scenario
from .state import collector_paused

_schema = Scenario()


class ScenarioError(ValueError):
    """A scenario that cannot be used; the message names the source and every bad field."""

    def __init__(self, source: str, messages):
        self.source = source
        self.messages = messages
        if isinstance(messages, str):
            super().__init__(f"{source}: {messages}")
        else:
            super().__init__(f"{source}: " + "; ".join(f"{path}: {text}" for path, text in flatten(messages)))


def flatten(messages, prefix=""):
    """``{"workers": {0: {"name": ["bad"]}}}`` -> ``[("workers.0.name", "bad")]``."""
    if isinstance(messages, dict):
        for key, value in messages.items():
            yield from flatten(value, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        for message in messages:
            yield (prefix or "(document)", message)
    else:
        yield (prefix or "(document)", str(messages))


def validate(document, source: str) -> dict:
    """A validated scenario, or ``ScenarioError`` naming ``source`` and each bad field."""
    try:
        with collector_paused():
            return _schema.load(document)
    except ValidationError as error:
        raise ScenarioError(source, error.messages) from None


def shipped_fixtures_dir() -> Path:
    """The scenarios shipped with the package, whether installed or run from a checkout."""
    package = Path(__file__).resolve().parent.parent
    installed = package / "fixtures"
    return installed if installed.is_dir() else package.parent / "fixtures"


class ScenarioLibrary:
    """Every ``*.json`` scenario in one directory, read and validated once."""

    def __init__(self, directory: str | Path | None = None):
        self.directory = Path(directory) if directory else shipped_fixtures_dir()
        if not self.directory.is_dir():
            raise ScenarioError(str(self.directory), "No such fixtures directory.")
        self.scenarios: dict[str, dict] = {}
        for path in sorted(self.directory.glob("*.json")):
            self.scenarios[path.stem] = _load_file(path)

    def names(self) -> list[str]:
        return list(self.scenarios)

    def get(self, name: str) -> dict | None:
        return self.scenarios.get(name)

    def describe(self) -> list[dict]:
        return [{"name": name, "description": s["description"]} for name, s in self.scenarios.items()]


# Validated documents by file, so that building many apps (one per test) reads each file once.  The
# store only reads scenario documents, never changes them, so one copy can serve every app.
_validated: dict[Path, tuple[tuple[int, int], dict]] = {}


def _load_file(path: Path) -> dict:
    if not path.is_file():  # a pipe would hang start-up; a dangling link would end it with a traceback
        raise ScenarioError(str(path), "Not a readable file (a pipe, a directory or a link to nothing).")
    try:
        stat = path.stat()
    except OSError as error:
        raise ScenarioError(str(path), f"Not a readable file ({error.strerror}).") from None
    version = (stat.st_mtime_ns, stat.st_size)
    cached = _validated.get(path)
    if cached is None or cached[0] != version:
        cached = _validated[path] = (version, validate(_read(path), str(path)))
    return cached[1]


def _read(path: Path):
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as error:
        raise ScenarioError(str(path), f"Not a readable JSON document ({error}).") from None
