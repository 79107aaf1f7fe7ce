"""Norms as data with their sources; a site's norms file laid over them and validated."""

from __future__ import annotations

import json
import math

import pytest

from plugin.alliance import NormsError, parse_site_norms, shipped_norms

C = "https://alliance-panel.org/fhir/Questionnaire/"


def test_every_shipped_value_has_a_source():
    norms = shipped_norms()
    assert set(norms.forms) == {(C + "alliance-checkin-client", "client"),
                                (C + "alliance-checkin-therapist", "therapist"),
                                (C + "srs", "client"), (C + "wai-sr-client", "client")}
    for form in norms.forms.values():
        for scale in form.scales.values():
            for value in (scale.sd, scale.retest, scale.cutoff):
                assert value is None or value.source.strip()


def test_srs_uses_test_retest_not_alpha_and_cites_its_cut_off():
    total = shipped_norms().get(C + "srs", "client").scale("total")
    assert total.retest.value == 0.62 and "test-retest .54 to .70" in total.retest.source
    assert total.cutoff.value == 36 and "Duncan et al. 2003" in total.cutoff.source
    # RC = 1.96 * 5 * sqrt(2) * sqrt(1 - .62) = 8.543
    assert total.reliable_change == pytest.approx(1.96 * 5 * math.sqrt(2) * math.sqrt(0.38))
    assert total.reliable_change == pytest.approx(8.543, abs=1e-3)


def test_the_wai_sr_has_no_published_cut_off_and_says_so():
    cutoff = shipped_norms().get(C + "wai-sr-client", "client").scale("total").cutoff
    assert cutoff.value is None and "no published cut-off" in cutoff.source


def test_the_check_in_is_labelled_a_feedback_tool_and_therapists_have_their_own_cut_off():
    client = shipped_norms().get(C + "alliance-checkin-client", "client")
    therapist = shipped_norms().get(C + "alliance-checkin-therapist", "therapist")
    assert not client.validated and "not a validated measure" in client.title
    assert client.paired_with == therapist.instrument
    assert (client.scale("total").cutoff.value, therapist.scale("total").cutoff.value) == (18, 15)
    assert "Tryon" in therapist.rater_difference.source


def test_a_site_overrides_one_value_and_keeps_the_rest(srs, wai):
    text = json.dumps([{"instrument": C + "srs", "rater": "client", "scales": {"total": {
        "cutoff": {"value": 34, "source": "local norms, Clinic X 2025, n = 412"}}}}])
    norms = parse_site_norms(text, [srs, wai])
    total = norms.get(C + "srs", "client").scale("total")
    assert (total.cutoff.value, total.cutoff.source) == (34, "local norms, Clinic X 2025, "
                                                             "n = 412")
    assert total.retest.value == 0.62  # untouched
    wrapped = parse_site_norms(json.dumps({"norms": json.loads(text)}), [srs, wai])
    assert wrapped == norms


def test_a_bad_site_file_lists_every_problem(srs, wai):
    text = json.dumps([
        {"instrument": C + "srs", "rater": "client", "scales": {"total": {
            "retest": {"value": 1.2, "source": "ours"},
            "sd": {"value": 5},
            "cutof": {"value": 30, "source": "typo"}}}},
        {"instrument": C + "wai-sr-client", "rater": "client", "scales": {
            "total": {"cutoff": {"value": 70, "source": "made up"}},
            "warmth": {"sd": {"value": 2, "source": "x"}}}},
    ])
    with pytest.raises(NormsError) as caught:
        parse_site_norms(text, [srs, wai], origin="norms.json")
    err = caught.value
    assert err.code == "alliance.norms"
    joined = " ".join(err.problems)
    assert "a reliability must be at least 0 and under 1, got 1.2" in joined
    assert "every value needs a source" in joined
    assert "unknown key 'cutof'" in joined
    assert len(err.problems) == 3  # range checks run once the values themselves are valid
    fixed = text.replace('1.2', '0.6').replace('"value": 5}', '"value": 5, "source": "x"}')
    fixed = fixed.replace('"cutof"', '"cutoff"')
    with pytest.raises(NormsError) as caught:
        parse_site_norms(fixed, [srs, wai], origin="norms.json")
    joined = " ".join(caught.value.problems)
    assert "cut-off 70 for total is outside the scale's 12 to 60" in joined
    assert "has no scale 'warmth'" in joined
    assert caught.value.message.startswith("norms.json does not fit the instruments")


@pytest.mark.parametrize("text", ["{not json", '{"srs": 1}', '"x"'])
def test_a_site_file_that_is_not_a_list_of_documents_is_refused(srs, text):
    with pytest.raises(NormsError):
        parse_site_norms(text, [srs])
