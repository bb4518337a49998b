"""Run a command and write its own CPU time and peak RSS to a JSON file.

Why a wrapper: Linux carries the memory high-water mark of the address space a process had
before exec() into its ru_maxrss. A child spawned straight from the harness (vfork) would report
the harness's own RSS whenever that is larger. Forked from this small process instead, the
command's ru_maxrss is its own (this wrapper's ~10 MB is below any Python program's footprint).

Usage: python -I rusage_run.py OUT.json -- command args...
stdin, stdout and stderr are the command's own; the exit status is passed on.
"""

import json
import os
import signal
import sys


def main() -> int:
    out, sep, argv = sys.argv[1], sys.argv[2], sys.argv[3:]
    if sep != "--" or not argv:
        print(__doc__, file=sys.stderr)
        return 2
    pid = os.fork()
    if pid == 0:
        try:
            os.execvp(argv[0], argv)
        finally:
            os._exit(127)

    def forward(signum: int, frame: object) -> None:
        os.kill(pid, signum)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    _, status, usage = os.wait4(pid, 0)
    with open(out, "w") as fh:
        json.dump(
            {
                "user": usage.ru_utime,
                "sys": usage.ru_stime,
                "maxrss_kb": usage.ru_maxrss,
                "status": status,
            },
            fh,
        )
    code = os.waitstatus_to_exitcode(status)
    return code if code >= 0 else 128 - code


if __name__ == "__main__":
    sys.exit(main())
