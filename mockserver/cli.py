"""``hypertrack-mock``: serve the mock on a port until stopped."""
from __future__ import annotations

import argparse
import gc
import sys

from .config import CHOICES, DEFAULTS, CannotListen, ConfigError, env_name, load_settings
from .scenarios import ScenarioError


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="hypertrack-mock",
        description="An in-memory, contract-faithful mock of HyperTrack's Orders API. "
                    "Every flag can also be set with the HYPERTRACK_MOCK_<FLAG> environment variable.",
    )
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
    p.add_argument("--threads", type=int, metavar="N", help="waitress's threads (granian serves from one event loop) "
                   f"(default {DEFAULTS['threads']}; {env_name('threads')})")
    p.add_argument("--server", choices=CHOICES["server"], help="HTTP server: granian, the faster, or "
                   "waitress, whose reset for a drop_connection fault is an RST alone "
                   f"(default {DEFAULTS['server']}; {env_name('server')})")
    p.add_argument("--journal-cap", type=int, metavar="N", help="journal entries kept per tenant and "
                   f"server-wide, oldest dropped first (default {DEFAULTS['journal_cap']}; 0 turns the journal off; "
                   f"{env_name('journal_cap')})")
    return p


def main(argv=None) -> int:
    args = parser().parse_args(argv)
    try:
        settings = load_settings({k: v for k, v in vars(args).items()})
        from .app import create_app
        app = create_app({k: settings[k] for k in ("fixtures", "scenario", "seed", "max_body_bytes",
                                                    "journal_cap")})
        server = None
        if settings["server"] == "waitress":
            from .server import bind

            server = bind(app, settings["host"], settings["port"], settings["threads"])
    except (ConfigError, ScenarioError, CannotListen) as error:
        print(f"hypertrack-mock: {error}", file=sys.stderr)
        return 2
    # The state only grows between resets and is acyclic; frequent full collections over it were the
    # latency tail.  Keep what start-up built out of the collector (before granian forks its worker, so
    # the worker starts with it frozen), and collect less often.  granian's worker goes further: it
    # collects between requests only, and freezes the survivors (``rsgi.collect_young``).
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)

    def ready(url: str) -> None:
        print(f"hypertrack-mock: serving {url} (scenario '{settings['scenario']}', {settings['server']})", flush=True)

    if server is not None:
        from .server import serve_forever, url_of

        ready(url_of(server))
        serve_forever(server)
        return 0
    from .granian_server import serve

    try:
        serve(app, settings["host"], settings["port"], ready)
    except CannotListen as error:
        print(f"hypertrack-mock: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
