"""Draw the benchmark plots from results.json (runs in the bench's own venv, with matplotlib).

Usage: python plots.py results.json OUTDIR
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

OURS = ("ours (this repo)", "#1f77b4")
PEER = ("singer-io tap 1.3.1", "#d62728")
BASE = ("baseline: one contact/sync per contact", "#d62728")


def labelled_line(ax, xs: list, ys: list, label: str, color: str, value_format: str) -> None:
    """One series with each point's value written above it (nothing if it has no points)."""
    if not xs:
        return
    ax.plot(xs, ys, marker="o", color=color, label=label)
    for x, y in zip(xs, ys, strict=True):
        ax.annotate(
            value_format.format(y),
            (x, y),
            textcoords="offset points",
            xytext=(0, 6),
            ha="center",
            fontsize=8,
            color=color,
        )


def throughput(results: dict, out: Path) -> None:
    points = (results.get("sections", {}).get("latency") or {}).get("points") or []
    fig, ax = plt.subplots(figsize=(7, 4.2), dpi=120)
    for who, (label, color) in (("ours", OURS), ("peer", PEER)):
        xs = [p["latency_ms"] for p in points if (p.get(who) or {}).get("sustained_rps")]
        ys = [p[who]["sustained_rps"] for p in points if (p.get(who) or {}).get("sustained_rps")]
        labelled_line(ax, xs, ys, label, color, "{:.0f}")
    ax.axhline(
        500, color="grey", linestyle="--", linewidth=1, label="ceiling: 5 req/s x 100 records"
    )
    ax.axhline(475, color="grey", linestyle=":", linewidth=1, label="95% of the ceiling")
    ax.set_xlabel("sandbox latency per request (ms)")
    ax.set_ylabel("contacts per second (sustained)")
    ax.set_title("Contacts/s at the 5 requests/s limit, by server latency")
    ax.set_ylim(0, 560)
    ax.set_xticks([p["latency_ms"] for p in points] or [0, 200, 400, 800])
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="lower left")
    fig.tight_layout()
    fig.savefig(out / "throughput_vs_latency.png")
    plt.close(fig)


def memory(results: dict, out: Path) -> None:
    sections = results.get("sections", {})
    memory_section = sections.get("memory") or {}
    load = sections.get("load") or {}
    tap = memory_section.get("points") or []
    # Target: the figure-4 load (10k at --rate 5) and the big unthrottled load.
    target = []
    if load.get("ours"):
        target.append({"contacts": load.get("contacts"), "ours": load["ours"]})
    if load.get("baseline"):
        target.append({"contacts": load.get("baseline_contacts"), "baseline": load["baseline"]})
    target += (sections.get("target_memory") or {}).get("points") or []
    target.sort(key=lambda p: p.get("contacts") or 0)
    fig, axes = plt.subplots(1, 2, figsize=(10, 4.2), dpi=120)
    for ax, points, title, sides in (
        (axes[0], tap, "Tap: peak RSS reading contacts", (("ours", OURS), ("peer", PEER))),
        (
            axes[1],
            target,
            "Target: peak RSS loading contacts",
            (("ours", OURS), ("baseline", BASE)),
        ),
    ):
        for who, (label, color) in sides:
            xs = [p["contacts"] for p in points if (p.get(who) or {}).get("maxrss_mb")]
            ys = [p[who]["maxrss_mb"] for p in points if (p.get(who) or {}).get("maxrss_mb")]
            labelled_line(ax, xs, ys, label, color, "{:.0f} MB")
        if points and title.startswith("Tap"):
            ax.axhline(200, color="grey", linestyle="--", linewidth=1, label="target: < 200 MB")
        ax.set_xscale("log")
        ax.set_xlabel("contacts (log scale)")
        ax.set_ylabel("peak RSS (MB)")
        ax.set_title(title, fontsize=10)
        tops = [
            p[w]["maxrss_mb"] for p in points for w, _ in sides if (p.get(w) or {}).get("maxrss_mb")
        ]
        ax.set_ylim(0, max([*tops, 200 if title.startswith("Tap") else 0, 10]) * 1.15)
        ax.grid(alpha=0.3)
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=8, loc="center right")
    fig.tight_layout()
    fig.savefig(out / "memory_vs_size.png")
    plt.close(fig)


def main() -> int:
    results = json.loads(Path(sys.argv[1]).read_text())
    out = Path(sys.argv[2])
    out.mkdir(parents=True, exist_ok=True)
    throughput(results, out)
    memory(results, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
