"""The SMART scopes the app asks for, and the ones it cannot work without.

As resource type -> SMART v2 interactions; smart_launch turns them into scope strings. The panel
needs REQUIRED; the rest enable features that degrade with a clear message when not granted.
"""

from __future__ import annotations

from collections.abc import Mapping

NEEDS: Mapping[str, str] = {
    "Patient": "r",
    "Encounter": "rs",
    "Appointment": "rs",
    "Practitioner": "r",
    "QuestionnaireResponse": "cruds",
    "Observation": "crus",
    "Provenance": "crs",
}
REQUIRED: Mapping[str, str] = {"Patient": "r", "Encounter": "rs"}
# What the app's own backend-services token asks of a companion store when the AuditEvents go
# there (ALLIANCE_AUDIT_DESTINATION=record-store).
AUDIT_BACKEND_SCOPES = ("system/AuditEvent.c",)
# A patient's own launch (from a portal, issue 25): their sessions, and their answers written
# (plus read and search, so that a form answered already is not offered again) with the scores
# and provenance a rating's transaction carries, where the EHR keeps the records and grants
# them; otherwise the answers go to the companion store. fhirUser is a Patient or
# RelatedPerson; a standalone launch asks ``launch/patient`` only.
PATIENT_NEEDS: Mapping[str, str] = {
    "Patient": "r",
    "Encounter": "rs",
    "QuestionnaireResponse": "crus",
    "Observation": "c",
    "Provenance": "c",
}
PATIENT_STANDALONE_SCOPES = ("launch/patient",)
