"""`activecampaign-sandbox serve`: run the emulated API until SIGINT/SIGTERM; `routes`: where
each endpoint is served.

Its flags are the fields of `SandboxOptions` (options.py), so the CLI, `Sandbox` and
`SandboxProcess` cannot disagree on a setting or its default.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
import time

from .api import Account, route_table
from .options import add_arguments, from_arguments
from .sandbox import Sandbox


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="activecampaign-sandbox", description="Local emulation of the ActiveCampaign API v3."
    )
    sub = p.add_subparsers(dest="cmd", required=True)
    add_arguments(sub.add_parser("serve", help="serve the emulated API over HTTP"))
    sub.add_parser("routes", help="list every endpoint with the module that serves it")
    return p


def print_routes() -> int:
    """One line per endpoint: method and path, the handler serving it, the module of its spec."""
    for route, handler, spec in route_table(Account(contacts=0)):
        print(f"{route:<56} {handler:<40} {spec}".rstrip())
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.cmd == "routes":
        return print_routes()
    stop = threading.Event()

    def _on_signal(signum: int, frame: object) -> None:
        stop.set()

    signal.signal(signal.SIGINT, _on_signal)
    signal.signal(signal.SIGTERM, _on_signal)
    t0 = time.perf_counter()
    opts = from_arguments(args)
    sb = Sandbox(opts)
    sb.start()
    print(sb.port, flush=True)
    print(f"api_url={sb.api_url}", flush=True)
    print(
        f"ready contacts={opts.contacts} seed={opts.seed} startup_s={time.perf_counter() - t0:.2f}",
        flush=True,
    )
    try:
        while not stop.wait(0.5):
            pass
    finally:
        sb.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
