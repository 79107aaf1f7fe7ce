"""One app process serving two sandbox EHRs, A and B, each with its own companion record store,
all on loopback over real HTTP (the tenancy tests: each EHR's records only in its own store).

Neither EHR takes QuestionnaireResponses, so every record goes to a companion store. Each
companion store registers only its own EHR's backend client (`records-a`, `records-b`), each
with that EHR's key alone, so a token asked with the other EHR's credentials is refused. The
two sandboxes seed the same cohort: the same patient and encounter ids exist in both EHRs, as
they would in two hospitals.

`layout="tables"`: both EHRs in issuer tables, no top-level companion store. `layout="mixed"`:
A configured by the top-level settings (with the top-level companion store), B by a table
naming its own store (the configuration where B's saves once went to A's store).

Each side is a `Deployment` (tests/support/deployment.py) sharing the one app, its outbound
HTTP and clock, so tests/support/launched.py's helpers work on either.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ehr_sandbox import create_sandbox
from ehr_sandbox.settings import ClientRegistration, SandboxSettings
from plugin.web import create_app
from smart_launch import ClientConfig, SmartClient
from tests.support.clock import FakeClock
from tests.support.deployment import Deployment
from tests.support.recording_http import RecordingSession
from tests.support.servers import LiveServer
from tests.support.signing_keys import private_key_pem, sandbox_auth

WITHOUT_RESPONSES = frozenset({"Observation", "Provenance", "Questionnaire"})
SECRET_KEY = "Vq3r-8NcZ0pLw2xY7tKd4hJm9sFb6gRe1uAi5oTy"  # random, for the tests only


def _public_jwks(client_id: str, pem: bytes) -> dict:
    return SmartClient(ClientConfig(client_id, "http://127.0.0.1:9/callback",
                                    private_key_pem=pem, private_key_alg="RS384")).public_jwks()


Tables = Callable[[dict[str, dict[str, str]]], dict[str, dict[str, str]]]


def start_two_ehrs(tmp_path: Path, started: list[LiveServer], *,
                   layout: str = "tables", audit: str = "record-store",
                   tables: Tables | None = None,
                   keep_records: frozenset[str] = frozenset()) -> tuple[Deployment, Deployment]:
    """Start EHR A and B, their companion stores and the app; `started` collects the servers
    for the caller to stop. `audit`: ALLIANCE_AUDIT_DESTINATION (each EHR's own store, or
    "log"). `tables`: the issuer tables, made from each side's facts (iss, key_file, client_id,
    store_url, store_client); `keep_records`: the EHRs ("a", "b") that take the ratings
    themselves."""
    clock = FakeClock()
    app_server = LiveServer(hostname="127.0.0.1")  # in `started` once it serves
    sides: dict[str, dict] = {}
    for name in ("a", "b"):
        ehr, companion = LiveServer(hostname="localhost"), LiveServer(hostname="localhost")
        pem = private_key_pem("RS384")
        key_file = tmp_path / f"key-{name}.pem"
        key_file.write_bytes(pem)
        client_id, store_client = f"alliance-{name}", f"records-{name}"
        sandbox_settings = SandboxSettings(
            base_url=ehr.url, app_launch_url=f"{app_server.url}/launch",
            clients=(ClientRegistration(
                client_id=client_id, kind="asymmetric",
                redirect_uris=(f"{app_server.url}/callback",),
                jwks=_public_jwks(client_id, pem)),),
            db_path=tmp_path / f"ehr-{name}.sqlite3",
            **({} if name in keep_records else {"writable_types": WITHOUT_RESPONSES}),
            alliance_histories=False, clock=clock)
        flask_sandbox = create_sandbox(sandbox_settings, auth_factory=sandbox_auth)
        started.append(ehr.start(flask_sandbox))
        flask_companion = create_sandbox(SandboxSettings(
            base_url=companion.url, app_launch_url=f"{app_server.url}/launch",
            clients=(ClientRegistration(client_id=store_client, kind="asymmetric",
                                        redirect_uris=(),
                                        jwks=_public_jwks(store_client, pem)),),
            db_path=tmp_path / f"companion-{name}.sqlite3", load_cohort=False, clock=clock),
            auth_factory=sandbox_auth)
        started.append(companion.start(flask_companion))
        sides[name] = {"ehr": ehr, "companion": companion, "key_file": str(key_file),
                       "client_id": client_id, "store_client": store_client,
                       "settings": sandbox_settings, "sandbox": flask_sandbox,
                       "flask_companion": flask_companion}

    def table(name: str) -> dict[str, str]:
        side = sides[name]
        return {"client_id": side["client_id"], "private_key_file": side["key_file"],
                "record_store_url": f"{side['companion'].url}/fhir",
                "record_store_client_id": side["store_client"]}

    a_iss, b_iss = (f"{sides[n]['ehr'].url}/fhir" for n in ("a", "b"))
    config: dict = {
        "public_url": app_server.url, "secret_key": SECRET_KEY, "development": True,
        "data_dir": str(tmp_path / "app"), "audit_destination": audit,
        "frame_ancestors": f"'self' {sides['a']['ehr'].url} {sides['b']['ehr'].url}",
    }
    if tables is not None:
        config["issuers"] = tables({n: {
            "iss": f"{sides[n]['ehr'].url}/fhir", "key_file": sides[n]["key_file"],
            "client_id": sides[n]["client_id"], "store_client": sides[n]["store_client"],
            "store_url": f"{sides[n]['companion'].url}/fhir"} for n in ("a", "b")})
    elif layout == "tables":
        config["issuers"] = {a_iss: table("a"), b_iss: table("b")}
    else:  # A by the top-level settings, B by its own table
        top = table("a")
        config.update(allowed_iss=f"{a_iss},{b_iss}", client_id=top["client_id"],
                      private_key_file=top["private_key_file"],
                      record_store_url=top["record_store_url"],
                      record_store_client_id=top["record_store_client_id"],
                      issuers={b_iss: table("b")})
    http = RecordingSession()
    flask_app = create_app(config, http=http, clock=clock)
    started.append(app_server.start(flask_app))
    return tuple(  # type: ignore[return-value]
        Deployment(sides[n]["ehr"], app_server, http, clock, sides[n]["client_id"],
                   sides[n]["settings"], flask_app, sides[n]["sandbox"],
                   companion=sides[n]["companion"],
                   flask_companion=sides[n]["flask_companion"])
        for n in ("a", "b"))
