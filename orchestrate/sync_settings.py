"""Rewrite the settings and capabilities of our two plugins in meltano.yml from `--about`.

The tap and target are the source of truth for their settings; Meltano only passes a setting
(from TAP_ACTIVECAMPAIGN_<NAME> etc.) when meltano.yml declares it. Run after changing a
plugin's config schema: `.venv/bin/python orchestrate/sync_settings.py` (tests/pipeline fails
until meltano.yml matches). Only the text between the `# BEGIN about:<plugin>` and
`# END about:<plugin>` markers changes; comments elsewhere stay.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
MELTANO_YML = ROOT / "meltano.yml"
PLUGINS = ("tap-activecampaign", "target-activecampaign")
INDENT = "      "
# Settings every SDK plugin has; their descriptions live in the SDK docs, not here.
SDK_SETTINGS = {
    "stream_maps",
    "stream_map_config",
    "faker_config",
    "flattening_enabled",
    "flattening_max_depth",
    "flattening_max_key_length",
    "flattening_separator",
    "batch_config",
    "add_record_metadata",
    "load_method",
    "batch_size_rows",
    "validate_records",
}
KINDS = {"string": "string", "integer": "integer", "boolean": "boolean"}
KINDS |= {"object": "object", "array": "array"}


def about(plugin: str) -> dict[str, Any]:
    """The plugin's --about JSON, from the project venv."""
    exe = Path(sys.executable).with_name(plugin)
    out = subprocess.run(
        [str(exe), "--about", "--format=json"], capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout)


def kind_of(schema: dict[str, Any]) -> str:
    """Meltano setting kind for a JSON schema.

    Numbers become `integer`: Meltano 4.4.1 crashes serializing a `decimal` value that came
    from an environment variable; YAML numbers under `config:` still pass through as floats.
    A number the plugin also accepts as a string (a fraction such as
    `audience_max_removal_fraction`) becomes `string`, so `0.1` from the environment passes.
    """
    types = schema.get("type") or ["string"]
    types = [t for t in (types if isinstance(types, list) else [types]) if t != "null"]
    first = types[0] if types else "string"
    if schema.get("format") == "date-time":
        return "date_iso8601"
    if first == "string" and schema.get("enum"):
        return "options"  # `meltano config set` offers and checks the values
    if first == "number":
        return "string" if "string" in types else "integer"
    return KINDS.get(first, "string")


def render(info: dict[str, Any]) -> str:
    """The YAML for capabilities and settings, indented for a plugin entry."""
    lines = [f"{INDENT}capabilities:"]
    lines += [f"{INDENT}  - {c}" for c in sorted(info["capabilities"])]
    lines.append(f"{INDENT}settings:")
    for name, schema in info["settings"]["properties"].items():
        lines.append(f"{INDENT}  - name: {name}")
        lines.append(f"{INDENT}    kind: {kind_of(schema)}")
        if kind_of(schema) == "options":
            lines.append(f"{INDENT}    options:")
            for value in schema["enum"]:  # quoted: YAML reads a bare on/off as a boolean
                lines.append(f"{INDENT}      - label: {json.dumps(str(value))}")
                lines.append(f"{INDENT}        value: {json.dumps(value)}")
        if schema.get("title"):
            lines.append(f"{INDENT}    label: {schema['title']}")
        desc = " ".join(str(schema.get("description") or "").split())
        if desc and name not in SDK_SETTINGS:
            lines.append(f"{INDENT}    description: >-")
            lines += [f"{INDENT}      {part}" for part in textwrap.wrap(desc, 86)]
        if schema.get("secret"):
            lines.append(f"{INDENT}    sensitive: true")
    return "\n".join(lines)


def main() -> int:
    """Replace each marked block; exit 1 when a marker is missing."""
    text = MELTANO_YML.read_text(encoding="utf-8")
    for plugin in PLUGINS:
        begin = f"{INDENT}# BEGIN about:{plugin}\n"
        end = f"{INDENT}# END about:{plugin}\n"
        if begin not in text or end not in text:
            print(f"markers for {plugin} not found in meltano.yml", file=sys.stderr)
            return 1
        head, rest = text.split(begin, 1)
        _, tail = rest.split(end, 1)
        text = head + begin + render(about(plugin)) + "\n" + end + tail
    MELTANO_YML.write_text(text, encoding="utf-8")
    print("meltano.yml settings updated from --about", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
