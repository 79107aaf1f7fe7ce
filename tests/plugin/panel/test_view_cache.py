"""Each launch's panel view is kept while the data read is unchanged, and only then."""

from __future__ import annotations

import copy
import datetime

from plugin.panel.view import build_panel
from plugin.panel.view_cache import PanelCache
from tests.support.panel_data import DAY0, encounter, reads, response

TODAY = DAY0 + datetime.timedelta(weeks=6)


def course(levels=("high", "high", "high", "high", "low")) -> list[dict]:
    found = []
    for n, level in enumerate(levels):
        qr = response(n, "client", level)
        qr["meta"] = {"versionId": "1", "lastUpdated": f"2026-10-0{n + 1}T10:00:00Z"}
        found.append(qr)
    return found


def data(responses):
    return reads([encounter(n) for n in range(5)], responses)


def test_the_same_read_again_gives_the_kept_view_equal_to_a_fresh_one():
    cache, first = PanelCache(), course()
    kept = cache.view("h1", data(first), "e4", TODAY, None)
    again = cache.view("h1", data(copy.deepcopy(first)), "e4", TODAY, None)
    assert again is kept and (cache.hits, cache.misses) == (1, 1)
    assert again == build_panel(data(first), "e4", TODAY)  # what another instance builds


def test_a_corrected_response_is_seen_at_once():
    cache, responses = PanelCache(), course()
    before = cache.view("h1", data(responses), "e4", TODAY, None)
    assert before.alerts  # the drop at the last session
    corrected = course(("high", "high", "high", "high", "high"))
    corrected[4]["meta"] = {"versionId": "2", "lastUpdated": "2026-10-06T09:00:00Z"}
    after = cache.view("h1", data(corrected), "e4", TODAY, None)
    assert after is not before and not after.alerts
    assert after.scored[0].score.total.sum > before.scored[0].score.total.sum


def test_without_versions_a_changed_answer_still_rebuilds():
    cache, responses = PanelCache(), course()
    for qr in responses:
        del qr["meta"]
    before = cache.view("h1", data(responses), "e4", TODAY, None)
    changed = copy.deepcopy(responses)
    changed[4] = response(4, "client", "high")  # same id, no meta: only the answers differ
    after = cache.view("h1", data(changed), "e4", TODAY, None)
    assert after is not before and after.alerts != before.alerts


def test_another_day_session_or_launch_is_not_served_the_kept_view():
    cache, responses = PanelCache(), course()
    kept = cache.view("h1", data(responses), "e4", TODAY, None)
    assert cache.view("h1", data(responses), "e3", TODAY, None) is not kept
    kept = cache.view("h1", data(responses), "e4", TODAY, None)
    assert cache.view("h1", data(responses), "e4", TODAY + datetime.timedelta(days=1),
                      None) is not kept
    assert cache.view("h2", data(responses), "e4", TODAY, None) is not kept


def test_the_least_recently_viewed_launch_goes_first():
    cache, responses = PanelCache(capacity=2), course()
    one = cache.view("h1", data(responses), "e4", TODAY, None)
    cache.view("h2", data(responses), "e4", TODAY, None)
    assert cache.view("h1", data(responses), "e4", TODAY, None) is one  # h1 now the newest
    cache.view("h3", data(responses), "e4", TODAY, None)  # h2 goes
    assert len(cache) == 2
    assert cache.view("h1", data(responses), "e4", TODAY, None) is one
    misses = cache.misses
    cache.view("h2", data(responses), "e4", TODAY, None)
    assert cache.misses == misses + 1
