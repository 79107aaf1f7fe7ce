"""One app process, two EHRs: the sandbox EHR (its own authorization server, client id
`alliance-sandbox-v1`, scopes forced to SMART v1 although it offers v2) and oidc-provider in
front of HAPI (client `alliance-symmetric` with its secret, v2 as discovered). Each launch asks
its own server with its own client id and syntax, each panel opens, and the HAPI client's
secret never reaches the sandbox."""

from __future__ import annotations

import base64
import html
import re
import secrets
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from ehr_sandbox import create_sandbox
from ehr_sandbox.settings import ClientRegistration, SandboxSettings
from plugin.web import create_app
from tests.support.interop import CLIENT_IDS, SYMMETRIC_SECRET, Servers
from tests.support.servers import LiveServer

pytestmark = pytest.mark.interop

FHIR_JSON = {"Content-Type": "application/fhir+json", "Accept": "application/fhir+json"}
SANDBOX_CLIENT = "alliance-sandbox-v1"


class Recording(requests.Session):
    """The app's outbound HTTP, with the headers each request carried."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[tuple[str, dict[str, str], str]] = []

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        body = request.body.decode() if isinstance(request.body, bytes) else request.body or ""
        self.sent.append((request.url or "", dict(request.headers), body))
        return super().send(request, **kwargs)


def _query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def _follow(browser: requests.Session, url: str) -> tuple[dict[str, str], requests.Response]:
    """The app's redirect to the authorization server (its parameters), then the rest."""
    first = browser.get(url, allow_redirects=False, timeout=30)
    while first.status_code in (302, 303) and (first.headers["Location"].startswith("/") or
                                               "/launch/check" in first.headers["Location"]):
        location = first.headers["Location"]  # the app's own cookie check first
        target = location if location.startswith("http") else \
            f"{urlsplit(url).scheme}://{urlsplit(url).netloc}{location}"
        first = browser.get(target, allow_redirects=False, timeout=30)
    assert first.status_code in (302, 303), first.text[:500]
    authorize = _query(first.headers["Location"])
    return authorize, browser.get(first.headers["Location"], timeout=60)


def test_one_process_serves_two_issuers_with_their_own_clients(servers: Servers, tmp_path):
    assert servers.second_app is not None
    app_url = servers.second_app.url
    sandbox_server = LiveServer(hostname="localhost")
    sandbox = create_sandbox(SandboxSettings(
        base_url=sandbox_server.url, app_launch_url=f"{app_url}/launch",
        clients=(ClientRegistration(client_id=SANDBOX_CLIENT, kind="public",
                                    redirect_uris=(f"{app_url}/callback",)),),
        db_path=tmp_path / "sandbox.sqlite3", alliance_histories=False))
    sandbox_server.start(sandbox)
    sandbox_fhir = f"{sandbox_server.url}/fhir"
    http = Recording()
    app = create_app({
        "public_url": app_url, "secret_key": secrets.token_urlsafe(32), "development": "true",
        "data_dir": str(tmp_path / "app"),
        "issuers": {
            sandbox_fhir: {"client_id": SANDBOX_CLIENT, "scope_syntax": "v1"},
            servers.hapi: {"client_id": CLIENT_IDS["symmetric"],
                           "client_secret": SYMMETRIC_SECRET},
        }}, http=http)
    servers.second_app.start(app)
    try:
        # The HAPI side: a patient, a practitioner and a session, then an EHR launch.
        for resource in ({"resourceType": "Patient", "id": "two-p1"},
                         {"resourceType": "Practitioner", "id": "two-pr1"},
                         {"resourceType": "Encounter", "id": "two-e1", "status": "finished",
                          "class": {"code": "AMB"}, "subject": {"reference": "Patient/two-p1"}}):
            requests.put(f"{servers.hapi}/{resource['resourceType']}/{resource['id']}",
                         json=resource, headers=FHIR_JSON, timeout=30).raise_for_status()
        launch = servers.new_launch({"patient": "two-p1", "encounter": "two-e1",
                                     "fhirUser": "Practitioner/two-pr1"})
        hapi_browser = requests.Session()
        hapi_auth, hapi_panel = _follow(
            hapi_browser, f"{app_url}/launch?iss={servers.hapi}&launch={launch}")
        # The sandbox side: the chart's frame starts the launch.
        sandbox_browser = requests.Session()
        patient = re.findall(r'href="/chart/([A-Za-z0-9.\-]+)',
                             requests.get(f"{sandbox_server.url}/", timeout=10).text)[0]
        chart = sandbox_browser.get(f"{sandbox_server.url}/chart/{patient}", timeout=10)
        frame = html.unescape(re.search(r'<iframe[^>]*\ssrc="([^"]+)"', chart.text).group(1))
        sandbox_auth, sandbox_panel = _follow(sandbox_browser, frame)
        offered = requests.get(f"{sandbox_fhir}/.well-known/smart-configuration",
                               timeout=10).json()["capabilities"]
    finally:
        sandbox_server.stop()

    assert hapi_panel.status_code == 200 and "/panel/" in hapi_panel.url, hapi_panel.text[:800]
    assert sandbox_panel.status_code == 200 and "/panel/" in sandbox_panel.url, \
        sandbox_panel.text[:800]
    assert hapi_auth["client_id"] == CLIENT_IDS["symmetric"]
    assert sandbox_auth["client_id"] == SANDBOX_CLIENT
    assert "patient/Encounter.rs" in hapi_auth["scope"].split()      # v2, as discovered
    assert "patient/Encounter.read" in sandbox_auth["scope"].split()  # v1, forced
    assert "permission-v2" in offered
    # Credentials went only to their own server.
    basic = "Basic " + base64.b64encode(
        f"{CLIENT_IDS['symmetric']}:{SYMMETRIC_SECRET}".encode()).decode()
    to_sandbox = [(u, h, b) for u, h, b in http.sent if u.startswith(sandbox_server.url)]
    to_oidc = [(u, h, b) for u, h, b in http.sent if u.startswith(servers.oidc)]
    assert to_sandbox and to_oidc
    assert all(h.get("Authorization") != basic and SYMMETRIC_SECRET not in b
               for _, h, b in to_sandbox)
    assert any(h.get("Authorization") == basic for u, h, _ in to_oidc if u.endswith("/token"))
    assert any(f"client_id={SANDBOX_CLIENT}" in b for u, _, b in to_sandbox if "token" in u)
