"""Settings: defaults in code, then ``HYPERTRACK_MOCK_*`` environment variables, then explicit values."""
from __future__ import annotations

import os

DEFAULTS = {
    "host": "127.0.0.1",
    "port": 8080,
    "fixtures": None,          # None: the scenarios shipped with the package
    "scenario": "default",
    "seed": None,              # None: generated values differ on every start
    "max_body_bytes": 1024 * 1024,
    "journal_cap": 1000,       # journal entries kept per tenant (and server-wide); 0: no journal
    "journal_bytes": 1024 * 1024,  # bytes a journal (each tenant's, the server-wide one) may hold
    "log_requests": False,     # one line per request on stderr
    "max_tenants": None,       # None: accounts are bounded by tenants_bytes alone (a count cap if set)
    "tenants_bytes": 256 * 1024 * 1024,  # what every account's state may hold, together (estimated)
    "account_bytes": 64 * 1024 * 1024,   # what one account's control-plane state may hold
    "inbox_bytes": 4 * 1024 * 1024,      # deliveries one /__mock/inbox/<name> keeps, oldest dropped first
    "inboxes_bytes": 64 * 1024 * 1024,   # deliveries every inbox keeps, together
    "max_tokens": 100_000,     # OAuth tokens live at once; past it, the oldest is forgotten
    "admin_token": None,       # None: server-wide control calls are open to anyone who reaches the port
    "max_connections": None,   # None: the file-descriptor soft limit less a tenth (at least 64) of it
    "header_timeout": 15,      # seconds a request head may take to arrive whole
    "strict_parameters": False,  # a query parameter the mock does not apply: 422, not a header saying so
}
#: The smallest and largest value each integer setting may take (None: unbounded).
_INTEGERS = {"port": (0, 65535), "seed": (None, None), "max_body_bytes": (1, None), "journal_cap": (0, None),
             "journal_bytes": (1024, None), "max_tenants": (1, None), "tenants_bytes": (1024 * 1024, None),
             "account_bytes": (64 * 1024, None), "inbox_bytes": (4096, None), "inboxes_bytes": (4096, None),
             "max_tokens": (1, None),
             "max_connections": (1, None), "header_timeout": (1, 3600)}
_BOOLEANS = {"log_requests", "strict_parameters"}
_TRUE, _FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off")
ENV_PREFIX = "HYPERTRACK_MOCK_"


class ConfigError(ValueError):
    pass


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
    if key in _BOOLEANS:
        if isinstance(value, bool):
            return value
        if str(value).lower() in _TRUE + _FALSE:
            return str(value).lower() in _TRUE
        raise ConfigError(f"{source} must be true or false, not {value!r}.")
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
