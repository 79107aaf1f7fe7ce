"""The app under a path prefix, behind nginx configured as deploy/nginx.conf says (that file,
with its listen, TLS and upstream lines swapped for loopback ones): a launch from the EHR's
chart reaches the panel under /alliance/, every redirect and link keeps the prefix, the
redirect_uri sent to the EHR carries it, a static file loads under it, and nginx's access log
holds neither the launch handle nor the callback's code."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
import requests

from ehr_sandbox import create_sandbox
from ehr_sandbox.settings import ClientRegistration, SandboxSettings
from plugin.web import create_app
from tests.support.nginx import nginx_missing
from tests.support.processes import ManagedProcess, find_tool, free_port, require_tools
from tests.support.servers import LiveServer

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "deploy" / "nginx.conf"
PREFIX = "/alliance"

_MAIN = """
worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
events {{ worker_connections 64; }}
http {{
    client_body_temp_path {folder}/client_body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    include {folder}/alliance.conf;
}}
"""


def sample_on_loopback(port: int, upstream: str, folder: Path) -> str:
    """deploy/nginx.conf with only the host's own lines changed: plain http on `port`, the
    app at `upstream` (host:port), the access log in `folder`."""
    text = SAMPLE.read_text()
    swaps = {"listen 443 ssl;": f"listen 127.0.0.1:{port};",
             "server 127.0.0.1:8080;": f"server {upstream};",
             "/var/log/nginx/alliance.access.log": str(folder / "alliance.access.log")}
    for old, new in swaps.items():
        assert old in text, f"deploy/nginx.conf no longer has {old!r}"
        text = text.replace(old, new)
    return "\n".join(line for line in text.splitlines()
                     if not line.strip().startswith(("ssl_certificate", "#")))


@dataclass(frozen=True)
class Prefixed:
    public_url: str  # the app's, under the prefix
    ehr_url: str
    access_log: Path  # nginx's, in the sample's format


@pytest.fixture
def behind_prefix(tmp_path: Path) -> Iterator[Prefixed]:
    require_tools("path-prefix test", nginx_missing())
    port = free_port()
    public_url = f"http://127.0.0.1:{port}{PREFIX}"
    ehr, app = LiveServer(hostname="localhost"), LiveServer()
    client = ClientRegistration(client_id="alliance-public", kind="public",
                                redirect_uris=(f"{public_url}/callback",))
    ehr.start(create_sandbox(SandboxSettings(
        base_url=ehr.url, app_launch_url=f"{public_url}/launch", clients=(client,),
        db_path=tmp_path / "sandbox.sqlite3")))
    app.start(create_app({
        "public_url": public_url, "client_id": "alliance-public", "allowed_iss": f"{ehr.url}/fhir",
        "secret_key": "Vq3r-8NcZ0pLw2xY7tKd4hJm9sFb6gRe1uAi5oTy", "development": True,
        "data_dir": str(tmp_path / "app"), "trusted_proxies": 1,
        "frame_ancestors": f"'self' {ehr.url}"}))
    folder = tmp_path / "nginx"
    folder.mkdir()
    folder.chmod(0o755)
    (folder / "alliance.conf").write_text(
        sample_on_loopback(port, urlsplit(app.url).netloc, folder))
    (folder / "nginx.conf").write_text(_MAIN.format(folder=folder))
    binary = find_tool("nginx", "/usr/sbin/nginx")
    nginx = ManagedProcess("nginx", [str(binary), "-p", str(folder), "-c",
                                     str(folder / "nginx.conf"), "-e", str(folder / "error.log"),
                                     "-g", "daemon off;"], folder / "nginx.out")

    def answers() -> bool:
        try:
            return requests.get(f"{public_url}/healthz", timeout=2).status_code == 200
        except requests.RequestException:
            return False

    try:
        nginx.wait_until(answers, 20)
        yield Prefixed(public_url, ehr.url, folder / "alliance.access.log")
    finally:
        nginx.stop()
        app.stop()
        ehr.stop()


def test_a_launch_under_a_path_prefix_keeps_the_prefix_and_logs_no_secret(
        behind_prefix: Prefixed) -> None:
    public_url, ehr_url = behind_prefix.public_url, behind_prefix.ehr_url
    browser = requests.Session()
    chart_page = browser.get(f"{ehr_url}/", timeout=10).text
    patient = re.findall(r'href="/chart/([A-Za-z0-9.\-]+)', chart_page)[0]
    chart = browser.get(f"{ehr_url}/chart/{patient}", timeout=10).text
    launch_url = html.unescape(re.search(r'<iframe[^>]*\ssrc="([^"]+)"', chart).group(1))
    assert launch_url.startswith(f"{public_url}/launch?")

    panel = browser.get(launch_url, timeout=30)
    assert panel.status_code == 200, (panel.url, panel.text[:300])
    assert panel.url.startswith(f"{public_url}/panel/"), panel.url
    handle = panel.url[len(f"{public_url}/panel/"):].split("/")[0].split("?")[0]
    app_origin = public_url[: -len(PREFIX)]
    for hop in panel.history:  # every redirect the app answered stays under the prefix
        if hop.url.startswith(app_origin):
            target = urljoin(hop.url, hop.headers["Location"])
            assert target.startswith((f"{public_url}/", ehr_url)), (hop.url, target)
    authorize = next(h for h in panel.history if h.url.startswith(ehr_url) and "redirect_uri"
                     in h.url)
    assert parse_qs(urlsplit(authorize.url).query)["redirect_uri"] == [f"{public_url}/callback"]
    callback = next(h for h in panel.history if urlsplit(h.url).path == f"{PREFIX}/callback")
    code = parse_qs(urlsplit(callback.url).query)["code"][0]

    links = re.findall(r'(?:href|src|action|data-[a-z-]+-url)="(/[^"]*)"', panel.text)
    assert links and all(link.startswith(f"{PREFIX}/") for link in links), links
    stylesheet = next(link for link in links if "/static/" in link)
    assert browser.get(urljoin(panel.url, stylesheet), timeout=10).status_code == 200
    assert [link for link in links if "/responses/" in link]  # a stored rating's page
    records = next(link for link in links if link.endswith("/record"))
    assert browser.get(urljoin(panel.url, records), timeout=10).status_code == 200

    missing = browser.get(f"{public_url}/panel/{handle}/responses/no-such-record", timeout=10)
    assert missing.status_code == 404  # an error page's way back keeps the prefix too
    assert f'href="{PREFIX}/panel/{handle}"' in missing.text, missing.text[-600:]

    access = behind_prefix.access_log.read_text()
    assert f"{PREFIX}/panel/*" in access and f"{PREFIX}/callback" in access, access
    assert handle not in access and code not in access, access
