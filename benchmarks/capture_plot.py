"""Draw the change-capture plot from results.json (runs in the bench's plot venv).

Usage: python capture_plot.py results.json OUTDIR
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

SERIES = (
    ("ours_nothing_changed", "ours, nothing changed", "#1f77b4", "-"),
    ("ours_changed", "ours, 1% of contacts changed", "#1f77b4", "--"),
    ("peer_nothing_changed", "singer-io tap 1.3.1, nothing changed", "#d62728", "-"),
    ("peer_changed", "singer-io tap 1.3.1, 1% changed", "#d62728", "--"),
)


def label_points(ax: Any, xy: list[tuple[int, int]], color: str, prefix: str = "") -> None:
    """Each point's value just above it, in the series' colour."""
    for x, y in xy:
        ax.annotate(
            f"{prefix}{y:,}",
            (x, y),
            textcoords="offset points",
            xytext=(0, 6),
            ha="center",
            fontsize=8,
            color=color,
        )


def main(results_path: str, out_dir: str) -> int:
    results = json.loads(Path(results_path).read_text())
    points = ((results.get("sections") or {}).get("capture") or {}).get("points") or []
    if not points:
        return 0
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for key, label, color, style in SERIES:
        xy = [(p["contacts"], p[key]) for p in points if p.get(key) is not None]
        if not xy:
            continue
        xs, ys = zip(*xy, strict=True)
        ax.plot(xs, ys, marker="o", color=color, linestyle=style, label=label)
        label_points(ax, xy, color)
        projected = [
            (p["contacts"], p[f"{key}_projected"]) for p in points if f"{key}_projected" in p
        ]
        if projected:  # the peer above the sizes it was run at: dotted, open markers
            pxs, pys = zip(*([xy[-1], *projected]), strict=True)
            ax.plot(pxs, pys, marker="o", markerfacecolor="none", color=color, linestyle=":")
            label_points(ax, projected, color, prefix="~")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("contacts in the account")
    ax.set_ylabel("requests per incremental run")
    ax.set_title("Requests per incremental run vs account size")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    Path(out_dir).mkdir(parents=True, exist_ok=True)
    fig.savefig(Path(out_dir) / "capture_requests.png", dpi=120)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
