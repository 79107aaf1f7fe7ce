"""One answer to "may sending it again help?" for every HTTP status a FHIR server can send.

Three parts of the app act on that answer: the FHIR client (does it send a safe request again
before giving up?), the outbox (does a save stay queued for a later try, or is it failed for
good?) and the page in front of the clinician (does it say "Press Save again", or "Trying again
will not help"?). For every status, all three must agree with each other and with
plugin.fhir.retry.retryable, where the reason for each status is written.
"""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pytest

from plugin.fhir.client import FhirClient
from plugin.fhir.errors import FhirError, error_for_status
from plugin.launch.session_store import SqliteSessionStore
from plugin.recording.outbox import Outbox, OutboxPolicy
from plugin.web import plain_words
from tests.support.clock import FakeClock
from tests.support.fake_http import fake_session

BASE = "https://ehr.example/fhir"
OK_PATIENT = (200, {"resourceType": "Patient", "id": "p1"})
STATUSES = [400, 401, 403, 404, 405, 406, 408, 409, 410, 412, 413, 415, 422, 425, 429,
            500, 501, 502, 503, 504, 505, 507, 511]
TRY_AGAIN = re.compile(r"press save again|try again", re.IGNORECASE)
WILL_NOT_HELP = re.compile(r"trying again will not help", re.IGNORECASE)


def client_sends_again(status: int) -> bool:
    """A read answered ``status`` once: does the client send it again (with a token that a
    refresh has replaced by then)?"""
    http, transport = fake_session()
    transport.add("GET", f"{BASE}/Patient/p1", [(status, {}), OK_PATIENT])
    tokens = (f"token-{n}" for n in itertools.count())
    client = FhirClient(BASE, token=lambda: next(tokens), http=http, sleep=lambda _s: None,
                        retries=1)
    try:
        client.read("Patient", "p1")
    except FhirError:
        pass
    return len(transport.requests) == 2


def outbox_keeps_it(status: int, tmp_path: Path) -> bool:
    """A save answered ``status``: does it stay queued for a later try?"""
    http, transport = fake_session()
    transport.add("POST", BASE, (status, {}))
    store = SqliteSessionStore(tmp_path / f"s{status}.sqlite3", "s" * 40,
                               clock=FakeClock(1_000_000.0))
    outbox = Outbox(store, lambda _item: FhirClient(BASE, http=http, retries=0),
                    clock=FakeClock(1_000_000.0), policy=OutboxPolicy())
    entry = {"fullUrl": "urn:uuid:1", "resource": {"resourceType": "QuestionnaireResponse"},
             "request": {"method": "POST", "url": "QuestionnaireResponse"}}
    item = {"id": f"sub-{status}",
            "bundle": {"resourceType": "Bundle", "type": "transaction", "entry": [entry]},
            "iss": BASE, "where": "ehr", "transactions": True, "handle": "h1"}
    state = outbox.submit(item)["state"]
    assert state in ("queued", "failed"), state
    return state == "queued"


def page_says_try_again(status: int) -> bool:
    """A save answered ``status``: does the clinician's page say pressing Save again helps?"""
    sentence, _ = plain_words.save_failed(error_for_status(status, {}, "Saving"))
    assert bool(TRY_AGAIN.search(sentence)) != bool(WILL_NOT_HELP.search(sentence)) or \
        "Open the rating again" in sentence, sentence
    return bool(TRY_AGAIN.search(sentence))


@pytest.mark.parametrize("status", STATUSES)
def test_the_client_the_outbox_and_the_page_agree_on_sending_again(
        status: int, tmp_path: Path) -> None:
    decisions = {"client": client_sends_again(status),
                 "outbox": outbox_keeps_it(status, tmp_path),
                 "page": page_says_try_again(status)}
    assert len(set(decisions.values())) == 1, f"HTTP {status}: {decisions}"


@pytest.mark.parametrize("status", STATUSES)
def test_each_user_follows_retryable(status: int, tmp_path: Path) -> None:
    from plugin.fhir.retry import retryable

    expected = retryable(status)
    assert client_sends_again(status) is expected
    assert outbox_keeps_it(status, tmp_path) is expected
    assert retryable(error_for_status(status, {}, "Saving")) is expected
