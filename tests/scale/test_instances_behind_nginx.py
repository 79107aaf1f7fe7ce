"""Two instances behind nginx round-robin, sharing a PostgreSQL or Redis session store: a
clinician's launch, panel and save work whichever instance answers each request, a `state`
is used once across instances, and when one instance dies the other carries the session on.

nginx names the instance that answered in X-Upstream (its address), so each test checks that
the requests really did land on different instances rather than assuming it. X-Upstream lists
every instance nginx tried: outside the instance-death test a request must have needed only
one, so an instance failing requests is reported as such, not as lopsided balancing.
"""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qs, urljoin, urlsplit

import requests

from tests.support.forms import read_form

THERAPIST = "alliance-checkin-therapist"
ANSWERS = {"goal-1": "3", "goal-2": "4", "task-1": "2", "task-2": "3", "bond-1": "4",
           "bond-2": "3"}


def patient_ids(cluster) -> list[str]:
    page = requests.get(f"{cluster.ehr.url}/", timeout=10).text
    return list(dict.fromkeys(re.findall(r'href="/chart/([A-Za-z0-9.\-]+)', page)))


def launch_url(cluster, browser: requests.Session, index: int = 0) -> str:
    chart = browser.get(f"{cluster.ehr.url}/chart/{patient_ids(cluster)[index]}", timeout=10)
    match = re.search(r'<iframe[^>]*\ssrc="([^"]+)"', chart.text)
    assert match, "the chart embeds no app frame"
    return html.unescape(match.group(1))


def follow_to_callback(cluster, browser: requests.Session,
                       patient: int = 0) -> tuple[str, requests.Response]:
    """Follows the launch up to (not into) the app's callback: (callback URL, /launch answer).
    The app's own steps on the way (/launch/check, binding the browser) go through nginx too."""
    url = launch_url(cluster, browser, patient)
    first = browser.get(url, allow_redirects=False, timeout=20)
    assert first.status_code in (302, 303), first.text[:500]
    url = urljoin(url, first.headers["Location"])
    for _ in range(8):
        if url.startswith(f"{cluster.url}/callback"):
            return url, first
        answer = browser.get(url, allow_redirects=False, timeout=20)
        url = urljoin(url, answer.headers.get("Location", ""))
    raise AssertionError("the launch never reached the callback")


def steer_away_from(cluster, name: str, failover: bool = False) -> None:
    """Round-robin over two instances: after a request that `name` answered, the next one goes
    to the other. Ask /healthz until `name` answers it."""
    for _ in range(4):
        answer = requests.get(f"{cluster.url}/healthz", timeout=10)
        if served_by(cluster, answer, failover) == name:
            return
    raise AssertionError(f"nginx never sent a request to {name}\n{cluster.report()}")


def served_by(cluster, answer: requests.Response, failover: bool = False) -> str:
    """The instance that answered. Unless `failover` (an instance is down on purpose), nginx
    must have tried only that one: a second address means the first failed the request."""
    tried = [address.strip() for address in answer.headers["X-Upstream"].split(",")]
    assert failover or len(tried) == 1, (
        f"nginx tried {tried} for {answer.request.method} {urlsplit(answer.url).path[:7]}: "
        f"an instance failed a request\n{cluster.report()}")
    return cluster.upstream_names()[tried[-1]]


def launch(cluster, patient: int = 0, failover: bool = False
           ) -> tuple[requests.Session, str, list[str]]:
    """A full launch through nginx for the chart's `patient`-th client; the panel URL and which
    instance served each app step."""
    browser = requests.Session()
    callback, first = follow_to_callback(cluster, browser, patient)
    steer_away_from(cluster, served_by(cluster, first, failover), failover)
    done = browser.get(callback, allow_redirects=False, timeout=30)
    assert done.status_code == 303, done.text[:500]
    panel_url = done.headers["Location"]
    panel_url = panel_url if panel_url.startswith("http") else f"{cluster.url}{panel_url}"
    panel = browser.get(panel_url, timeout=30)
    assert panel.status_code == 200, panel.text[:500]
    return browser, panel_url, [served_by(cluster, a, failover) for a in (first, done, panel)]


