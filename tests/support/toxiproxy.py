"""Fault injection for tests and benchmarks: Toxiproxy for the network, a proxy of ours for 503s.

Toxiproxy (Shopify, v2.5.0) sits between a client and a TCP server and adds "toxics": latency,
connection resets, connections that go silent. It has no toxic that answers with an HTTP status,
so `Http503Injector` is a small HTTP proxy of ours that answers 503 in bursts, following a
schedule fixed by a seed: the same seed gives the same sequence of answers, request by request.

    with Toxiproxy.start(log_dir) as toxi:
        proxy = toxi.proxy("hapi", upstream="127.0.0.1:8080")
        proxy.latency(200, jitter=50)
        proxy.reset_peer(toxicity=0.1)
        flaky = Http503Injector(proxy.url, rate=0.3, seed=7).start()
        ... point the client at flaky.url ...
        flaky.stop()

The server binary is found by `find_toxiproxy()` (the Makefile and .ci/run install it with
`go install`). Every wait polls with a deadline; every HTTP call has a timeout.
"""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import requests

from tests.support.http_relay import Relay
from tests.support.servers import free_port

REPO = Path(__file__).resolve().parents[2]
INSTALLED = REPO / ".tools" / "bin" / "toxiproxy-server"  # where `make toxiproxy` puts it
INSTALL_HINT = "make toxiproxy (go install github.com/Shopify/toxiproxy/v2/cmd/server@v2.5.0)"
START_DEADLINE = 20.0  # seconds; it starts in well under one
API_TIMEOUT = 5.0


def find_toxiproxy() -> Path | None:
    """$TOXIPROXY_SERVER, then the project's install, then `toxiproxy-server` on PATH."""
    named = os.environ.get("TOXIPROXY_SERVER")
    if named:
        return Path(named)
    if INSTALLED.exists():
        return INSTALLED
    found = shutil.which("toxiproxy-server")
    return Path(found) if found else None


def require_toxiproxy() -> Path:
    """For a test: the binary, or a loud skip (a failure under CI=true, where .ci/run must
    have installed it)."""
    # imported here: it needs pytest, which the benchmarks (find_toxiproxy) do without
    from tests.support.processes import require_tools

    binary = find_toxiproxy()
    if binary is not None:
        return binary
    require_tools("Toxiproxy fault tests", [f"toxiproxy-server: {INSTALL_HINT}"])
    raise AssertionError("unreachable: require_tools skips or fails")


class ToxiproxyError(RuntimeError):
    """The Toxiproxy server did not start, or refused an API call."""


@dataclass
class Proxy:
    """One Toxiproxy proxy: `url` goes to `upstream` through whatever toxics are set."""

    api: str
    name: str
    listen: str  # host:port
    upstream: str  # host:port
    toxics: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://{self.listen}"

    def add_toxic(self, kind: str, *, stream: str = "downstream", toxicity: float = 1.0,
                  **attributes: int) -> str:
        """Add a toxic of any type Toxiproxy knows; returns its name (for `remove_toxic`).
        `toxicity` is the share of connections it applies to."""
        name = f"{kind}_{stream}_{len(self.toxics)}"
        body = {"name": name, "type": kind, "stream": stream, "toxicity": toxicity,
                "attributes": attributes}
        _call("POST", f"{self.api}/proxies/{self.name}/toxics", body)
        self.toxics.append(name)
        return name

    def latency(self, ms: int, *, jitter: int = 0, toxicity: float = 1.0) -> str:
        """Delay data by `ms` (plus or minus `jitter`) on the way back to the client."""
        return self.add_toxic("latency", toxicity=toxicity, latency=ms, jitter=jitter)

    def reset_peer(self, *, after_ms: int = 0, toxicity: float = 1.0) -> str:
        """Close connections with a TCP RST, `after_ms` after they open (0: at once)."""
        return self.add_toxic("reset_peer", stream="upstream", toxicity=toxicity,
                              timeout=after_ms)

    def timeout(self, *, after_ms: int = 0, stream: str = "upstream",
                toxicity: float = 1.0) -> str:
        """Let no data through on `stream`; close the connection after `after_ms` (0: never).
        "upstream": the request never arrives; "downstream": it is done, the answer is lost."""
        return self.add_toxic("timeout", stream=stream, toxicity=toxicity, timeout=after_ms)

    def remove_toxic(self, name: str) -> None:
        _call("DELETE", f"{self.api}/proxies/{self.name}/toxics/{name}")
        self.toxics.remove(name)

    def clear(self) -> None:
        for name in list(self.toxics):
            self.remove_toxic(name)


