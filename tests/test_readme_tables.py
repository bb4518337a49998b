"""The README's settings and stream tables say what the plugins really do.

The settings tables are documented as the output of `--about --format=markdown`, and the stream
table as the catalog: both drift silently when a setting or stream changes, so they are compared
here, row by row, with what the installed plugins print and discover.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def table_after(text: str, marker: str) -> list[list[str]]:
    """Rows (cells stripped) of the first markdown table after `marker`, header included."""
    start = text.rfind("\n", 0, text.index(marker)) + 1
    rows: list[list[str]] = []
    for line in text[start:].splitlines():
        if line.startswith("|"):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if not all(set(c) <= set(":- ") for c in cells):
                rows.append(cells)
        elif rows:
            break
    return rows


def about_settings(module: str) -> list[list[str]]:
    """The settings table a plugin prints with --about --format=markdown."""
    out = subprocess.run(
        [sys.executable, "-m", module, "--about", "--format=markdown"],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    ).stdout
    return table_after(out, "| Setting")


@pytest.mark.parametrize(
    ("plugin", "module"),
    [
        ("tap-activecampaign", "tap_activecampaign.tap"),
        ("target-activecampaign", "target_activecampaign.target"),
    ],
)
def test_settings_table_is_the_about_output(plugin: str, module: str) -> None:
    documented = table_after(README, f"Output of `{plugin} --about --format=markdown`")
    assert documented == about_settings(module), (
        f"README settings table of {plugin} differs from its --about output: paste it again"
    )


def stream_table() -> dict[str, dict[str, str]]:
    """README stream table keyed by stream name, each row as {column header: cell}."""
    header, *rows = table_after(README, "| Stream |")
    table = {}
    for row in rows:
        name = re.sub(r"`([^`]*)`.*", r"\1", row[0])
        table[name] = dict(zip(header, row, strict=True))
    return table


def test_stream_table_is_the_catalog(sandbox, tmp_path: Path) -> None:
    config = tmp_path / "config.json"
    config.write_text(
        json.dumps({"api_url": sandbox.api_url, "api_token": sandbox.token, "custom_objects": True})
    )
    catalog = json.loads(
        subprocess.run(
            [sys.executable, "-m", "tap_activecampaign.tap", "--config", str(config), "--discover"],
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
        ).stdout
    )
    documented = stream_table()
    discovered: dict[str, dict] = {}  # name -> catalog entry
    for entry in catalog["streams"]:
        name = entry["tap_stream_id"]
        if name.startswith("custom_object_") and name != "custom_object_schemas":
            name = "custom_object_<slug>"
        discovered[name] = entry
    assert sorted(documented) == sorted(discovered), "README stream table lists other streams"
    for name, entry in discovered.items():
        row = documented[name]
        assert row["Replication"] == entry["replication_method"], f"{name}: {row['Replication']}"
        key = entry.get("replication_key")
        want = f"`{key}`" if key else "—"
        assert row["Replication key"] == want, f"{name}: README says {row['Replication key']}"
        assert row["Key"] == ", ".join(entry["key_properties"]), f"{name}: README says {row['Key']}"
