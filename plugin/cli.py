"""The `alliance` command: serve the app, write a signing key, and the integrator's commands.

The demo with the development EHR is not one of them: it lives with the sandbox, in the
repository only (`python -m ehr_sandbox.demo`, which `make demo` runs)."""

from __future__ import annotations

import argparse
import errno
import logging
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from plugin.config import Settings


def _serve(args: argparse.Namespace) -> int:
    from plugin.errors import ConfigError, require_extra
    from plugin.launch.errors import StoreUnavailable
    from plugin.ops.json_logs import json_line, use_json_logs

    if args.log_format == "json":
        use_json_logs()

    def refuse(message: str) -> int:  # why serve stops, as a log line of the chosen format
        if args.log_format == "json":
            message = json_line(message, level=logging.ERROR, logger="plugin.cli")
        print(message, file=sys.stderr)
        return 2

    if args.workers > 1:
        try:
            require_extra("gunicorn", "gunicorn", "--workers above 1")
            from plugin.recording.catalogue import checked_settings

            _check_store(checked_settings()[0])  # fail here, once, rather than in every worker
        except (ConfigError, StoreUnavailable) as err:
            return refuse(err.message)
        from plugin.ops.metrics_folder import prepare_metrics_folder

        # Before anything imports prometheus_client, so the workers share one folder.
        metrics_folder = prepare_metrics_folder()
        from plugin.web import server

        server.serve_gunicorn(args.host, args.port, args.workers, args.threads,
                              args.log_format == "json", metrics_folder)
        return 0
    from plugin.web import create_app, server

    try:
        app = create_app(outbox_interval=1.0)  # queued saves are retried in the background
    except (ConfigError, StoreUnavailable) as err:  # a bad setting, or a store that is down
        return refuse(err.message)
    try:
        server.serve_waitress(app, args.host, args.port, args.threads, args.log_format == "json")
    except OSError as err:
        if err.errno not in (errno.EADDRINUSE, errno.EACCES, errno.EADDRNOTAVAIL):
            raise
        return refuse(port_problem(err, args.port, "--port"))
    return 0


def _check_store(settings: Settings) -> None:
    """Opens a shared session store once, as each worker will (a Redis that would lose queued
    saves is refused there: plugin/launch/redis_durability.py), and closes it before the fork.
    The default SQLite store is left to the workers: no connection is kept across a fork."""
    if not settings.session_store_url:
        return
    from plugin.launch.store_from_url import open_session_store

    store = open_session_store(settings.session_store_url, settings.secret_key,
                               settings.data_dir)
    close = getattr(store, "close", None)
    if callable(close):
        close()


def port_problem(err: OSError, port: int, option: str) -> str:
    """A failed bind in words: which port, and the option that picks another."""
    if err.errno == errno.EADDRINUSE:
        why = "is already in use by another program"
    elif err.errno == errno.EACCES:
        why = "needs privileges this user lacks"
    else:
        why = f"cannot be opened ({err.strerror or err})"
    return f"Port {port} {why}. Choose another with {option}, e.g. {option} {port + 10}."


def _keygen(args: argparse.Namespace) -> int:
    from smart_launch.keys import generate_private_key_pem

    path = Path(args.path)
    if path.exists():
        print(f"{path} exists; not overwritten.", file=sys.stderr)
        return 1
    path.write_bytes(generate_private_key_pem(args.alg))
    os.chmod(path, 0o600)
    print(
        f"Wrote a {args.alg} private key to {path}. Set ALLIANCE_PRIVATE_KEY_FILE={path} "
        f"and ALLIANCE_PRIVATE_KEY_ALG={args.alg}; the public key is served at "
        "/.well-known/jwks.json."
    )
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The `alliance` command line: every subcommand and its options."""
    parser = argparse.ArgumentParser(prog="alliance", description="Alliance Panel")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the app with a production WSGI server")
    serve.add_argument("--host", default="0.0.0.0")  # noqa: S104 - a server is meant to listen
    serve.add_argument("--port", type=int, default=8080,
                       help="0: any free port, printed once bound ('listening on ...')")
    serve.add_argument("--threads", type=int, default=8, help="threads per worker")
    serve.add_argument(
        "--workers", type=int, default=1,
        help="worker processes (gunicorn); 1 runs waitress in this process. Several "
        "instances or workers need a shared ALLIANCE_SESSION_STORE_URL to share launches "
        "across hosts (workers of one host may share the SQLite default)")
    serve.add_argument("--log-format", choices=["json", "text"], default="json",
                       help="json: one JSON object per line with the request id (default)")
    serve.set_defaults(run=_serve)
    keygen = commands.add_parser("keygen", help="write a private key for private_key_jwt")
    keygen.add_argument("path")
    keygen.add_argument("--alg", choices=["RS384", "ES384"], default="RS384")
    keygen.set_defaults(run=_keygen)
    from plugin.audit.command import register as register_audit
    from plugin.deploy.command import register as register_deploy
    from plugin.deploy.keys_command import register as register_keys
    from plugin.deploy.registration_command import register as register_registration

    register_audit(commands)
    register_deploy(commands)
    register_keys(commands)
    register_registration(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    args = build_parser().parse_args(argv)
    from plugin.errors import ConfigError

    try:
        return int(args.run(args))
    except ConfigError as err:  # a bad setting or a missing extra: said once, no traceback
        print(f"alliance {args.command}: {err.message}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
