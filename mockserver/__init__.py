"""An in-memory, contract-faithful mock of HyperTrack's Orders API."""
__version__ = "0.2.0"


def create_app(config=None):
    """Build the mock (see ``mockserver.web.app.create_app``): a ``MockApp`` a ``serve.Server`` serves."""
    from .web.app import create_app as _create_app

    return _create_app(config)
