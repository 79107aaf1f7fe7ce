"""The patient compartment: which patient a resource belongs to, if any.

Types not listed in COMPARTMENT_PATHS (Practitioner, Organization, Questionnaire, ...) belong
to no patient and are shared by everyone. Provenance belongs to the patient of its targets.
A resource about a patient on another server (a companion store's record pointing at the EHR's
Patient by absolute URL) is placed in a compartment named by that URL, so `patient=<url>`
searches find it quickly; a patient/ scope, bound to a local id, never reaches it.
"""

from __future__ import annotations

from collections.abc import Callable

from ehr_sandbox.fhir.references import (
    LocalRef,
    external_patient,
    parse_reference,
    reference_values,
)
from ehr_sandbox.fhir.resource import Resource

# Element paths whose Patient references place a resource in that patient's compartment.
COMPARTMENT_PATHS: dict[str, tuple[str, ...]] = {
    "Patient": (),
    "Encounter": ("subject",),
    "Appointment": ("participant.actor",),
    "QuestionnaireResponse": ("subject", "author", "source"),
    "Observation": ("subject", "performer"),
    "Provenance": ("target",),
}


def in_compartment_type(rtype: str) -> bool:
    return rtype in COMPARTMENT_PATHS


def patient_of(
    resource: Resource,
    fhir_base: str,
    resolve: Callable[[LocalRef], str | None] = lambda ref: None,
) -> str | None:
    """The compartment patient id; `resolve` maps a non-Patient reference to its patient."""
    rtype = resource.get("resourceType", "")
    if rtype == "Patient":
        return resource.get("id")
    for path in COMPARTMENT_PATHS.get(rtype, ()):
        for value in reference_values(resource, path):
            ref = parse_reference(value, fhir_base)
            if ref is None:
                external = external_patient(value, fhir_base)
                if external is not None:
                    return external
                continue
            if ref.type == "Patient":
                return ref.id
            if rtype == "Provenance":
                owner = resolve(ref)
                if owner is not None:
                    return owner
    return None
