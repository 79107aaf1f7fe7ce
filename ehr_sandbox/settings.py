"""Settings of the development EHR: where it lives, which apps it knows, how it behaves."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

ClientKind = Literal["public", "symmetric", "asymmetric"]
ScopeSyntax = Literal["v1", "v2"]


@dataclass(frozen=True)
class ClientRegistration:
    """An app registered with the sandbox's authorization server.

    kind is "public" (PKCE only), "symmetric" (client_secret_basic) or "asymmetric"
    (private_key_jwt, keys from `jwks` or fetched from `jwks_uri`).
    """

    client_id: str
    kind: ClientKind
    redirect_uris: tuple[str, ...]
    secret: str | None = None
    jwks: dict[str, Any] | None = None
    jwks_uri: str | None = None
    launch_url: str | None = None


@dataclass(frozen=True)
class SandboxSettings:
    """base_url is the sandbox's own origin, e.g. http://localhost:8081.

    The FHIR base is {base_url}/fhir, the OAuth issuer {base_url}/auth.
    """

    base_url: str
    app_launch_url: str
    clients: tuple[ClientRegistration, ...]
    db_path: Path
    seed: int = 20261125
    # "v2": discovery lists permission-v2; "v1": permission-v1 only.
    scope_syntax: ScopeSyntax = "v2"
    access_token_lifetime: int = 3600
    # Resource types the FHIR server accepts create/update for; the CapabilityStatement says so.
    writable_types: frozenset[str] = field(
        default_factory=lambda: frozenset(
            {"QuestionnaireResponse", "Observation", "Provenance", "Questionnaire"}
        )
    )
    # False for a companion record store: the server starts empty (no cohort, no chart data)
    # and holds the records an EHR will not accept, pointing at the EHR by absolute reference.
    load_cohort: bool = True
    # With the cohort: add the recorded alliance histories (cohort_alliance.py); off gives the
    # bare clinic (people, appointments, encounters) and starts faster.
    alliance_histories: bool = True
    clock: Callable[[], float] = time.time

    @property
    def fhir_base(self) -> str:
        return f"{self.base_url}/fhir"

    @property
    def issuer(self) -> str:
        return f"{self.base_url}/auth"
