"""The words a page uses for what the records say."""

from __future__ import annotations

from plugin.wording import activity


def test_a_records_history_speaks_words_not_fhir_action_codes():
    assert [activity(c) for c in ("CREATE", "UPDATE", "NULLIFY", "xyz", None)] == [
        "recorded", "corrected", "removed: recorded by mistake", "changed", "changed"]
