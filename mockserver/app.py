"""The application factory: one Flask app serving HyperTrack's data plane and the mock's control plane."""
from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from typing import Callable

from apiflask import APIFlask, HTTPError
from flask import current_app

from . import __version__
from .config import load_settings
from .errors import HyperTrackError, NotFound
from .scenarios import ScenarioError, ScenarioLibrary
from .store import Store

EXTENSION = "hypertrack_mock"


@dataclass
class Mock:
    """What both planes share: the store, the scenario library and the settings."""

    store: Store
    library: ScenarioLibrary
    settings: dict
    #: Wraps a wait that holds a server thread (a fault's delay); the server may lend another meanwhile.
    blocking: Callable[[], contextlib.AbstractContextManager] = field(default=contextlib.nullcontext)


def mock() -> Mock:
    return current_app.extensions[EXTENSION]


def _remembering(ensure_sync):
    """Flask's ``ensure_sync`` (which inspects a function for ``async`` on every call of every view and
    hook), answering from memory for a function it has seen."""
    seen: dict = {}

    def remembered(func):
        try:
            return seen[func]
        except KeyError:
            wrapped = ensure_sync(func)
            if len(seen) < 1000:  # views and hooks are a few dozen; never grow without bound
                seen[func] = wrapped
            return wrapped
        except TypeError:  # unhashable
            return ensure_sync(func)

    return remembered


def create_app(config: dict | None = None) -> APIFlask:
    """Build the app; ``config`` overrides the defaults and ``HYPERTRACK_MOCK_*`` variables."""
    settings = load_settings(config)
    library = ScenarioLibrary(settings["fixtures"])
    scenario = library.get(settings["scenario"])
    if scenario is None:
        raise ScenarioError(str(library.directory), f"No scenario named '{settings['scenario']}'; "
                            f"known: {', '.join(library.names()) or 'none'}.")

    from .jsonout import FastJSONProvider
    from .openapi import CustomFieldsPlugin

    app = APIFlask("mockserver", title="HyperTrack Orders API mock", version=__version__,
                   spec_path="/openapi.json", docs_path="/docs", spec_plugins=[CustomFieldsPlugin()])
    app.json = FastJSONProvider(app)
    app.ensure_sync = _remembering(app.ensure_sync)
    app.config.update(
        OPENAPI_VERSION="3.0.3",  # the version of HyperTrack's own spec, so the two compare field for field
        MAX_CONTENT_LENGTH=settings["max_body_bytes"],
        SECURITY_SCHEMES={"BasicAuth": {"type": "http", "scheme": "basic"},
                          "TokenAuth": {"type": "http", "scheme": "bearer"}},
    )
    app.extensions[EXTENSION] = Mock(Store(scenario, settings["seed"], settings["journal_cap"]), library,
                                     settings)

    from .control import bp as control_bp
    from .dataplane.oauth import bp as oauth_bp
    from .dataplane.orders import bp as orders_bp
    from .dataplane.routes import bp as routes_bp
    from .dataplane.workers import bp as workers_bp

    app.register_blueprint(orders_bp)
    app.register_blueprint(routes_bp)
    app.register_blueprint(workers_bp)
    app.register_blueprint(oauth_bp)
    app.register_blueprint(control_bp)

    from .intercept import install

    install(app)

    @app.spec_processor
    def one_tag_each(spec):
        """Blueprints sharing a tag (orders and routes) list it once."""
        seen = set()
        spec["tags"] = [t for t in spec.get("tags", []) if not (t["name"] in seen or seen.add(t["name"]))]
        return spec

    @app.errorhandler(HyperTrackError)
    def render_business_error(error: HyperTrackError):
        return error.body(), error.status

    @app.errorhandler(NotFound)
    def render_not_found(error: NotFound):
        return app.error_callback(HTTPError(404, error.message))

    return app
