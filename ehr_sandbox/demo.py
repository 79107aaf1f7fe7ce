"""Run the sandbox EHR and Alliance Panel side by side, on two origins, for a first look.

    python -m ehr_sandbox.demo [--ehr-port 8081] [--app-port 8080] [--data-dir var/demo]
"""

from __future__ import annotations

import argparse
import logging
import secrets
import socket
import threading
from pathlib import Path
from typing import Any

import waitress

from ehr_sandbox import create_sandbox
from ehr_sandbox.settings import ClientRegistration, SandboxSettings
from plugin.cli import port_problem
from plugin.errors import ConfigError
from plugin.web import create_app

DEMO_CLIENT = "alliance-panel-demo"


def build(ehr_port: int, app_port: int, data_dir: Path) -> tuple[object, object, str]:
    """The two WSGI apps and the chart's address."""
    ehr = f"http://localhost:{ehr_port}"
    app_url = f"http://127.0.0.1:{app_port}"
    data_dir.mkdir(parents=True, exist_ok=True)
    sandbox = create_sandbox(
        SandboxSettings(
            base_url=ehr,
            app_launch_url=f"{app_url}/launch",
            clients=(
                ClientRegistration(
                    client_id=DEMO_CLIENT, kind="public", redirect_uris=(f"{app_url}/callback",)
                ),
            ),
            db_path=data_dir / "sandbox.sqlite3",
        )
    )
    app = create_app(
        {
            "public_url": app_url,
            "client_id": DEMO_CLIENT,
            "allowed_iss": f"{ehr}/fhir",
            "secret_key": secrets.token_urlsafe(32),
            "development": True,  # the demo runs on plain http on this machine
            "data_dir": str(data_dir / "app"),
            "frame_ancestors": f"'self' {ehr}",
        },
        outbox_interval=1.0,  # queued saves are retried in the background
    )
    return sandbox, app, ehr


def _check_free(host: str, port: int, option: str) -> None:
    """Fail in a second, before the cohort is built, when a port is taken."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as err:
            raise SystemExit(port_problem(err, port, option)) from None


def _bind(app: Any, host: str, port: int, option: str) -> Any:
    try:
        return waitress.create_server(app, host=host, port=port)
    except OSError as err:
        raise SystemExit(port_problem(err, port, option)) from None


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m ehr_sandbox.demo")
    parser.add_argument("--ehr-port", type=int, default=8081)
    parser.add_argument("--app-port", type=int, default=8080)
    parser.add_argument("--data-dir", type=Path, default=Path("var/demo"))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    _check_free("localhost", args.ehr_port, "--ehr-port")
    _check_free("127.0.0.1", args.app_port, "--app-port")
    try:
        sandbox, app, ehr = build(args.ehr_port, args.app_port, args.data_dir)
    except ConfigError as err:
        raise SystemExit(err.message) from None
    except OSError as err:
        raise SystemExit(
            f"Cannot use {args.data_dir} for the demo's files: {err.strerror or err}. "
            "Choose a writable folder with --data-dir."
        ) from None
    ehr_server = _bind(sandbox, "localhost", args.ehr_port, "--ehr-port")
    app_server = _bind(app, "127.0.0.1", args.app_port, "--app-port")
    threading.Thread(target=ehr_server.run, daemon=True).start()
    print(f"\n  Sandbox EHR:   {ehr}/   <- open this, pick a patient, the app opens in the chart")
    print(f"  Patient portal: {ehr}/portal   <- a client signs in and answers (a phone-sized "
          "window)")
    print(f"  Alliance Panel: http://127.0.0.1:{args.app_port}/\n  Ctrl-C stops both.\n",
          flush=True)
    try:
        app_server.run()
    except KeyboardInterrupt:
        pass
    finally:
        app_server.close()
        ehr_server.close()


if __name__ == "__main__":
    main()
