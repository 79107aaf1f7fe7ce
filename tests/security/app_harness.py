"""The app (create_app, outbound over real HTTP) launched from a SmartServer that also serves a
small FHIR API, with Flask's test client as the clinician's browser.

`AppUnderAttack.launch()` plays /launch -> the EHR's consent -> /callback like a browser and
returns the launch handle; every piece of the EHR can be replaced by the test.
"""

from __future__ import annotations

import html
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
from flask import Flask
from flask.testing import FlaskClient

from plugin.web import create_app
from tests.support.hostile import HostileServer, json_response
from tests.support.smart_bindings import on_socket
from tests.support.smart_launches import CLIENT_ID, query
from tests.support.smart_server import SmartServer

CAPABILITY = {"resourceType": "CapabilityStatement", "rest": [{
    "mode": "server", "interaction": [{"code": "transaction"}],
    "resource": [{"type": t, "interaction": [{"code": "create"}, {"code": "update"}]}
                 for t in ("QuestionnaireResponse", "Observation", "Provenance")]}]}
SECRET_KEY = "Vq3r-8NcZ0pLw2xY7tKd4hJm9sFb6gRe1uAi5oTy"  # random, for the tests only


def searchset(*resources: dict[str, Any], next_url: str | None = None) -> dict[str, Any]:
    bundle: dict[str, Any] = {"resourceType": "Bundle", "type": "searchset",
                              "entry": [{"resource": r} for r in resources]}
    if next_url:
        bundle["link"] = [{"relation": "next", "url": next_url}]
    return bundle


class FhirApi:
    """Answers the app's batch: Patient/<id> reads and empty (or given) searchsets."""

    def __init__(self, server: HostileServer) -> None:
        self.server = server
        self.searches: dict[str, dict[str, Any]] = {}
        self.batches: list[list[str]] = []
        self.patient: dict[str, Any] | None = None  # Patient/<id> reads answer this when set
        self.saved: list[dict[str, Any]] = []
        server.json("GET", "/fhir/metadata", CAPABILITY)
        server.route("POST", "/fhir", self._batch)

    def _batch(self, request: Any) -> Any:
        bundle = json.loads(request.get_data())
        if bundle.get("type") == "transaction":
            return self._transaction(bundle)
        urls = [e["request"]["url"] for e in bundle["entry"]]
        self.batches.append(urls)
        entries = []
        for url in urls:
            kind = url.split("?")[0].split("/")[0]
            if "?" in url:
                resource = self.searches.get(kind, searchset())
            elif kind == "Patient" and self.patient is not None:
                resource = self.patient
            else:
                resource = {"resourceType": kind, "id": url.split("/")[1],
                            "name": [{"text": "Alex Example"}]}
            entries.append({"resource": resource, "response": {"status": "200 OK"}})
        return json_response({"resourceType": "Bundle", "type": "batch-response",
                              "entry": entries})

    def _transaction(self, bundle: dict[str, Any]) -> Any:
        entries = []
        for i, entry in enumerate(bundle["entry"]):
            self.saved.append(entry["resource"])
            kind = entry["resource"]["resourceType"]
            entries.append({"response": {"status": "201 Created",
                                         "location": f"{kind}/saved-{i}/_history/1"}})
        return json_response({"resourceType": "Bundle", "type": "transaction-response",
                              "entry": entries})


@dataclass
class AppUnderAttack:
    ehr: SmartServer
    fhir: FhirApi
    flask: Flask
    http: requests.Session
    page_values: dict[tuple[int, str], str] = field(default_factory=dict)

    def browser(self) -> FlaskClient:
        """A new browser (its own cookie jar)."""
        return self.flask.test_client()

    @property
    def clinician(self) -> FlaskClient:
        """The clinician's browser: the one `launch()` uses unless told otherwise."""
        if not hasattr(self, "_clinician"):
            self._clinician = self.browser()
        return self._clinician

    def start(self, browser: FlaskClient) -> dict[str, str]:
        """/launch (and /launch/check) up to the EHR: the authorize request's parameters.
        Where the browser keeps no cookie, the check page's script is played: the page value
        is kept for this browser, as sessionStorage would keep it."""
        answer = browser.get("/launch", query_string={"iss": self.ehr.iss, "launch": "L1"})
        assert answer.status_code == 302, answer.get_data(as_text=True)
        location = answer.headers["Location"]
        if location.startswith("/launch/check"):
            answer = browser.get(location)
            if answer.status_code == 200:  # the page-state binding
                page = answer.get_data(as_text=True)
                value = re.search(r'data-value="([^"]+)"', page).group(1)
                location = html.unescape(re.search(r'data-next="([^"]+)"', page).group(1))
                self.page_values[(id(browser), query(location)["state"])] = value
            else:
                assert answer.status_code == 302, answer.get_data(as_text=True)
                location = answer.headers["Location"]
        params = query(location)
        self.ehr.nonce = params.get("nonce")
        return params

    def finish(self, browser: FlaskClient, params: dict[str, str], **extra: str) -> Any:
        """The EHR's redirect back to /callback, as the browser follows it (playing the
        callback page's script when the launch is bound by page state)."""
        values = {"code": self.ehr.code, "state": params["state"], **extra}
        answer = browser.get("/callback", query_string=values)
        kept = self.page_values.get((id(browser), params["state"]))
        if answer.status_code == 200 and 'id="bind-form"' in answer.get_data(as_text=True):
            if kept is None:
                return answer  # another browser: the script finds nothing to send
            answer = browser.post("/callback", data={**values, "page_value": kept})
        return answer

    def launch(self, browser: FlaskClient | None = None) -> str:
        browser = browser or self.clinician
        answer = self.finish(browser, self.start(browser))
        assert answer.status_code == 303, answer.get_data(as_text=True)
        return str(answer.headers["Location"]).rsplit("/panel/", 1)[1]


def app_under_attack(server: HostileServer, tmp_path: Path, *,
                     clock: Callable[[], float] = time.time, **settings: Any) -> AppUnderAttack:
    ehr = on_socket(server, clock=clock)
    ehr.token_extra.update(
        encounter="e1",
        scope="launch openid fhirUser patient/*.cruds",
    )
    fhir = FhirApi(server)
    http = requests.Session()
    config = {
        "public_url": "http://127.0.0.1:9",
        "client_id": CLIENT_ID,
        "allowed_iss": ehr.iss,
        "secret_key": SECRET_KEY,
        "data_dir": str(tmp_path / "app"),
        "development": True,  # the hostile servers speak plain http on loopback
        **settings,
    }
    flask = create_app(config, http=http, clock=clock)
    return AppUnderAttack(ehr, fhir, flask, http)
