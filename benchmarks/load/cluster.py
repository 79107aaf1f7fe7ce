"""The load benchmark's servers: HAPI FHIR (the interop tier's launcher) behind Toxiproxy,
oidc-provider as the authorization server, a PostgreSQL or Redis session store, two app
instances (`alliance serve --workers N`) and nginx round-robin in front of them.

The app always reaches HAPI through Toxiproxy (its `iss` is the proxy's address), so a run
with injected latency differs from one without by a single toxic, nothing else.
"""

from __future__ import annotations

import secrets
import subprocess
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests

import fhir_profiles
from ehr_sandbox.cohort import build_cohort
from ehr_sandbox.settings import SandboxSettings
from tests.support.instances import AppInstance, start_instance
from tests.support.interop import (
    CLIENT_IDS,
    HAPI_JAR,
    HAPI_START_DEADLINE,
    start_oidc,
    wait_for,
)
from tests.support.nginx import running_nginx
from tests.support.postgres import running_postgres
from tests.support.processes import free_port
from tests.support.redis_server import running_redis
from tests.support.servers import LiveServer
from tests.support.toxiproxy import Proxy, Toxiproxy

FHIR_JSON = {"Content-Type": "application/fhir+json", "Accept": "application/fhir+json"}
SECRET_KEY = secrets.token_urlsafe(32)


@dataclass
class Cluster:
    front: str  # nginx
    fhir_base: str  # HAPI through Toxiproxy: the app's iss
    hapi_direct: str
    oidc: str
    proxy: Proxy
    instances: list[AppInstance]
    hapi: subprocess.Popen[bytes]
    probe: LiveServer  # bound, not started: the in-process app of the app-time measurement
    contexts: list[dict]  # launch contexts, one per patient (today's session)
    long_course: dict  # the 150-session patient's context
    folder: Path


def _put_all(hapi: str, resources: list[dict]) -> None:
    bundle = {"resourceType": "Bundle", "type": "transaction", "entry": [
        {"resource": r, "request": {"method": "PUT", "url": f"{r['resourceType']}/{r['id']}"}}
        for r in resources]}
    answer = requests.post(hapi, json=bundle, headers=FHIR_JSON, timeout=600)
    answer.raise_for_status()


def load_hapi(hapi: str, clinicians: int = 0) -> tuple[list[dict], dict]:
    """The conformance package and the whole sandbox cohort (12 clients, one with 150
    sessions), each client's course in its own transaction. Returns the launch contexts: at
    least one per clinician, each a session of its own (today's session of each client, and
    as many more sessions today, in turn, as the clinicians need), so no two simulated
    clinicians rate or correct the same session."""
    order = {"CodeSystem": 0, "ValueSet": 1, "StructureDefinition": 2, "Questionnaire": 3}
    _put_all(hapi, sorted(fhir_profiles.load_resources(),
                          key=lambda r: order.get(r["resourceType"], 9)))
    cohort = build_cohort(SandboxSettings.seed, time.time())
    starts = [i for i, r in enumerate(cohort.resources) if r["resourceType"] == "Patient"]
    _put_all(hapi, list(cohort.resources[:starts[0]]))
    for begin, end in zip(starts, [*starts[1:], len(cohort.resources)], strict=True):
        _put_all(hapi, list(cohort.resources[begin:end]))
    contexts = [{"patient": p.patient_id, "encounter": p.today.encounter_id,
                 "fhirUser": f"Practitioner/{p.practitioner_id}", "need_patient_banner": False}
                for p in cohort.patients]
    long_course = next(c for c, p in zip(contexts, cohort.patients, strict=True)
                       if p.shape == "long-course")
    encounters = {r["id"]: r for r in cohort.resources if r["resourceType"] == "Encounter"}
    contexts, extra = one_session_each(contexts, encounters, clinicians)
    if extra:
        _put_all(hapi, extra)
    return contexts, long_course


def one_session_each(contexts: list[dict], encounters: dict[str, dict],
                     clinicians: int) -> tuple[list[dict], list[dict]]:
    """At least one launch context per clinician, each a session of its own: past the
    cohort's own sessions, copies of them in turn (the copies' Encounters returned to store)."""
    contexts = list(contexts)
    originals = list(contexts)
    extra: list[dict] = []
    for n in range(max(0, clinicians - len(originals))):
        base = originals[n % len(originals)]
        copy = {**encounters[base["encounter"]], "id": f"{base['encounter']}-v{n + 1}"}
        extra.append(copy)
        contexts.append({**base, "encounter": copy["id"]})
    return contexts, extra


def _process(command: list[str], log: Path, **kwargs: object) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT,  # noqa: S603
                                **kwargs)  # type: ignore[call-overload]


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


@contextmanager
def running_cluster(folder: Path, *, store: str, instances: int, workers: int,
                    threads: int, clinicians: int = 0) -> Iterator[Cluster]:
    with ExitStack() as stack:
        store_url = stack.enter_context(
            running_postgres() if store == "postgresql" else running_redis()).url
        toxi = stack.enter_context(Toxiproxy.start(folder))
        hapi_port, front_port = free_port(), free_port()
        proxy = toxi.proxy("hapi", f"127.0.0.1:{hapi_port}")
        fhir_base = f"{proxy.url}/fhir"
        front = f"http://127.0.0.1:{front_port}"
        probe = LiveServer(hostname="127.0.0.1")
        oidc_process, oidc = start_oidc(folder, fhir_base, [{
            "client_id": CLIENT_IDS["public"], "token_endpoint_auth_method": "none",
            "grant_types": ["authorization_code", "refresh_token"], "response_types": ["code"],
            "redirect_uris": [f"{front}/callback", f"{probe.url}/callback"]}])
        stack.callback(_stop, oidc_process)
        hapi = _process(["java", "-Xmx2g", "-jar", str(HAPI_JAR), str(hapi_port),
                         f"{oidc}/.well-known/smart-configuration"], folder / "hapi.log")
        stack.callback(_stop, hapi)
        hapi_direct = f"http://127.0.0.1:{hapi_port}/fhir"
        # A loaded machine can take minutes to start HAPI: a longer deadline than the tests.
        wait_for(f"{hapi_direct}/metadata", hapi, 3 * HAPI_START_DEADLINE, folder / "hapi.log")
        contexts, long_course = load_hapi(hapi_direct, clinicians)
        settings = {"public_url": front, "client_id": CLIENT_IDS["public"],
                    "allowed_iss": fhir_base, "secret_key": SECRET_KEY,
                    "data_dir": str(folder / "var"), "session_store_url": store_url,
                    "development": "true",
                    # nginx, and each simulated clinician's own X-Forwarded-For (its
                    # workstation's address: launches are limited per address)
                    "trusted_proxies": "2"}
        started: list[AppInstance] = []
        for n in range(instances):
            started.append(start_instance(f"app-{n + 1}", settings, folder, workers=workers,
                                          threads=threads))
            stack.callback(started[-1].stop)
        stack.enter_context(running_nginx([i.url for i in started], port=front_port))
        yield Cluster(front, fhir_base, hapi_direct, oidc, proxy, started, hapi, probe,
                      contexts, long_course, folder)
