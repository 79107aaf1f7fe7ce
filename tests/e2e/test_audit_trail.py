"""The audit trail through a real launch: opening the panel, saving, reading and correcting a
record and a refused request each leave BALP AuditEvents in the hash-chained log, with the
user, the app and the patient, the token only by its identity, and no answer text."""

from __future__ import annotations

import base64
import json

from fhir.resources.R4B.auditevent import AuditEvent

from plugin.audit.balp import PATIENT_PROFILES, TOKEN_USE_PROFILE, token_identity
from plugin.audit.chain_verify import verify_chain
from plugin.audit.sink import read_events
from tests.support.launched import ANSWERS, THERAPIST, filled, open_launch, saved_id


def audit_log(dep) -> list[dict]:
    settings = dep.flask_app.extensions["alliance"].settings
    path = settings.data_dir / "audit" / "audit.jsonl"
    assert verify_chain(path) == []
    return list(read_events(path))


def summary(event: dict) -> tuple[str, str, str]:
    entity = event["entity"][1]
    what = (entity.get("what") or {}).get("reference") or base64.b64decode(
        entity.get("query", "")).decode().split("?")[0] + "?"
    return event["action"], event["outcome"], what


def test_a_panel_view_a_save_a_correction_and_a_refusal_are_audited(deploy):
    dep = deploy()
    run = open_launch(dep)
    viewed = [summary(e) for e in audit_log(dep)]
    assert viewed[0] == ("R", "0", f"Patient/{run.patient}")
    assert {w for _, _, w in viewed[1:]} >= {"Encounter?", "QuestionnaireResponse?"}
    assert all(a == "E" for a, _, _ in viewed[1:])

    form = run.get(f"/record/{THERAPIST}")
    qr_id = saved_id(run.post(f"/record/{THERAPIST}", filled(form)))
    assert summary(audit_log(dep)[-1]) == ("C", "0", f"QuestionnaireResponse/{qr_id}")

    correct = run.get(f"/responses/{qr_id}/correct")
    done = run.post(f"/responses/{qr_id}/correct",
                    filled(correct, {**ANSWERS, "goal-1": "0"}, reason="Mis-clicked item 1"))
    assert done.status_code == 303
    events = audit_log(dep)
    assert summary(events[-1]) == ("U", "0", f"QuestionnaireResponse/{qr_id}")
    assert ("R", "0", f"QuestionnaireResponse/{qr_id}") in [summary(e) for e in events]

    # A correction against version 1 after version 2 exists: the FHIR server refuses it.
    stale = run.post(f"/responses/{qr_id}/correct",
                     filled(correct, {**ANSWERS, "goal-1": "1"}, reason="Second thoughts"))
    assert stale.status_code == 409
    refused = audit_log(dep)[-1]
    assert (refused["action"], refused["outcome"]) == ("U", "4")
    assert refused["meta"]["profile"] == [TOKEN_USE_PROFILE]
    assert "conflict" in refused["outcomeDesc"]

    events = audit_log(dep)
    for event in events:
        AuditEvent.model_validate(event)
        assert event["entity"][0]["what"] == {"reference": f"Patient/{run.patient}"}
        user = event["agent"][2]
        assert user["who"]["reference"].endswith(f"Practitioner/{run.practitioner}")
        assert event["agent"][0]["who"]["identifier"]["value"] == dep.client_id
    assert {p for e in events for p in e["meta"]["profile"]} == {
        *PATIENT_PROFILES.values(), TOKEN_USE_PROFILE}
    text = json.dumps(events)
    token = dep.flask_app.extensions["alliance"].launches.context(
        run.handle, run.browser.cookies.get("ap_browser"), fresh=False).access_token
    assert token and token not in text
    assert {e["agent"][2]["policy"][0] for e in events} == {token_identity(token)}
    assert "Mis-clicked" not in text and "Second thoughts" not in text
