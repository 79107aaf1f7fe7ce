"""The scale tier: two app instances (`alliance serve`, two gunicorn workers each) behind nginx
round-robin, sharing one session store, PostgreSQL or Redis, with the sandbox EHR as the EHR.
Every server is a real process started here (tests/support) and stopped after the module;
without postgres, redis-server or nginx the tier skips loudly (fails under CI=true).

No port is chosen early and bound late: nginx takes its port first (the EHR and the instances
must know its address), the instances bind port 0 and say which port they got, and nginx is
then reloaded with them. Before any test, each instance has answered /readyz through nginx.
nginx never marks an instance down here (max_fails=0): a refused connection is still retried
on the other instance, and the tests see that retry in X-Upstream rather than a balancer that
quietly stopped balancing.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Generator, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests

from ehr_sandbox import create_sandbox
from ehr_sandbox.settings import ClientRegistration, SandboxSettings
from tests.support.instances import AppInstance, start_instance, start_instances, stop_instances
from tests.support.nginx import NginxServer, nginx_missing, running_nginx
from tests.support.postgres import postgres_missing, running_postgres
from tests.support.processes import require_tools, tail
from tests.support.redis_server import redis_missing, running_redis
from tests.support.servers import LiveServer

CLIENT_ID = "alliance-scale"
SECRET_KEY = "Zt4w-9KqR2mXb7cLp1vN8dHy3sGf6jUe5aTo0WiQ"


@dataclass
class Cluster:
    backend: str
    ehr: LiveServer
    balancer: NginxServer
    instances: list[AppInstance]
    settings: dict[str, str]
    folder: Path
    flask_sandbox: object
    browsers: list[requests.Session] = field(default_factory=list)

    @property
    def url(self) -> str:
        return self.balancer.url

    @property
    def iss(self) -> str:
        return f"{self.ehr.url}/fhir"

    def report(self) -> str:
        """nginx's view and each instance's log, for a failing test (the folders go after)."""
        logs = [f"{i.name} ({i.address}) log:\n{tail(i.process.log, 20)}" for i in self.instances]
        return "\n".join([self.balancer.report(), *logs])

    def upstream_names(self) -> dict[str, str]:
        return {i.address: i.name for i in self.instances}

    def restart(self, instance: AppInstance) -> AppInstance:
        """Starts `instance` again on its own port (nginx's entry for it) and waits until it
        answers through nginx again."""
        again = start_instance(instance.name, self.settings, self.folder, port=instance.port)
        self.instances[self.instances.index(instance)] = again
        self.balancer.wait_until_each_answers([i.url for i in self.instances])
        return again


def tools_for(backend: str) -> list[str]:
    missing = postgres_missing() if backend == "postgresql" else redis_missing()
    return missing + nginx_missing()


@contextmanager
def store_url(backend: str) -> Iterator[str]:
    runner = running_postgres() if backend == "postgresql" else running_redis()
    with runner as server:
        yield server.url


@contextmanager
def running_cluster(backend: str, instances: int = 2) -> Iterator[Cluster]:
    folder = Path(tempfile.mkdtemp(prefix="alliance-scale-"))
    with ExitStack() as stack:
        stack.callback(shutil.rmtree, folder, ignore_errors=True)
        url = stack.enter_context(store_url(backend))
        balancer = stack.enter_context(running_nginx(max_fails=0))
        front = balancer.url
        ehr = LiveServer(hostname="localhost")
        stack.callback(ehr.stop)
        sandbox = create_sandbox(SandboxSettings(
            base_url=ehr.url, app_launch_url=f"{front}/launch",
            clients=(ClientRegistration(client_id=CLIENT_ID, kind="public",
                                        redirect_uris=(f"{front}/callback",)),),
            db_path=folder / "sandbox.sqlite3"))
        ehr.start(sandbox)
        settings = {"public_url": front, "client_id": CLIENT_ID,
                    "allowed_iss": f"{ehr.url}/fhir", "secret_key": SECRET_KEY,
                    "data_dir": str(folder / "var"), "frame_ancestors": f"'self' {ehr.url}",
                    "session_store_url": url, "development": "true",
                    "trusted_proxies": "1"}
        started = start_instances([f"app-{'ab'[n]}" for n in range(instances)], settings,
                                  folder)
        stack.callback(stop_instances, started)  # the list: a restarted instance replaces one
        stack.callback(balancer.process.stop)  # before the instances: no idle keep-alives left
        balancer.balance([i.url for i in started])
        balancer.wait_until_each_answers([i.url for i in started])
        yield Cluster(backend, ehr, balancer, started, settings, folder, sandbox)


@pytest.fixture(scope="module", params=["postgresql", "redis"])
def cluster(request: pytest.FixtureRequest) -> Iterator[Cluster]:
    require_tools(f"scale tier on {request.param}", tools_for(request.param))
    with running_cluster(request.param) as made:
        yield made


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]
                              ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    made = getattr(item, "funcargs", {}).get("cluster")
    if report.failed and isinstance(made, Cluster):
        report.sections.append((f"cluster ({made.backend})", made.report()))
    return report
