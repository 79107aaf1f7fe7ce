"""A patient's weekly therapy sessions and alliance check-ins, built as the app stores them, and
what the panel reads of them: for unit tests of the panel's view model and its cache."""

from __future__ import annotations

import datetime
from typing import Any

import fhir_profiles
from plugin.fhir.record_bundles import Submission, build_submission_records
from plugin.panel.reads import PanelReads

DAY0 = datetime.date(2026, 9, 1)


def encounter(n: int, status: str = "finished") -> dict[str, Any]:
    """Session `n`: Encounter/e`n`, on DAY0 plus `n` weeks."""
    day = DAY0 + datetime.timedelta(weeks=n)
    return {"resourceType": "Encounter", "id": f"e{n}", "status": status,
            "period": {"start": f"{day}T10:00:00Z"}}


def response(n: int, rater: str, level: str, status: str = "completed") -> dict[str, Any]:
    """The `rater`'s check-in for session `n`, every scored answer at the `level` given (low,
    mid or high), an hour after the session started."""
    qid = f"alliance-checkin-{rater}"
    q = fhir_profiles.questionnaire(qid)
    scored = [i for i in q["item"] if i.get("answerOption")]
    answers = {i["linkId"]: i["answerOption"][{"low": 0, "mid": 2, "high": -1}[level]]
               ["valueCoding"]["code"] for i in scored}
    day = DAY0 + datetime.timedelta(weeks=n)
    records = build_submission_records(Submission(
        questionnaire=q, answers=answers, rater=rater, patient="Patient/p1",
        encounter=f"Encounter/e{n}",
        author="Patient/p1" if rater == "client" else "Practitioner/t1",
        authored=datetime.datetime.combine(day, datetime.time(11), datetime.UTC),
        submission_id=f"s-{n}-{rater}", app_name="Alliance Panel", app_version="test"))
    qr = dict(records.questionnaire_response, id=f"qr-{n}-{rater}", status=status)
    return qr


def reads(encounters: list[dict[str, Any]], responses: list[dict[str, Any]]) -> PanelReads:
    """What the panel reads for Patient/p1 ("Ana"): these sessions and responses."""
    return PanelReads({"resourceType": "Patient", "id": "p1", "name": [{"text": "Ana"}]},
                      encounters, [], responses)
