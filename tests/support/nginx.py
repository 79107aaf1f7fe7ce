"""A throwaway nginx (Debian's `nginx`) balancing round-robin over app instances.

Its own config, prefix, logs and temp folders in a fresh folder, a free loopback port, in the
foreground (`daemon off`) so the test session owns it. A failed upstream (refused connection)
is retried on the next one, as a production balancer would; an instance that fails
`MAX_FAILS` times is marked down for `FAIL_TIMEOUT` seconds. Upstream connections are kept
alive (60 s), shorter than the app's own keep-alive (plugin/web/server.py), as they must be.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import requests

from tests.support.processes import ManagedProcess, find_tool, free_port

START_DEADLINE = 20.0
FAIL_TIMEOUT = 10
MAX_FAILS = 3

_CONFIG = """
worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log {folder}/access.log;
    client_body_temp_path {folder}/client_body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    upstream alliance {{
{servers}
        keepalive 32;
        keepalive_timeout 60s;
    }}
    server {{
        listen 127.0.0.1:{port};
        location = /nginx-ready {{ return 204; }}
        location / {{
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
        }}
    }}
}}
"""


def nginx_missing() -> list[str]:
    return [] if find_tool("nginx", "/usr/sbin/nginx") else ["nginx (apt-get install nginx)"]


@dataclass
class NginxServer:
    url: str
    process: ManagedProcess
    folder: Path


def _answers(url: str) -> bool:
    try:
        return requests.get(f"{url}/nginx-ready", timeout=1).status_code == 204
    except requests.RequestException:
        return False


@contextmanager
def running_nginx(upstreams: Sequence[str], *, port: int | None = None) -> Iterator[NginxServer]:
    """nginx on `port` (default: a free one) in front of `upstreams` (base URLs)."""
    binary = find_tool("nginx", "/usr/sbin/nginx")
    assert binary, "call nginx_missing() first"
    folder = Path(tempfile.mkdtemp(prefix="alliance-nginx-"))
    folder.chmod(0o755)  # workers may run as an unprivileged user
    port = port or free_port()
    servers = "\n".join(
        f"        server {urlsplit(u).netloc} max_fails={MAX_FAILS} fail_timeout={FAIL_TIMEOUT}s;"
        for u in upstreams
    )
    config = folder / "nginx.conf"
    config.write_text(_CONFIG.format(folder=folder, servers=servers, port=port))
    url = f"http://127.0.0.1:{port}"
    try:
        process = ManagedProcess("nginx", [
            binary, "-p", str(folder), "-c", str(config), "-e", str(folder / "error.log"),
            "-g", "daemon off;",
        ], folder / "nginx.out")
        try:
            process.wait_until(lambda: _answers(url), START_DEADLINE)
            yield NginxServer(url, process, folder)
        finally:
            process.stop()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
