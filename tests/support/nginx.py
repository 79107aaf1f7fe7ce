"""A throwaway nginx (Debian's `nginx`) balancing round-robin over app instances.

Its own config, prefix, logs and temp folders in a fresh folder, a free loopback port, in the
foreground (`daemon off`) so the test session owns it. nginx takes its port first, before the
instances exist (they must know its address): `running_nginx()` with no upstreams serves only
`/nginx-ready`, and `NginxServer.balance()` then writes the upstreams and reloads it, so the
port is never left free for another program to take meanwhile.

A failed upstream (refused connection) is retried on the next one, as a production balancer
would. By default an instance that fails `MAX_FAILS` times is marked down for `FAIL_TIMEOUT`
seconds; a test that counts which instance answered passes `max_fails=0`, so that one slow
moment never takes an instance out for the rest of the test. Upstream connections are kept
alive (60 s), shorter than the app's own keep-alive (plugin/web/server.py), as they must be.
"""

from __future__ import annotations

import os
import shutil
import signal
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import requests

from tests.support.processes import ManagedProcess, children, find_tool, free_port, tail

START_DEADLINE = 20.0
READY_DEADLINE = 60.0  # every instance answering through nginx; a loaded machine is slow
FAIL_TIMEOUT = 10
MAX_FAILS = 3

_CONFIG = """
worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    # What answered each request, for a failing test's report (first path segment only: no
    # handle or code in it).
    map $uri $route {{ ~^(?<first>/[^/]*) $first; default -; }}
    log_format upstreams '$msec $request_method $route $status '
                         'upstream=$upstream_addr upstream_status=$upstream_status '
                         'time=$request_time';
    access_log {folder}/access.log upstreams;
    client_body_temp_path {folder}/client_body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
{upstream}
    server {{
        listen 127.0.0.1:{port};
        location = /nginx-ready {{
            add_header X-Config-Generation {generation} always;
            return 204;
        }}
{proxy}
    }}
}}
"""

_UPSTREAM = """    upstream alliance {{
{servers}
        keepalive 32;
        keepalive_timeout 60s;
    }}"""

_PROXY = """        location / {
            proxy_pass http://alliance;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto http;
            proxy_next_upstream error timeout;
            proxy_connect_timeout 2s;
            proxy_read_timeout 60s;
            proxy_max_temp_file_size 0;
            add_header X-Upstream $upstream_addr always;
        }"""


def nginx_missing() -> list[str]:
    return [] if find_tool("nginx", "/usr/sbin/nginx") else ["nginx (apt-get install nginx)"]


def _write_config(folder: Path, port: int, generation: int, upstreams: Sequence[str],
                  max_fails: int, fail_timeout: int) -> None:
    servers = "\n".join(
        f"        server {urlsplit(u).netloc} max_fails={max_fails} fail_timeout={fail_timeout}s;"
        for u in upstreams)
    (folder / "nginx.conf").write_text(_CONFIG.format(
        folder=folder, port=port, generation=generation,
        upstream=_UPSTREAM.format(servers=servers) if upstreams else "",
        proxy=_PROXY if upstreams else ""))


@dataclass
class NginxServer:
    url: str
    port: int
    process: ManagedProcess
    folder: Path
    max_fails: int
    fail_timeout: int
    generation: int = 1

    def balance(self, upstreams: Sequence[str]) -> None:
        """Balances over `upstreams` (base URLs) from now on: a reload (SIGHUP), finished when
        the new configuration answers and the old worker has left."""
        self.generation += 1
        _write_config(self.folder, self.port, self.generation, upstreams, self.max_fails,
                      self.fail_timeout)
        old_workers = children(self.process.pid)
        os.kill(self.process.pid, signal.SIGHUP)
        self.process.wait_until(lambda: self._reloaded(old_workers), START_DEADLINE)

    def _reloaded(self, old_workers: Sequence[int]) -> bool:
        # The old worker by its pid: until it has exited it may still accept a connection with
        # the old configuration, and /proc's list of children can miss one that is exiting.
        if any(_running(pid) for pid in old_workers):
            return False
        if len(children(self.process.pid)) != 1:  # worker_processes 1: the new one alone
            return False
        return _generation(self.url) == str(self.generation)


    def wait_until_each_answers(self, upstreams: Sequence[str], path: str = "/readyz",
                                deadline: float = READY_DEADLINE) -> None:
        """Polls `path` through nginx until every upstream has answered it 200 at the first
        try (X-Upstream names it alone): each instance is reachable through nginx."""
        waiting = {urlsplit(u).netloc for u in upstreams}

        def all_answered() -> bool:
            try:
                answer = requests.get(f"{self.url}{path}", timeout=5)
            except requests.RequestException:
                return False
            if answer.status_code == 200:
                waiting.discard(answer.headers.get("X-Upstream", ""))
            return not waiting

        try:
            self.process.wait_until(all_answered, deadline)
        except RuntimeError as err:
            raise RuntimeError(f"through nginx, {sorted(waiting)} never answered {path}: "
                               f"{err}\n{self.report()}") from err

    def report(self, lines: int = 40) -> str:
        """The end of nginx's error and access logs: which upstream answered, which failed."""
        return (f"nginx error.log:\n{tail(self.folder / 'error.log', lines)}\n"
                f"nginx access.log:\n{tail(self.folder / 'access.log', lines)}")


def _generation(url: str) -> str | None:
    """The configuration generation answering /nginx-ready, None when nginx does not answer."""
    try:
        answer = requests.get(f"{url}/nginx-ready", timeout=1)
    except requests.RequestException:
        return None
    return answer.headers.get("X-Config-Generation") if answer.status_code == 204 else None


@contextmanager
def running_nginx(upstreams: Sequence[str] = (), *, port: int | None = None,
                  max_fails: int = MAX_FAILS, fail_timeout: int = FAIL_TIMEOUT,
                  ) -> Iterator[NginxServer]:
    """nginx on `port` (default: a free one) in front of `upstreams` (base URLs; none: call
    `balance` once the instances run)."""
    binary = find_tool("nginx", "/usr/sbin/nginx")
    assert binary, "call nginx_missing() first"
    folder = Path(tempfile.mkdtemp(prefix="alliance-nginx-"))
    folder.chmod(0o755)  # workers may run as an unprivileged user
    port = port or free_port()
    try:
        _write_config(folder, port, 1, upstreams, max_fails, fail_timeout)
        process = ManagedProcess("nginx", [
            binary, "-p", str(folder), "-c", str(folder / "nginx.conf"),
            "-e", str(folder / "error.log"), "-g", "daemon off;",
        ], folder / "nginx.out")
        try:
            server = NginxServer(f"http://127.0.0.1:{port}", port, process, folder, max_fails,
                                 fail_timeout)
            process.wait_until(lambda: _generation(server.url) == "1", START_DEADLINE)
            yield server
        finally:
            process.stop()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _running(pid: int) -> bool:
    """True while `pid` exists and is not a zombie waiting to be reaped."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[-1].split()[0] != "Z"
