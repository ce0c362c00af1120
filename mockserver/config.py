"""Settings: defaults in code, then ``HYPERTRACK_MOCK_*`` environment variables, then explicit values."""
from __future__ import annotations

import errno
import os

DEFAULTS = {
    "host": "127.0.0.1",
    "port": 8080,
    "fixtures": None,          # None: the scenarios shipped with the package
    "scenario": "default",
    "seed": None,              # None: generated values differ on every start
    "max_body_bytes": 1024 * 1024,
    "threads": 4,
    "server": "granian",       # the CLI's HTTP server: granian (fast) or waitress (every fault exactly)
    "journal_cap": 1000,       # journal entries kept per tenant (and server-wide); 0: no journal
}
#: The smallest and largest value each integer setting may take (None: unbounded).
_INTEGERS = {"port": (0, 65535), "seed": (None, None), "max_body_bytes": (1, None), "threads": (1, None),
             "journal_cap": (0, None)}
#: The values a setting may take, where they are few.
CHOICES = {"server": ("granian", "waitress")}
ENV_PREFIX = "HYPERTRACK_MOCK_"


class ConfigError(ValueError):
    pass


class CannotListen(OSError):
    """The address cannot be bound: in use, not on this machine, or not an address at all."""

    @classmethod
    def because(cls, error: OSError, host: str, port: int) -> CannotListen:
        """Why binding ``host:port`` failed with ``error``, in words for the command line."""
        if error.errno == errno.EADDRINUSE:
            return cls(f"port {port} on {host} is already in use; stop what is using it or choose another "
                       "with --port")
        return cls(f"cannot listen on {host}:{port}: {error.strerror or error}")


def url_for(host: str, port: int) -> str:
    """The base URL of a server listening on ``host`` (an IPv6 address in brackets) and ``port``."""
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def env_name(key: str) -> str:
    return ENV_PREFIX + key.upper()


def load_settings(overrides: dict | None = None, environ=os.environ) -> dict:
    """Defaults, overridden by the environment, overridden by ``overrides`` (``None`` values skipped)."""
    settings = dict(DEFAULTS)
    for key in DEFAULTS:
        value = environ.get(env_name(key))
        if value not in (None, ""):
            settings[key] = _coerce(key, value, env_name(key))
    for key, value in (overrides or {}).items():
        if key not in DEFAULTS:
            raise ConfigError(f"Unknown setting '{key}'; known: {', '.join(DEFAULTS)}.")
        if value is not None:
            settings[key] = _coerce(key, value, key)
    return settings


def _coerce(key, value, source):
    if key in CHOICES:
        if value not in CHOICES[key]:
            raise ConfigError(f"{source} must be one of {', '.join(CHOICES[key])}, not {value!r}.")
        return value
    if key not in _INTEGERS:
        return value
    if not isinstance(value, int):
        try:
            value = int(value)
        except ValueError:
            raise ConfigError(f"{source} must be an integer, not {value!r}.") from None
    low, high = _INTEGERS[key]
    if (low is not None and value < low) or (high is not None and value > high):
        bounds = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise ConfigError(f"{source} must be {bounds}, not {value}.")
    return value
