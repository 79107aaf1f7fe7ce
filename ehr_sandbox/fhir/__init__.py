"""The sandbox's FHIR R4 server: a SQLite store, the REST interactions and their Flask glue.

Owns storage, search, bundles, access checks and the CapabilityStatement. Imports flask only in
blueprint.py; never imports ehr_sandbox.auth (token verification is injected).
"""

from ehr_sandbox.fhir.blueprint import fhir_blueprint
from ehr_sandbox.fhir.directory import StoreDirectory
from ehr_sandbox.fhir.messages import FhirRequest, FhirResponse
from ehr_sandbox.fhir.server import FhirServer
from ehr_sandbox.fhir.store import Store, Stored

__all__ = [
    "FhirRequest",
    "FhirResponse",
    "FhirServer",
    "Store",
    "StoreDirectory",
    "Stored",
    "fhir_blueprint",
]
