"""A sandbox EHR and Alliance Panel on two loopback origins, talking real HTTP, and a
requests-based browser that follows the launch like a clinician's would.

Shared by tests/e2e (a deployment per test) and tests/browser (one per module)."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from pathlib import Path

import requests

from ehr_sandbox import create_sandbox
from ehr_sandbox.settings import ClientRegistration, SandboxSettings
from plugin.web import create_app
from tests.support.clock import FakeClock
from tests.support.forms import read_form
from tests.support.recording_http import RecordingSession
from tests.support.servers import LiveServer
from tests.support.signing_keys import private_key_pem, sandbox_auth
from tests.support.tls import LocalCA

SYMMETRIC_SECRET = "s3cret:with%odd+chars/=="



@dataclass
class Deployment:
    ehr: LiveServer
    app: LiveServer
    http: RecordingSession  # everything the app sent out
    clock: FakeClock  # the time for both servers
    client_id: str
    sandbox_settings: SandboxSettings
    flask_app: object = None
    flask_sandbox: object = None
    browsers: list[requests.Session] = field(default_factory=list)
    companion: LiveServer | None = None  # a second, empty sandbox as the record store
    flask_companion: object = None
    waits: list[float] = field(default_factory=list)  # the app's waits between FHIR retries

    @property
    def companion_fhir(self) -> str:
        assert self.companion is not None, "start with companion=True for a companion store"
        return f"{self.companion.url}/fhir"

    @property
    def iss(self) -> str:
        return f"{self.ehr.url}/fhir"

    def browser(self) -> requests.Session:
        session = requests.Session()
        self.browsers.append(session)
        return session

    def patient_ids(self) -> list[str]:
        page = requests.get(f"{self.ehr.url}/", timeout=10).text
        return list(dict.fromkeys(re.findall(r'href="/chart/([A-Za-z0-9.\-]+)', page)))

    def launch_url_from_chart(self, browser: requests.Session, patient_id: str) -> str:
        chart = browser.get(f"{self.ehr.url}/chart/{patient_id}", timeout=10)
        chart.raise_for_status()
        match = re.search(r'<iframe[^>]*\ssrc="([^"]+)"', chart.text)
        assert match, "the chart embeds no app frame"
        return html.unescape(match.group(1))

    def sandbox_patient_name(self, patient_id: str, chart_html: str) -> str:
        match = re.search(r'aria-label="Patient banner">\s*<h1>([^<]+)</h1>', chart_html)
        assert match, f"no banner on the chart of {patient_id}"
        return html.unescape(match.group(1))

    def fill_picker(self, picker: requests.Response, patient_index: int) -> dict:
        """Choose the first practitioner, the n-th patient and that patient's first encounter."""
        form = read_form(picker.text, picker.url)
        fields = {**form.hidden, "decision": "approve"}
        fields["practitioner"] = form.selects["practitioner"][0][0]
        patient_value = form.selects["patient"][patient_index][0]
        fields["patient"] = patient_value
        if "encounter" in form.selects:
            directory = self.flask_sandbox.extensions["ehr_sandbox"]["directory"]
            own = {enc_id for enc_id, _ in directory.encounters(patient_value)}
            fields["encounter"] = next(v for v, _ in form.selects["encounter"] if v in own)
        return {"action": form.action, "fields": fields}

    def launch_ehr(self, browser: requests.Session, patient_id: str) -> requests.Response:
        """Open the chart and follow the app frame's launch to the panel."""
        return browser.get(self.launch_url_from_chart(browser, patient_id), timeout=20)


