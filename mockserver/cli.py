"""``hypertrack-mock``: serve the mock on a port until stopped."""
from __future__ import annotations

import argparse
import logging
import sys

from .config import DEFAULTS, ConfigError, env_name, load_settings
from .scenarios import ScenarioError
from .serve.server import CannotListen, Server
from .version import __version__
from .web.app import create_app


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="hypertrack-mock",
        description="An in-memory, contract-faithful mock of HyperTrack's Orders API. "
                    "Every flag can also be set with the HYPERTRACK_MOCK_<FLAG> environment variable.",
    )
    p.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    p.add_argument("--host", help=f"address to bind (default {DEFAULTS['host']}; {env_name('host')})")
    p.add_argument("--port", type=int, help=f"port to bind (default {DEFAULTS['port']}; 0 picks a free one; "
                   f"{env_name('port')})")
    p.add_argument("--fixtures", metavar="DIR", help="directory of scenario *.json files "
                   f"(default: the shipped scenarios; {env_name('fixtures')})")
    p.add_argument("--scenario", metavar="NAME", help="startup scenario "
                   f"(default {DEFAULTS['scenario']}; {env_name('scenario')})")
    p.add_argument("--seed", type=int, metavar="N", help="make every generated value and UUID repeatable "
                   f"({env_name('seed')})")
    p.add_argument("--max-body-bytes", type=int, metavar="N", help="largest request body accepted "
                   f"(default {DEFAULTS['max_body_bytes']}; {env_name('max_body_bytes')})")
    p.add_argument("--journal-cap", type=int, metavar="N", help="journal entries kept per tenant and "
                   f"server-wide, oldest dropped first (default {DEFAULTS['journal_cap']}; 0 turns the journal off; "
                   f"{env_name('journal_cap')})")
    p.add_argument("--journal-bytes", type=int, metavar="N", help="bytes each tenant's journal (and the "
                   f"server-wide one) may hold, oldest dropped first (default {DEFAULTS['journal_bytes']}; "
                   f"{env_name('journal_bytes')})")
    p.add_argument("--tenants-bytes", type=int, metavar="N", help="bytes every account's state may hold together "
                   "(estimated); past it, the least recently used account idle for a minute starts over, and a new "
                   f"account is refused with 503 if none is (default {DEFAULTS['tenants_bytes']}; "
                   f"{env_name('tenants_bytes')})")
    p.add_argument("--max-tenants", type=int, metavar="N", help="also cap the accounts kept by number, the same "
                   f"way (default: no cap; {env_name('max_tenants')})")
    p.add_argument("--account-bytes", type=int, metavar="N", help="bytes the control plane may store for one "
                   "account (fault rules, a scenario loaded for it, webhook messages kept); past it a control call "
                   f"answers 413 (default {DEFAULTS['account_bytes']}; {env_name('account_bytes')})")
    p.add_argument("--inbox-bytes", type=int, metavar="N", help="bytes of deliveries one /__mock/inbox/<name> keeps, "
                   f"oldest dropped first (default {DEFAULTS['inbox_bytes']}; {env_name('inbox_bytes')})")
    p.add_argument("--inboxes-bytes", type=int, metavar="N", help="bytes of deliveries every inbox keeps together "
                   f"(default {DEFAULTS['inboxes_bytes']}; {env_name('inboxes_bytes')})")
    p.add_argument("--max-tokens", type=int, metavar="N", help="OAuth tokens live at once; past it, the oldest is "
                   f"forgotten (default {DEFAULTS['max_tokens']}; {env_name('max_tokens')})")
    p.add_argument("--admin-token", metavar="TOKEN", help="lock the server-wide control calls: they then need "
                   f"'X-Mock-Admin-Token: TOKEN' ({env_name('admin_token')}; prefer the variable, which "
                   "other users of the machine cannot read in the process list)")
    p.add_argument("--max-connections", type=int, metavar="N", help="connections held at once; past it the one "
                   "idle longest is closed, or the new one gets a 503 (default: the file-descriptor limit less a "
                   f"tenth; {env_name('max_connections')})")
    p.add_argument("--header-timeout", type=int, metavar="SECONDS", help="close a connection whose request head "
                   f"is not complete this long after it began, with a 408 (default {DEFAULTS['header_timeout']}; "
                   f"{env_name('header_timeout')})")
    p.add_argument("--strict-parameters", action="store_true", default=None,
                   help="answer 422 to a query parameter the mock does not apply (one HyperTrack documents "
                   "but the mock's state cannot answer, or an unknown one), instead of naming it in the "
                   f"X-Mock-Ignored-Parameters header ({env_name('strict_parameters')}=true)")
    p.add_argument("--log-requests", action="store_true", default=None,
                   help=f"print one line per request on stderr ({env_name('log_requests')}=true)")
    return p


def main(argv=None) -> int:
    args = parser().parse_args(argv)
    try:
        settings = load_settings(vars(args))
        app = create_app({k: settings[k] for k in (
            "fixtures", "scenario", "seed", "max_body_bytes", "journal_cap", "journal_bytes", "max_tenants",
            "tenants_bytes", "account_bytes", "inbox_bytes", "inboxes_bytes", "max_tokens", "admin_token",
            "strict_parameters")})
        server = Server(app, settings["host"], settings["port"], log_requests=settings["log_requests"],
                        max_connections=settings["max_connections"], header_seconds=settings["header_timeout"])
    except (ConfigError, ScenarioError, CannotListen) as error:
        print(f"hypertrack-mock: {error}", file=sys.stderr)
        return 2
    if settings["log_requests"]:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("hypertrack-mock: %(message)s"))
        logging.getLogger("hypertrack_mock").addHandler(handler)
        logging.getLogger("hypertrack_mock").setLevel(logging.INFO)

    def ready(url: str) -> None:
        print(f"hypertrack-mock: serving {url} (scenario '{settings['scenario']}')", flush=True)

    server.serve_forever(ready, collect=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
