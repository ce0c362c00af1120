"""The app as a WSGI callable for other servers: ``gunicorn 'mockserver.wsgi:app'``.

Settings come from the ``HYPERTRACK_MOCK_*`` environment variables.  Run one worker process only: the
state is in that process's memory.
"""
from . import create_app

app = create_app()
