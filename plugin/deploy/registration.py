"""What an EHR vendor's reviewer must register for each configured issuer, from the app's code.

The scopes come from the code that builds the authorize request (smart_launch.scopes with
plugin.launch.scopes.NEEDS and the issuer's extra scopes), the interactions from
plugin.deploy.interactions, the URLs and the client type from the settings `serve` reads.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from plugin.config import Settings
from plugin.deploy.interactions import AUDIT, EHR, INTERACTIONS, RECORDS, Interaction
from plugin.fhir.stores import BACKEND_SCOPES
from plugin.launch.issuers import IssuerSettings, issuers_from
from plugin.launch.scopes import AUDIT_BACKEND_SCOPES, NEEDS
from smart_launch.scopes import build_scope_list

JWKS_PATH = "/.well-known/jwks.json"
SCOPE_RULE = {
    "auto": "SMART v2 syntax when the EHR's SMART configuration lists permission-v2, else v1",
    "v1": "SMART v1 syntax (the issuer's scope_syntax = \"v1\")",
    "v2": "SMART v2 syntax (the issuer's scope_syntax = \"v2\")",
}


@dataclass(frozen=True)
class Backend:
    """The app's own token for a companion store: SMART backend services."""

    store: str
    client_id: str
    scopes: list[str]
    auth_method: str = "private_key_jwt (client_credentials grant)"


@dataclass(frozen=True)
class Registration:
    iss: str
    client_id: str
    client_type: str
    auth_method: str
    redirect_uri: str
    launch_url: str
    jwks_url: str | None
    scope_rule: str
    scopes: dict[str, list[str]]  # "v1" | "v2" -> the scopes, in the order they are sent
    standalone_scopes: dict[str, list[str]]
    record_store: str
    backend: Backend | None
    interactions: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def client_kind(issuer: IssuerSettings) -> tuple[str, str]:
    """(client type, token endpoint authentication), as the app's SmartClient will use them."""
    if issuer.signs:
        return "confidential asymmetric", f"private_key_jwt ({issuer.private_key_alg})"
    if issuer.client_secret:
        return "confidential symmetric", "client_secret_basic"
    return "public", "none (PKCE only)"


def requested_scopes(issuer: IssuerSettings, *, ehr_launch: bool = True) -> dict[str, list[str]]:
    """The scope list the authorize request carries, per syntax the issuer may use."""
    syntaxes = ["v1", "v2"] if issuer.scope_syntax == "auto" else [issuer.scope_syntax]
    return {s: build_scope_list(NEEDS, v2=s == "v2", ehr_launch=ehr_launch,
                                extra=issuer.extra_scopes) for s in syntaxes}


def _where(issuer: IssuerSettings) -> str:
    if issuer.record_store_mode == "ehr" or not issuer.record_store_url:
        return "the EHR"
    if issuer.record_store_mode == "companion":
        return f"the companion store {issuer.record_store_url}"
    return (f"the EHR when its CapabilityStatement accepts QuestionnaireResponse, Observation "
            f"and Provenance creates, else the companion store {issuer.record_store_url}")


def _interactions(issuer: IssuerSettings, settings: Settings) -> list[dict[str, Any]]:
    audit_store = settings.record_store_url if settings.audit_destination == "record-store" \
        else None
    servers = {EHR: issuer.iss, RECORDS: _where(issuer), AUDIT: audit_store}
    rows = []
    for interaction in INTERACTIONS:
        where = servers[interaction.server]
        if where is None:
            continue
        if interaction.server == RECORDS and not issuer.record_store_url and \
                interaction.kind in ("capabilities", "smart-configuration"):
            continue  # the EHR's are read once, listed under the EHR
        rows.append(_row(interaction, where))
    return rows


def _row(interaction: Interaction, where: str) -> dict[str, Any]:
    return {"server": interaction.server, "at": where, "request": interaction.request,
            "interaction": interaction.kind, "resource": interaction.resource or "(base)",
            "parameters": list(interaction.params), "headers": interaction.headers,
            "in": interaction.inside, "when": ", ".join(interaction.flows),
            "note": interaction.note}


def registration_for(issuer: IssuerSettings, settings: Settings) -> Registration:
    kind, method = client_kind(issuer)
    notes = ["An EHR that publishes no `issuer` in its SMART configuration is not asked for "
             "openid and fhirUser (no id_token can be checked without it)."]
    if kind == "public" and issuer.access == "offline":
        notes.append("offline_access for a public client: some EHRs grant refresh tokens only "
                     "to confidential clients; set access = \"online\" there.")
    backend = None
    if issuer.record_store_url:
        scopes = list(BACKEND_SCOPES)
        if settings.audit_destination == "record-store":
            scopes += list(AUDIT_BACKEND_SCOPES)
        backend = Backend(issuer.record_store_url,
                          issuer.record_store_client_id or issuer.client_id, scopes)
    return Registration(
        iss=issuer.iss, client_id=issuer.client_id, client_type=kind, auth_method=method,
        redirect_uri=settings.redirect_uri, launch_url=f"{settings.public_url}/launch",
        jwks_url=f"{settings.public_url}{JWKS_PATH}" if issuer.signs else None,
        scope_rule=SCOPE_RULE[issuer.scope_syntax], scopes=requested_scopes(issuer),
        standalone_scopes=requested_scopes(issuer, ehr_launch=False),
        record_store=_where(issuer), backend=backend,
        interactions=_interactions(issuer, settings), notes=notes)


def registrations(settings: Settings) -> list[Registration]:
    """One registration per configured issuer, in the order of the settings."""
    return [registration_for(issuer, settings) for issuer in issuers_from(settings).values()]