class Toxiproxy:
    """A Toxiproxy server of our own on a free loopback port."""

    def __init__(self, process: subprocess.Popen[bytes], api: str, log: Path) -> None:
        self.process, self.api, self.log = process, api, log
        self.proxies: dict[str, Proxy] = {}

    @classmethod
    def launch(cls, log_dir: Path, *, binary: Path | None = None, seed: int = 1) -> Toxiproxy:
        """Start the server (seeded, so toxicity draws repeat) and poll until it answers."""
        binary = binary or find_toxiproxy()
        if binary is None:
            raise ToxiproxyError(f"no toxiproxy-server: {INSTALL_HINT}")
        port = free_port()
        log = log_dir / f"toxiproxy-{port}.log"
        with log.open("wb") as out:
            process = subprocess.Popen(
                [str(binary), "-host", "127.0.0.1", "-port", str(port), "-seed", str(seed)],
                stdout=out, stderr=subprocess.STDOUT)
        server = cls(process, f"http://127.0.0.1:{port}", log)
        try:
            _poll(f"{server.api}/version", process, START_DEADLINE)
        except ToxiproxyError:
            server.stop()
            raise ToxiproxyError(f"toxiproxy did not start:\n{_tail(log)}") from None
        return server

    @classmethod
    @contextmanager
    def start(cls, log_dir: Path, **kwargs: object) -> Iterator[Toxiproxy]:
        server = cls.launch(log_dir, **kwargs)  # type: ignore[arg-type]
        try:
            yield server
        finally:
            server.stop()

    def proxy(self, name: str, upstream: str) -> Proxy:
        """A new proxy listening on a free loopback port, forwarding to `upstream` (host:port
        or an http URL)."""
        upstream = upstream.removeprefix("http://").split("/", 1)[0]
        listen = f"127.0.0.1:{free_port()}"
        _call("POST", f"{self.api}/proxies",
              {"name": name, "listen": listen, "upstream": upstream, "enabled": True})
        proxy = Proxy(self.api, name, listen, upstream)
        self.proxies[name] = proxy
        return proxy

    def reset(self) -> None:
        """Remove every toxic and re-enable every proxy."""
        _call("POST", f"{self.api}/reset")
        for proxy in self.proxies.values():
            proxy.toxics.clear()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def _call(method: str, url: str, body: dict | None = None) -> None:
    answer = requests.request(method, url, json=body, timeout=API_TIMEOUT, allow_redirects=False)
    if answer.status_code >= 300:
        raise ToxiproxyError(f"{method} {url}: {answer.status_code} {answer.text[:200]}")


def _poll(url: str, process: subprocess.Popen[bytes], deadline: float) -> None:
    end = threading.Event()
    timer = threading.Timer(deadline, end.set)
    timer.start()
    try:
        while not end.is_set():
            if process.poll() is not None:
                raise ToxiproxyError(f"exited with {process.returncode}")
            try:
                if requests.get(url, timeout=1).status_code == 200:
                    return
            except requests.RequestException:
                pass
            end.wait(0.05)  # a bounded poll interval, not a wait for the server
        raise ToxiproxyError(f"{url} did not answer within {deadline:.0f}s")
    finally:
        timer.cancel()


def _tail(log: Path, lines: int = 20) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


class BurstSchedule:
    """Which requests get a 503: a two-state (Gilbert) chain, seeded.

    In the "good" state a request passes and the chain turns bad with probability p; in the
    "bad" state the request gets a 503 and the chain recovers with probability 1/mean_burst.
    p is chosen so that the long-run share of 503s is `rate`: bursts, not scattered failures,
    which is what a server in maintenance or overloaded behind a load balancer looks like."""

    def __init__(self, *, rate: float, mean_burst: float, seed: int) -> None:
        if not 0.0 <= rate < 1.0 or mean_burst < 1.0:
            raise ValueError("rate must be in [0, 1) and mean_burst at least 1")
        self._recover = 1.0 / mean_burst
        self._fail = rate * self._recover / (1.0 - rate) if rate else 0.0
        self._random = random.Random(seed)
        self._bad = False
        self._lock = threading.Lock()

    def next(self) -> bool:
        """True when the next request gets a 503."""
        with self._lock:
            draw = self._random.random()
            self._bad = draw >= self._recover if self._bad else draw < self._fail
            return self._bad


class Http503Injector:
    """An HTTP proxy that answers 503 (with Retry-After) on the requests its schedule picks.

    `after_share` of the 503s are sent *after* the request reached the upstream and was done
    there (the answer is lost, the work is not), the case that tests exactly-once delivery;
    the rest never reach the upstream. Which ones, also by the seed."""

    def __init__(self, upstream: str, *, rate: float = 0.3, mean_burst: float = 4.0,
                 seed: int = 1, after_share: float = 0.0, retry_after: int = 1) -> None:
        self.schedule = BurstSchedule(rate=rate, mean_burst=mean_burst, seed=seed)
        self._after = random.Random(seed + 1)
        self.after_share = after_share
        self.counts = {"forwarded": 0, "refused": 0, "done_then_refused": 0}
        self.active = True  # False: every request is forwarded (and not counted)
        self._lock = threading.Lock()
        self.relay = Relay(upstream.rstrip("/"), self._decide, retry_after=retry_after)

    @property
    def url(self) -> str:
        return self.relay.url

    def start(self) -> Http503Injector:
        self.relay.start()
        return self

    def stop(self) -> None:
        self.relay.stop()

    def _decide(self, method: str, path: str) -> str:
        """'forward', 'refuse' (503, not forwarded) or 'after' (forwarded, then 503)."""
        with self._lock:
            if not self.active:
                return "forward"
            if not self.schedule.next():
                self.counts["forwarded"] += 1
                return "forward"
            if self.after_share and self._after.random() < self.after_share:
                self.counts["done_then_refused"] += 1
                return "after"
            self.counts["refused"] += 1
            return "refuse"
