"""People and sessions by name on the recording pages: the patient and the session's date for the
record chooser, a practitioner's name in the audit trail instead of a FHIR reference. One batch
read from the EHR; if it fails, the page still shows, with plain words instead of the names."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from plugin import wording
from plugin.fhir.errors import FhirError
from plugin.fhir.readers import human_name, read_encounter
from plugin.web.current import CurrentLaunch

log = logging.getLogger(__name__)
_PRACTITIONER = re.compile(r"(?:^|/)Practitioner/([A-Za-z0-9\-.]{1,64})$")


@dataclass(frozen=True)
class SessionNames:
    patient: str
    session_day: str  # "1 Dec 2026", or "" when unknown


def session_names(launch: CurrentLaunch) -> SessionNames:
    context = launch.context
    if not context.patient:
        return SessionNames("", "")
    urls = [f"Patient/{context.patient}"]
    if context.encounter:
        urls.append(f"Encounter/{context.encounter}")
    try:
        found = launch.ehr.batch(urls)
    except FhirError as err:
        log.warning("reading the patient and session for a page failed: %s", err.code)
        return SessionNames("this patient", "")
    day = ""
    if len(found) > 1:
        session = read_encounter(found[1])
        day = wording.day(session.day) if session.day else ""
    return SessionNames(human_name(found[0]), day)


def practitioner_names(launch: CurrentLaunch, references: list[str]) -> dict[str, str]:
    """Reference -> "Dr. Ana Silva" for the Practitioners among `references` (relative or on the
    EHR's own base); others are left out, for the page to word as it can."""
    wanted: dict[str, str] = {}
    base = launch.context.iss.rstrip("/") + "/"
    for reference in dict.fromkeys(references):
        local = reference[len(base):] if reference.startswith(base) else reference
        match = _PRACTITIONER.search(local)
        if match and "://" not in local:
            wanted[reference] = match.group(1)
    if not wanted:
        return {}
    try:
        found = launch.ehr.batch([f"Practitioner/{pid}" for pid in dict.fromkeys(wanted.values())])
    except FhirError as err:
        log.warning("reading practitioners' names failed: %s", err.code)
        return {}
    by_id = {str(p.get("id")): human_name(p) for p in found
             if p.get("resourceType") == "Practitioner"}
    return {ref: by_id[pid] for ref, pid in wanted.items() if pid in by_id}

