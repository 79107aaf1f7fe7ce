"""Everything the panel shows, read in one round trip per server, the servers in parallel.

The EHR gets one batch Bundle (Patient, Encounters, Appointments and, when records live there,
the patient's QuestionnaireResponses). A companion record store is searched at the same time.
Later pages of long searches follow the searchsets' `next` links.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from plugin.fhir.client import FhirClient, Json, bundle_resources
from plugin.fhir.stores import RecordStore
from plugin.wording import status

PAGE_SIZE = 500  # a long course (150 sessions, 300 responses) fits one page where servers allow


@dataclass(frozen=True)
class PanelReads:
    patient: dict[str, Any]
    encounters: list[dict[str, Any]]
    appointments: list[dict[str, Any]]
    responses: list[dict[str, Any]]
    notes: list[str] = field(default_factory=list)
    # what was asked of which server: (FHIR base, "Patient/1" or "Encounter?patient=1"), for
    # the audit trail
    requested: list[tuple[str, str]] = field(default_factory=list)


def _search(resource_type: str, **params: str) -> str:
    return f"{resource_type}?{urlencode({**params, '_count': str(PAGE_SIZE)})}"


def _everything(client: FhirClient, searchset: dict[str, Any], resource_type: str) -> list[Json]:
    found = bundle_resources(searchset, resource_type)
    for page in client.follow(searchset):
        found.extend(bundle_resources(page, resource_type))
    return found


def read_panel(
    ehr: FhirClient, records: RecordStore, patient_id: str, *, appointments: bool
) -> PanelReads:
    urls = [f"Patient/{patient_id}", _search("Encounter", patient=patient_id)]
    if appointments:
        urls.append(_search("Appointment", patient=patient_id))
    responses_in_ehr = records.where == "ehr"
    if responses_in_ehr:
        urls.append(_search("QuestionnaireResponse", **records.patient_search(patient_id)))

    def companion_responses() -> list[Json]:
        params = {**records.patient_search(patient_id), "_count": str(PAGE_SIZE)}
        return records.client.search("QuestionnaireResponse", params)

    with ThreadPoolExecutor(max_workers=2) as pool:
        companion = None if responses_in_ehr else pool.submit(companion_responses)
        answers = ehr.batch(urls)
        patient, encounter_set, *rest = answers
        encounters = _everything(ehr, encounter_set, "Encounter")
        found_appointments = _everything(ehr, rest.pop(0), "Appointment") if appointments else []
        responses = (
            _everything(ehr, rest.pop(0), "QuestionnaireResponse")
            if responses_in_ehr
            else companion.result() if companion else []
        )
    notes = []
    if not appointments:
        notes.append(status.NO_APPOINTMENTS)
    requested = [(ehr.base_url, url) for url in urls]
    if not responses_in_ehr:
        query = urlencode(records.patient_search(patient_id))
        requested.append((records.client.base_url, f"QuestionnaireResponse?{query}"))
    return PanelReads(patient, encounters, found_appointments, responses, notes, requested)
