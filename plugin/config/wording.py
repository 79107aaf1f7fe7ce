"""The one message that stops start-up: every problem, each setting named as it was written
(the TOML key and its file, or the environment variable) with what it should be."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from plugin.config.declare import PREFIX

HEADER = "Alliance Panel cannot start; fix these settings:"


def label(name: str, origins: Mapping[str, str]) -> str:
    """A setting as the person wrote it: the TOML key in its file, else the variable."""
    origin = origins.get(name)
    if origin:
        return f"{name} (in {origin})"
    return f"{PREFIX}{name.upper()}"


def explain(errors: Mapping[str, Any], origins: Mapping[str, str],
            hints: Mapping[str, str]) -> str:
    lines = [HEADER]
    for name in sorted(errors):
        detail = errors[name]
        if name == "issuers" and isinstance(detail, list):  # each line names its table
            lines.extend(f"  {line}" for line in detail)
            continue
        text = "; ".join(str(d) for d in detail) if isinstance(detail, list) else str(detail)
        text = text.rstrip(".")
        hint = hints.get(name)
        shown = name if name in ("_schema", "settings") else label(name, origins)
        lines.append(f"  {shown}: {text}" + (f". Set it to {hint}." if hint else ""))
    return "\n".join(lines)
