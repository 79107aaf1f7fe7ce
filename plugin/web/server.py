"""The production servers behind `alliance serve`.

- One process (`--workers 1`, the default): waitress with `--threads` threads; runs anywhere.
- Several processes (`--workers N`, Unix): gunicorn, N pre-forked workers of `--threads`
  threads each (gthread). Each worker builds its own app after the fork, so no connection is
  shared between processes; Prometheus metrics are summed across workers through
  PROMETHEUS_MULTIPROC_DIR (a fresh folder per start unless set, owned by the master and kept
  across reloads and worker restarts), and a dead worker's samples are marked dead. Behind a
  balancer, run one such instance per host with a shared session store
  (ALLIANCE_SESSION_STORE_URL).

Behind proxies (ALLIANCE_TRUSTED_PROXIES > 0) both hand the X-Forwarded-* headers to the app,
where ProxyFix believes only the last N hops: gunicorn passes them on as they came, and
waitress, which by default deletes them before the app sees them (its
``clear_untrusted_proxy_headers``), is told to keep them (``waitress_options``). Otherwise every
clinician would share the balancer's address, and the per-address bound on launches would lock
out a whole clinic.

Both print one line, `Alliance Panel listening on http://HOST:PORT (...)`, once the port is
bound and with the port actually bound: `--port 0` lets the system pick a free one (no other
program can take it between choosing and binding), and a supervisor or test reads it there.
"""

from __future__ import annotations

import gc
from typing import Any

from flask import Flask

from plugin.ops.json_logs import gunicorn_log_config, json_line
from plugin.ops.metrics_folder import MetricsFolder

GRACEFUL_TIMEOUT = 20  # seconds a stopping worker gets to finish its requests
WORKER_TIMEOUT = 60  # a worker silent this long is restarted (a FHIR call times out at 15 s)
# Idle keep-alive connections stay open longer than a balancer keeps its own (nginx: 60 s), so
# the balancer never sends a request on a connection the worker is closing (a reset, which
# nginx counts as a failed upstream). gunicorn's default is 2 s.
KEEPALIVE = 75


def settle_heap() -> None:
    """Leaves what start-up built (modules, the FHIR models, templates: about 80,000 objects)
    out of the garbage collector's full passes, which otherwise walk all of it every few panel
    views (tens of ms each: the slowest views, benchmarks/panel_app_time.py). Those objects live
    as long as the process anyway; gc.freeze() is the standard library's way to say so."""
    gc.collect()
    gc.freeze()


def announce(address: tuple[Any, ...], workers: int, threads: int, json_logs: bool) -> None:
    """The line that says where this instance listens: the bound address, not the asked one
    (a JSON object's message under --log-format json)."""
    host, port = str(address[0]), int(address[1])
    host = f"[{host}]" if ":" in host else host
    line = f"Alliance Panel listening on http://{host}:{port} ({workers} worker(s) x " \
        f"{threads} threads)"
    print(json_line(line, logger=__name__) if json_logs else line, flush=True)


def waitress_options(trusted_proxies: int) -> dict[str, Any]:
    """waitress settings for ALLIANCE_TRUSTED_PROXIES: with trusted hops, X-Forwarded-* reach
    the app's ProxyFix (the one place that reads them, under either server); without, waitress
    deletes them, and no ProxyFix is installed to read them anyway."""
    return {"clear_untrusted_proxy_headers": False} if trusted_proxies > 0 else {}


def serve_waitress(app: Flask, host: str, port: int, threads: int, json_logs: bool) -> None:
    import waitress

    from plugin.web.services import EXTENSION

    settle_heap()
    options = waitress_options(app.extensions[EXTENSION].settings.trusted_proxies)
    server = waitress.create_server(app, host=host, port=port, threads=threads, ident=None,
                                    **options)
    announce(server.socket.getsockname(), 1, threads, json_logs)
    server.run()


def serve_gunicorn(host: str, port: int, workers: int, threads: int, json_logs: bool,
                   metrics_folder: MetricsFolder) -> None:
    """Runs until stopped (SIGTERM: graceful). Settings were checked, and the metrics folder
    prepared (plugin.ops.metrics_folder), by the caller before prometheus_client was imported."""
    from gunicorn.app.base import BaseApplication

    def when_ready(server: Any) -> None:  # the master has bound its port; workers start next
        for listener in server.LISTENERS:
            announce(listener.sock.getsockname(), workers, threads, json_logs)

    def child_exit(_server: Any, worker: Any) -> None:
        try:
            from prometheus_client import multiprocess
        except ImportError:  # no `metrics` extra: no samples to mark
            return
        multiprocess.mark_process_dead(worker.pid)  # type: ignore[no-untyped-call]

    def post_fork(_server: Any, _worker: Any) -> None:
        if json_logs:
            from plugin.ops.json_logs import use_json_logs

            use_json_logs()

    class Instance(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            for name, value in {
                "bind": f"{host}:{port}", "workers": workers, "threads": threads,
                "worker_class": "gthread", "graceful_timeout": GRACEFUL_TIMEOUT,
                "timeout": WORKER_TIMEOUT, "keepalive": KEEPALIVE, "accesslog": None,
                "child_exit": child_exit, "when_ready": when_ready,
                "post_fork": post_fork, "proc_name": "alliance-panel",
            }.items():
                self.cfg.set(name, value)
            if json_logs:  # gunicorn's own lines as JSON too
                self.cfg.set("logconfig_dict", gunicorn_log_config())
            if "control_socket_disable" in self.cfg.settings:  # gunicorn 25.1 and later
                # No gunicornc control socket: its default path ($HOME/.gunicorn/gunicorn.ctl)
                # is one per user, so instances on one host would replace (and, stopping,
                # delete) each other's, and nothing here uses it.
                self.cfg.set("control_socket_disable", True)

        def load(self) -> Flask:
            from plugin.web import create_app

            app = create_app(outbox_interval=1.0)  # each worker retries queued saves
            settle_heap()
            return app

    try:
        Instance().run()
    finally:  # a worker's exit unwinds through here too: only the master removes the folder
        metrics_folder.release()
