"""AuditEvents shaped by IHE Basic Audit Log Patterns (BALP) for the app's access to patient data.

One builder for the four RESTful patterns the app performs (PatientRead, PatientQuery,
PatientCreate, PatientUpdate) combined with BALP's minimal OAuth access-token-use pattern: who is
the user (``fhirUser``, requestor), the client is the app (client id, name and version, its
address), the server is the FHIR base, the patient and the data touched are entities, and the
token is identified by its ``jti`` or a SHA-256 hash, never the token itself. A refused or failed
request keeps the same shape with a failure outcome and the token-use profile only (BALP's
patient profiles fix the outcome to success). No answer text ever enters an AuditEvent: only
references and query strings. Built as dicts and validated with the fhir.resources R4B model.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import json
from dataclasses import dataclass
from typing import Any, Literal

from fhir.resources.R4B.auditevent import AuditEvent
from pydantic import ValidationError

from plugin.audit.errors import AuditEventInvalid

BALP = "https://profiles.ihe.net/ITI/BALP/StructureDefinition"
PATIENT_PROFILES = {
    "read": f"{BALP}/IHE.BasicAudit.PatientRead",
    "search": f"{BALP}/IHE.BasicAudit.PatientQuery",
    "create": f"{BALP}/IHE.BasicAudit.PatientCreate",
    "update": f"{BALP}/IHE.BasicAudit.PatientUpdate",
}
TOKEN_USE_PROFILE = f"{BALP}/IHE.BasicAudit.OAUTHaccessTokenUse.Minimal"
ACTIONS = {"read": "R", "search": "E", "create": "C", "update": "U"}
SUBTYPES = {"read": "read", "search": "search-type", "create": "create", "update": "update"}
OUTCOMES = {"success": "0", "refused": "4", "failed": "8"}
DICOM = "http://dicom.nema.org/resources/ontology/DCM"
TERMINOLOGY = "http://terminology.hl7.org/CodeSystem"
Interaction = Literal["read", "search", "create", "update"]
Outcome = Literal["success", "refused", "failed"]


@dataclass(frozen=True)
class AuditActor:
    """Who acted and through what: the same for every event of one launch."""

    client_id: str
    app_name: str
    app_version: str
    app_address: str  # the app's public URL
    server: str  # the FHIR base the request went to
    token_id: str  # from token_identity(): a jti or a hash, never the token
    fhir_user: str | None = None  # "Practitioner/123"; None for a backend-services request


@dataclass(frozen=True)
class AuditRecord:
    """One request: what was done to which patient's data, and how it ended."""

    interaction: Interaction
    patient: str  # "Patient/123" (or an absolute reference)
    recorded: datetime.datetime
    targets: tuple[str, ...] = ()  # references read, created or updated
    query: str | None = None  # for a search: "Encounter?patient=123"
    outcome: Outcome = "success"
    detail: str | None = None  # why it was refused or failed; never answer text


def token_identity(access_token: str, jti: str | None = None) -> str:
    """The token's ``jti`` when it has one (given, or readable in a JWT), else a SHA-256 hash."""
    if jti:
        return jti
    parts = access_token.split(".")
    if len(parts) == 3:
        try:
            padded = parts[1] + "=" * (-len(parts[1]) % 4)
            claims = json.loads(base64.urlsafe_b64decode(padded))
        except (ValueError, TypeError):
            claims = None
        if isinstance(claims, dict) and isinstance(claims.get("jti"), str) and claims["jti"]:
            return str(claims["jti"])
    return "sha256:" + hashlib.sha256(access_token.encode()).hexdigest()


def _coding(system: str, code: str, display: str | None = None) -> dict[str, str]:
    coding = {"system": system, "code": code}
    if display:
        coding["display"] = display
    return coding


def _agents(actor: AuditActor) -> list[dict[str, Any]]:
    app = f"{actor.app_name} {actor.app_version}"
    user_who: dict[str, Any] = (
        {"reference": actor.fhir_user} if actor.fhir_user
        else {"identifier": {"value": actor.client_id}, "display": "backend services"})
    return [
        {"type": {"coding": [_coding(DICOM, "110153", "Source Role ID")]},
         "who": {"identifier": {"system": actor.app_address, "value": actor.client_id},
                 "display": app},
         "requestor": False, "network": {"address": actor.app_address, "type": "5"}},
        {"type": {"coding": [_coding(DICOM, "110152", "Destination Role ID")]},
         "who": {"identifier": {"value": actor.server}},
         "requestor": False, "network": {"address": actor.server, "type": "5"}},
        {"type": {"coding": [_coding(f"{TERMINOLOGY}/v3-ParticipationType", "IRCP",
                                     "information recipient")]},
         "who": user_who, "requestor": True, "policy": [actor.token_id]},
    ]


def _entities(record: AuditRecord) -> list[dict[str, Any]]:
    entity_type = f"{TERMINOLOGY}/audit-entity-type"
    role = f"{TERMINOLOGY}/object-role"
    entities: list[dict[str, Any]] = [
        {"what": {"reference": record.patient}, "type": _coding(entity_type, "1", "Person"),
         "role": _coding(role, "1", "Patient")}]
    if record.query is not None:
        entities.append({"type": _coding(entity_type, "2", "System Object"),
                         "role": _coding(role, "24", "Query"),
                         "query": base64.b64encode(record.query.encode()).decode("ascii")})
    for target in record.targets:
        entities.append({"what": {"reference": target},
                         "type": _coding(entity_type, "2", "System Object"),
                         "role": _coding(role, "4", "Domain Resource")})
    return entities


def build_audit_event(record: AuditRecord, actor: AuditActor) -> dict[str, Any]:
    """The AuditEvent for one request, validated; raises AuditEventInvalid on a builder bug."""
    if record.recorded.utcoffset() is None:
        raise AuditEventInvalid("recorded must carry a timezone")
    if record.interaction == "search" and record.query is None:
        raise AuditEventInvalid("a search is audited with its query string")
    if record.interaction != "search" and not record.targets and record.outcome == "success":
        raise AuditEventInvalid(f"a successful {record.interaction} names what it touched")
    profiles = [TOKEN_USE_PROFILE]
    if record.outcome == "success":
        profiles.insert(0, PATIENT_PROFILES[record.interaction])
    event: dict[str, Any] = {
        "resourceType": "AuditEvent",
        "meta": {"profile": profiles},
        "type": _coding(f"{TERMINOLOGY}/audit-event-type", "rest", "Restful Operation"),
        "subtype": [_coding("http://hl7.org/fhir/restful-interaction",
                            SUBTYPES[record.interaction])],
        "action": ACTIONS[record.interaction],
        "recorded": record.recorded.isoformat(timespec="milliseconds"),
        "outcome": OUTCOMES[record.outcome],
        "agent": _agents(actor),
        "source": {"site": actor.app_address,
                   "observer": {"display": f"{actor.app_name} {actor.app_version}"},
                   "type": [_coding(f"{TERMINOLOGY}/security-source-type", "4",
                                    "Application Server")]},
        "entity": _entities(record),
    }
    if record.detail:
        event["outcomeDesc"] = record.detail
    try:
        AuditEvent.model_validate(event)
    except ValidationError as err:
        raise AuditEventInvalid(f"built AuditEvent is not valid FHIR: {err.errors()[:3]}") from err
    return event
