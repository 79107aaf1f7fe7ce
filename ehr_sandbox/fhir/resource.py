"""What a FHIR resource is to the sandbox: parsed JSON, read leniently, never a pydantic model.

The sandbox stores and serves whatever valid JSON a client sends (extra and missing fields
included), so a resource is a JSON object; the few places that need a model validate with
fhir.resources (validation.py). Every module of the sandbox names resources with these aliases.
"""

from __future__ import annotations

from typing import Any

# A FHIR resource (or any JSON object inside one): keys are element names, values JSON.
Resource = dict[str, Any]
# Search or query parameters in order, repeats kept: [("patient", "123"), ("_count", "10")].
Params = list[tuple[str, str]]
