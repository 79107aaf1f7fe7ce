"""What the renderer tier keeps over a run, shared by its conftest (which prints it at the end)
and its tests (which add to it): each renderer's page and what it did, HAPI's validation
warnings, and the local site's terminology requests."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tests.renderers.drivers import Renderer

FHIR_JSON = {"Content-Type": "application/fhir+json", "Accept": "application/fhir+json"}


@dataclass
class RendererPage:
    """A renderer's page and what it did: requests aborted, page and console errors."""

    renderer: Renderer
    page: Any
    blocked: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)


FIGURES: dict[str, RendererPage] = {}  # printed at the end of the run
VALIDATION_WARNINGS: list[str] = []
LOOKUPS: list[str] = []  # the site's terminology requests (the site appends to this list)
