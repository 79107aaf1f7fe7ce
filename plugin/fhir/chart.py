"""Read what the panel shows about a patient in one round trip: a batch Bundle of GETs.

Reads stay plain dicts and are parsed leniently: real servers send extra and missing fields.
Later pages of a long search are followed with the searchset's own `next` links.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from plugin.fhir.client import FhirClient, bundle_resources

PAGE_SIZE = 200


@dataclass(frozen=True)
class ChartData:
    patient: dict[str, Any]
    encounters: list[dict[str, Any]]
    appointments: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what could not be read, in plain words


def chart_requests(patient_id: str, include_appointments: bool) -> list[str]:
    page = {"patient": patient_id, "_count": str(PAGE_SIZE)}
    urls = [f"Patient/{patient_id}", f"Encounter?{urlencode(page)}"]
    if include_appointments:
        urls.append(f"Appointment?{urlencode(page)}")
    return urls


def read_chart(client: FhirClient, patient_id: str, *, include_appointments: bool) -> ChartData:
    """Patient, all its Encounters and (if allowed) Appointments."""
    patient, encounters, *rest = client.batch(chart_requests(patient_id, include_appointments))
    notes: list[str] = []
    appointments: list[dict[str, Any]] = []
    if rest:
        appointments = _all(client, rest[0], "Appointment")
    elif not include_appointments:
        notes.append("Missed appointments are not shown: the EHR did not grant Appointment access.")
    return ChartData(
        patient=patient,
        encounters=_all(client, encounters, "Encounter"),
        appointments=appointments,
        notes=notes,
    )


def _all(client: FhirClient, searchset: dict[str, Any], resource_type: str) -> list[dict]:
    found = bundle_resources(searchset, resource_type)
    for page in client.follow(searchset):
        found.extend(bundle_resources(page, resource_type))
    return found
