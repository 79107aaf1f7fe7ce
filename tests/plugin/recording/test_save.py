"""plugin.recording.bundle_sender: the saved response's id and version, read from the server's
answer."""

from __future__ import annotations

import pytest

from plugin.recording.bundle_sender import saved_from
from plugin.recording.errors import RecordingRefused


def test_saved_id_and_version_from_a_transaction_response():
    answer = {"entry": [{"response": {
        "location": "https://ehr.example/fhir/QuestionnaireResponse/abc-1/_history/3"}},
        {"response": {"location": "Observation/x/_history/1"}}]}
    saved = saved_from(answer)
    assert (saved.qr_id, saved.version) == ("abc-1", "3")
    with pytest.raises(RecordingRefused):
        saved_from({"entry": []})