def start_deployment(
    tmp_path: Path,
    started: list[LiveServer],
    *,
    client_kind: str = "public",
    scope_syntax: str = "v2",
    alg: str = "RS384",
    access_token_lifetime: int = 3600,
    ehr_writable: frozenset[str] | None = None,
    companion: bool = False,
    tls: LocalCA | None = None,
    session_store_url: str | None = None,
) -> Deployment:
    """Start a sandbox EHR (localhost) and the app (127.0.0.1); `started` collects the servers
    for the caller to stop.

    ehr_writable: the EHR's writable types (default: the sandbox's). companion: also start a
    second, empty sandbox as the companion record store, register the app there as an
    asymmetric backend-services client (keys from the app's jwks.json) and give the app
    record_store_url and a private key for it. tls: both servers speak https with this test
    CA's certificate, the app trusts the CA and runs in production mode (no development
    flag). session_store_url: the app's shared session store (default: SQLite in its data
    folder)."""
    clock = FakeClock()  # one clock for both servers, as in the real world
    context = tls.server_context() if tls is not None else None
    ehr = LiveServer(hostname="localhost", ssl_context=context)
    app_server = LiveServer(hostname="127.0.0.1", ssl_context=context)
    started.extend([ehr, app_server])
    store_server = LiveServer(hostname="localhost") if companion else None
    if store_server is not None:
        started.append(store_server)
    client_id = f"alliance-{client_kind}"
    registration = ClientRegistration(
        client_id=client_id,
        kind=client_kind,
        redirect_uris=(f"{app_server.url}/callback",),
        secret=SYMMETRIC_SECRET if client_kind == "symmetric" else None,
        jwks_uri=f"{app_server.url}/.well-known/jwks.json"
        if client_kind == "asymmetric"
        else None,
    )
    sandbox_settings = SandboxSettings(
        base_url=ehr.url,
        app_launch_url=f"{app_server.url}/launch",
        clients=(registration,),
        db_path=tmp_path / f"sandbox-{len(started)}.sqlite3",
        scope_syntax=scope_syntax,
        access_token_lifetime=access_token_lifetime,
        clock=clock,
        **({"writable_types": ehr_writable} if ehr_writable is not None else {}),
    )
    flask_sandbox = create_sandbox(sandbox_settings, auth_factory=sandbox_auth)
    ehr.start(flask_sandbox)
    flask_companion = None
    if store_server is not None:
        backend = ClientRegistration(client_id=client_id, kind="asymmetric", redirect_uris=(),
                                     jwks_uri=f"{app_server.url}/.well-known/jwks.json")
        flask_companion = create_sandbox(SandboxSettings(
            base_url=store_server.url, app_launch_url=f"{app_server.url}/launch",
            clients=(backend,), db_path=tmp_path / f"companion-{len(started)}.sqlite3",
            load_cohort=False, clock=clock), auth_factory=sandbox_auth)
        store_server.start(flask_companion)
    config = {
        "public_url": app_server.url,
        "client_id": client_id,
        "allowed_iss": f"{ehr.url}/fhir",
        "secret_key": "Vq3r-8NcZ0pLw2xY7tKd4hJm9sFb6gRe1uAi5oTy",
        "development": tls is None,  # plain http on loopback, unless over TLS
        "data_dir": str(tmp_path / f"app-{len(started)}"),
        "frame_ancestors": f"'self' {ehr.url}",
    }
    if client_kind == "symmetric":
        config["client_secret"] = SYMMETRIC_SECRET
    if client_kind == "asymmetric" or store_server is not None:
        key_file = tmp_path / f"key-{alg}-{len(started)}.pem"
        key_file.write_bytes(private_key_pem(alg))
        config["private_key_file"] = str(key_file)
        config["private_key_alg"] = alg
    if store_server is not None:
        config["record_store_url"] = f"{store_server.url}/fhir"
    if session_store_url is not None:
        config["session_store_url"] = session_store_url
    http = RecordingSession()
    if tls is not None:
        http.verify = str(tls.ca_file)
        http.trust_env = False  # else REQUESTS_CA_BUNDLE from the environment wins over verify
    waits: list[float] = []
    flask_app = create_app(config, http=http, clock=clock, sleep=waits.append)
    app_server.start(flask_app)
    return Deployment(
        ehr, app_server, http, clock, client_id, sandbox_settings, flask_app, flask_sandbox,
        companion=store_server, flask_companion=flask_companion, waits=waits,
    )
