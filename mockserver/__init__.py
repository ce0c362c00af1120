"""An in-memory, contract-faithful mock of HyperTrack's Orders API."""
__version__ = "0.1.0"


def create_app(config=None):
    """Build the mock's WSGI app (see ``mockserver.app.create_app``)."""
    from .app import create_app as _create_app

    return _create_app(config)
