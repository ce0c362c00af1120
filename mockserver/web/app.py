"""The application factory: settings, scenarios, the backend, the Flask app and the pipeline, put together."""
from __future__ import annotations

from apiflask import APIFlask

from ..config import load_settings
from ..models import Backend
from ..models.errors import HyperTrackError, Invalid, NotFound
from ..scenarios import ScenarioError, ScenarioLibrary, populate
from ..version import __version__
from ..webhooks import Dispatcher
from . import control, dataplane
from .errors import render
from .handoff import FlaskHandoff
from .openapi import CustomFieldsPlugin
from .operations import Routes
from .pipeline import Pipeline
from .responses import JSONProvider


class MockApp:
    """What a server serves: call it with a ``Request``, get an ``Answer`` (or a ``Wait``).

    ``backend`` is the state, ``library`` the scenarios, ``flask`` the Flask app behind the control
    plane and the OpenAPI document, ``dispatcher`` what delivers webhooks, ``settings`` what it was
    built with.
    """

    def __init__(self, settings: dict, library: ScenarioLibrary, backend: Backend, flask: APIFlask):
        self.settings, self.library, self.backend, self.flask = settings, library, backend, flask
        self.dispatcher = Dispatcher()
        #: where the server serving this app reaches it (set by ``serve.Server``)
        self.own_url = "http://127.0.0.1:8080"
        #: the control plane's receivers (``/__mock/inbox/<name>``), within their byte budgets
        self.inboxes = control.Inboxes(settings["inbox_bytes"], settings["inboxes_bytes"])
        self.pipeline = Pipeline(backend, Routes(flask), FlaskHandoff(flask), settings["max_body_bytes"],
                                 self.dispatcher, settings["strict_parameters"])

    def __call__(self, request):
        return self.pipeline(request)

    @property
    def spec(self) -> dict:
        """The OpenAPI document served at ``/openapi.json``."""
        return self.flask.spec


def create_app(config: dict | None = None) -> MockApp:
    """Build the mock; ``config`` overrides the defaults and the ``HYPERTRACK_MOCK_*`` variables."""
    settings = load_settings(config)
    library = ScenarioLibrary(settings["fixtures"])
    scenario = library.get(settings["scenario"])
    if scenario is None:
        raise ScenarioError(str(library.directory), f"No scenario named '{settings['scenario']}'; "
                            f"known: {', '.join(library.names()) or 'none'}.")
    backend = Backend(scenario, populate, settings["seed"], settings["journal_cap"], settings["journal_bytes"],
                      settings["max_tenants"], settings["tenants_bytes"], settings["account_bytes"],
                      settings["max_tokens"])
    mock = MockApp(settings, library, backend, _flask_app(settings))
    mock.flask.extensions[control.EXTENSION] = mock
    return mock


def _flask_app(settings: dict) -> APIFlask:
    """The Flask app: the control plane it serves, and HyperTrack's operations it documents."""
    flask = APIFlask("mockserver", title="HyperTrack Orders API mock", version=__version__,
                     spec_path="/openapi.json", docs_path="/docs", spec_plugins=[CustomFieldsPlugin()])
    flask.json = JSONProvider(flask)
    flask.url_map.merge_slashes = False  # /orders//track is unknown (404), not a redirect to /orders/track
    flask.config.update(
        OPENAPI_VERSION="3.0.3",  # the version of HyperTrack's own spec, so the two compare field for field
        MAX_CONTENT_LENGTH=settings["max_body_bytes"],
        SECURITY_SCHEMES={"BasicAuth": {"type": "http", "scheme": "basic"},
                          "TokenAuth": {"type": "http", "scheme": "bearer"}},
    )
    for blueprint in dataplane.BLUEPRINTS:
        flask.register_blueprint(blueprint)
    for blueprint in control.BLUEPRINTS:
        flask.register_blueprint(blueprint)

    @flask.spec_processor
    def one_tag_each(spec):
        """Blueprints sharing a tag (orders and routes) list it once."""
        seen = set()
        spec["tags"] = [t for t in spec.get("tags", []) if not (t["name"] in seen or seen.add(t["name"]))]
        return spec

    @flask.error_processor
    def render_http_error(error):
        return render(error)[1], error.status_code, error.headers

    @flask.errorhandler(HyperTrackError)
    @flask.errorhandler(NotFound)
    @flask.errorhandler(Invalid)
    def render_model_error(error):
        status, body, headers = render(error)
        return body, status, headers

    return flask
