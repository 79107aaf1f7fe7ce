"""The server's CapabilityStatement, built from what the code supports and the settings."""

from __future__ import annotations

from ehr_sandbox.fhir.resource import Resource
from ehr_sandbox.fhir.search_params import SEARCH_PARAMS

OAUTH_URIS = "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris"
_INCLUDES = {"Provenance": ["Provenance:target"], "Observation": ["Observation:derived-from"]}
_KIND_TO_TYPE = {"id": "token", "token": "token", "reference": "reference", "date": "date",
                 "string": "string", "uri": "uri"}


def _security(smart: Resource) -> Resource:
    endpoints = [("authorize", "authorization_endpoint"), ("token", "token_endpoint"),
                 ("register", "registration_endpoint"), ("manage", "management_endpoint"),
                 ("introspect", "introspection_endpoint"), ("revoke", "revocation_endpoint")]
    return {
        "cors": False,
        "service": [{
            "coding": [{
                "system": "http://terminology.hl7.org/CodeSystem/restful-security-service",
                "code": "SMART-on-FHIR",
            }],
            "text": "OAuth2 using SMART-on-FHIR profile (see http://docs.smarthealthit.org)",
        }],
        "extension": [{
            "url": OAUTH_URIS,
            "extension": [
                {"url": name, "valueUri": smart[key]}
                for name, key in endpoints
                if isinstance(smart.get(key), str)
            ],
        }],
    }


def _resource(rtype: str, writable: bool) -> Resource:
    interactions = ["read", "vread", "history-instance", "search-type"]
    if writable:
        interactions += ["create", "update"]
    entry = {
        "type": rtype,
        "interaction": [{"code": code} for code in interactions],
        "versioning": "versioned-update",
        "readHistory": True,
        "updateCreate": writable,
        "conditionalCreate": writable,
        "conditionalRead": "not-supported",
        "conditionalUpdate": False,
        "conditionalDelete": "not-supported",
        "searchParam": [
            {"name": p.name, "type": _KIND_TO_TYPE[p.kind]}
            for p in SEARCH_PARAMS[rtype].values()
        ],
    }
    if rtype in _INCLUDES:
        entry["searchInclude"] = _INCLUDES[rtype]
    revincludes = [i for incl in _INCLUDES.values() for i in incl
                   if rtype != i.split(":")[0]]
    if revincludes:
        entry["searchRevInclude"] = revincludes
    return entry


def capability_statement(fhir_base: str, writable_types: frozenset[str], smart: Resource,
                         date: str) -> Resource:
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": date,
        "kind": "instance",
        "software": {"name": "Alliance Panel development EHR"},
        "implementation": {"description": "ehr_sandbox FHIR R4 server", "url": fhir_base},
        "fhirVersion": "4.0.1",
        "format": ["application/fhir+json", "json"],
        "rest": [{
            "mode": "server",
            "security": _security(smart),
            "resource": [_resource(t, t in writable_types) for t in sorted(SEARCH_PARAMS)],
            "interaction": [{"code": "transaction"}, {"code": "batch"}],
        }],
    }
