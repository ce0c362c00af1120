"""An in-memory, contract-faithful mock of HyperTrack's Orders API."""
from .version import __version__


def create_app(config=None):
    """Build the mock (see ``mockserver.web.app.create_app``): a ``MockApp`` a ``serve.Server`` serves."""
    from .web.app import create_app as _create_app

    return _create_app(config)


__all__ = ["__version__", "create_app"]
