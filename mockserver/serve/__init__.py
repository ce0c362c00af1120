"""The one HTTP server, for every way of running: the CLI and the container, and the pytest plugin's thread.

``http.Connection`` reads HTTP/1.1 off a socket with httptools (llhttp, Node.js's parser), hands each
request to the app and writes its answer; it also does what only a transport can: wait out a fault's
delay without holding anyone up, and drop a connection as a fault asks.  ``server.Server`` binds,
runs the event loop (in this thread or in its own) and stops cleanly.
"""
from .server import Server

__all__ = ["Server"]
