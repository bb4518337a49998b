"""`activecampaign-sandbox serve`: run the emulated API until SIGINT/SIGTERM."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
import time

from .sandbox import Sandbox


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="activecampaign-sandbox", description="Local emulation of the ActiveCampaign API v3."
    )
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("serve", help="serve the emulated API over HTTP")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=0, help="0 picks a free port (printed first)")
    s.add_argument("--token", default="test-token", help="the Api-Token clients must send")
    s.add_argument("--seed", type=int, default=1)
    s.add_argument("--contacts", type=int, default=10000)
    s.add_argument("--rate", type=float, default=None, help="requests/second (off by default)")
    s.add_argument(
        "--rate-others",
        type=float,
        default=0.0,
        help="requests/second the account's other integrations spend from the same --rate",
    )
    s.add_argument(
        "--rate-penalty-s",
        type=float,
        default=0.0,
        help="a request over --rate refuses the whole account this long (Retry-After)",
    )
    s.add_argument(
        "--rate-503",
        type=float,
        default=0.0,
        help="fraction of rate-limit refusals answered by a 503 page instead of a 429",
    )
    s.add_argument("--latency-ms", type=float, default=0.0)
    s.add_argument("--fail", type=float, default=0.0, help="fraction of requests faulted")
    s.add_argument("--stall-s", type=float, default=2.5, help="length of a stall fault")
    s.add_argument(
        "--lost",
        type=float,
        default=0.0,
        help="fraction of writes applied whose answer is then lost (connection dropped)",
    )
    s.add_argument(
        "--import-delay-s",
        type=float,
        default=0.2,
        help="delay before a bulk import batch is processed",
    )
    s.add_argument(
        "--import-false-window-s",
        type=float,
        default=0.5,
        help='GET /import/info answers "status": false this long after a batch is submitted',
    )
    s.add_argument(
        "--filter-time-reading",
        choices=("offset", "account_wall_time"),
        default="offset",
        help="how date filter values are read: honour their offset, or the account's wall time",
    )
    s.add_argument(
        "--list-includes",
        default=None,
        help="comma-separated include= values GET /contacts honours (default: all supported)",
    )
    s.add_argument(
        "--link-writes-bump-contact-udate",
        action="store_true",
        help="writes to a contact's tags, lists, field values... also stamp its udate",
    )
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    stop = threading.Event()

    def _on_signal(signum: int, frame: object) -> None:
        stop.set()

    signal.signal(signal.SIGINT, _on_signal)
    signal.signal(signal.SIGTERM, _on_signal)
    t0 = time.perf_counter()
    sb = Sandbox(
        token=args.token,
        seed=args.seed,
        contacts=args.contacts,
        rate=args.rate,
        latency_ms=args.latency_ms,
        fail=args.fail,
        host=args.host,
        port=args.port,
        stall_s=args.stall_s,
        import_delay_s=args.import_delay_s,
        import_false_window_s=args.import_false_window_s,
        lost=args.lost,
        rate_others=args.rate_others,
        rate_penalty_s=args.rate_penalty_s,
        rate_503=args.rate_503,
        filter_time_reading=args.filter_time_reading,
        list_includes=None if args.list_includes is None else args.list_includes.split(","),
        link_writes_bump_contact_udate=args.link_writes_bump_contact_udate,
    )
    sb.start()
    print(sb.port, flush=True)
    print(f"api_url={sb.api_url}", flush=True)
    print(
        f"ready contacts={args.contacts} seed={args.seed} startup_s={time.perf_counter() - t0:.2f}",
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