def save(cluster, browser: requests.Session, panel_url: str, failover: bool = False
         ) -> tuple[requests.Response, list[str]]:
    form_page = browser.get(f"{panel_url}/record/{THERAPIST}", timeout=30)
    assert form_page.status_code == 200, form_page.text[:500]
    form = read_form(form_page.text, form_page.url)
    fields = {**form.hidden, **{f"item-{k}": v for k, v in ANSWERS.items()}}
    answer = browser.post(f"{panel_url}/record/{THERAPIST}", data=fields, timeout=30,
                          allow_redirects=False)
    return answer, [served_by(cluster, form_page, failover), served_by(cluster, answer, failover)]


def test_a_launch_started_on_one_instance_finishes_on_the_other(cluster):
    browser, panel_url, steps = launch(cluster)
    launch_on, callback_on, _ = steps
    assert launch_on != callback_on, f"/launch and /callback both on {launch_on}"
    assert "/panel/" in panel_url


def test_the_panel_and_a_save_alternate_between_instances(cluster):
    browser, panel_url, _ = launch(cluster)
    seen = set()
    for _ in range(2):
        page = browser.get(panel_url, timeout=30)
        assert page.status_code == 200
        seen.add(served_by(cluster, page))
    answer, on = save(cluster, browser, panel_url)
    seen.update(on)
    assert answer.status_code == 303, answer.text[:1500]
    saved = parse_qs(urlsplit(answer.headers["Location"]).query)["saved"][0]
    after = browser.get(panel_url, timeout=30)
    assert after.status_code == 200
    seen.add(served_by(cluster, after))
    assert seen == {"app-a", "app-b"}
    store = cluster.flask_sandbox.extensions["ehr_sandbox"]["store"]
    assert store.read("QuestionnaireResponse", saved).resource["status"] == "completed"


def test_a_replayed_state_is_refused_by_the_other_instance(cluster):
    browser = requests.Session()
    callback, _ = follow_to_callback(cluster, browser)
    first = browser.get(callback, allow_redirects=False, timeout=30)
    assert first.status_code == 303
    steer_away_from(cluster, served_by(cluster, first))
    replay = browser.get(callback, allow_redirects=False, timeout=30)
    assert served_by(cluster, first) != served_by(cluster, replay)
    assert replay.status_code == 403
    assert "expired or was already used" in replay.text


def test_when_one_instance_dies_the_other_carries_the_session_on(cluster):
    # Another client than the other tests: their session is rated already, and a second
    # therapist rating of one session opens as a correction (one rating per session).
    browser, panel_url, _ = launch(cluster, patient=1)
    victim = cluster.instances[0]
    victim.kill()
    try:
        for _ in range(4):
            page = browser.get(panel_url, timeout=30)
            assert page.status_code == 200, page.text[:500]
            assert served_by(cluster, page, failover=True) == "app-b"
        answer, on = save(cluster, browser, panel_url, failover=True)
        assert answer.status_code == 303, answer.text[:1500]
        assert set(on) == {"app-b"}
        _, fresh_panel, steps = launch(cluster, failover=True)  # a new launch, start to end
        assert set(steps) == {"app-b"}
    finally:
        cluster.restart(victim)


def _panel_count(instance_url: str) -> float:
    text = requests.get(f"{instance_url}/metrics", timeout=10).text
    match = re.search(r'alliance_request_seconds_count\{route="/panel/<handle>",status="2xx"\} '
                      r'([0-9.e+]+)', text)
    return float(match.group(1)) if match else 0.0


def test_an_instances_metrics_sum_all_its_workers(cluster):
    browser, panel_url, _ = launch(cluster)
    instance = cluster.instances[-1]
    before = _panel_count(instance.url)
    direct = panel_url.replace(cluster.url, instance.url)
    for _ in range(12):  # spread over both gunicorn workers of this instance
        assert browser.get(direct, timeout=30).status_code == 200
    assert _panel_count(instance.url) == before + 12
