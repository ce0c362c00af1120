"""HyperTrack's own endpoints, as operations the pipeline calls: inputs loaded, a tenant call, its answer.

``BLUEPRINTS`` lists them for the app factory; the data plane never imports the control plane.
"""
from .oauth import bp as oauth
from .orders import bp as orders
from .routes import bp as routes
from .workers import bp as workers

BLUEPRINTS = (orders, routes, workers, oauth)
