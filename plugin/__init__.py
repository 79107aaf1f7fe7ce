"""Alliance Panel: a SMART-on-FHIR plugin that shows the therapeutic alliance beside the chart."""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"
APP_NAME = "Alliance Panel"


def create_app(config: Any = None, **kwargs: Any) -> Any:
    """Build the Flask app (imported lazily so the domain never pulls in flask)."""
    from plugin.web.app import create_app as build

    return build(config, **kwargs)
