"""FHIR access for the command-line tools (`alliance audit`, `alliance install`): a FhirClient
with no token, a bearer token from an environment variable, or a token from SMART backend
services (client_credentials with private_key_jwt through smart_launch). The token itself is
never printed or logged."""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence
from pathlib import Path

import requests

from plugin.config import load_outbound
from plugin.fhir.client import FhirClient
from plugin.fhir.errors import FhirError
from plugin.fhir.sessions import outbound_session
from smart_launch import ClientConfig, SmartClient, SmartLaunchError


class AccessError(FhirError):
    """The command line asks for access that cannot be had (a missing variable, an unreadable
    key, no backend token): a FhirError, so the commands report it like any other."""

    code = "access"


def add_access_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--token-env", metavar="NAME",
                        help="environment variable holding a bearer token for the FHIR server")
    parser.add_argument("--client-id", help="client id for SMART backend services")
    parser.add_argument("--key-file", type=Path,
                        help="PEM private key for SMART backend services (private_key_jwt)")
    parser.add_argument("--key-alg", choices=["RS384", "ES384"], default="RS384")


def _no_redirects() -> requests.Session:
    """A session for a command: the CA bundle of ALLIANCE_CA_BUNDLE (checked as `serve` checks
    it), no redirects. Raises plugin.errors.ConfigError for a bad bundle."""
    return outbound_session(load_outbound().ca_bundle, follow_redirects=False)


def fhir_client_from_arguments(base: str, args: argparse.Namespace,
                               scopes: Sequence[str]) -> FhirClient:
    """The FhirClient the arguments ask for; raises AccessError naming what is wrong."""
    http = _no_redirects()
    if args.token_env:
        bearer = os.environ.get(args.token_env)
        if not bearer:
            raise AccessError(f"--token-env {args.token_env}: that variable is not set")
        return FhirClient(base, token=lambda: bearer, http=http)
    if args.client_id or args.key_file:
        if not (args.client_id and args.key_file):
            raise AccessError("SMART backend services need both --client-id and --key-file")
        try:
            pem = args.key_file.read_bytes()
            smart = SmartClient(ClientConfig(client_id=args.client_id,
                                             redirect_uri="https://localhost/unused",
                                             private_key_pem=pem,
                                             private_key_alg=args.key_alg), http=http)
        except OSError as err:
            raise AccessError(f"--key-file {args.key_file}: {err.strerror}") from err
        except SmartLaunchError as err:
            raise AccessError(f"--key-file {args.key_file}: {err.message}") from err

        def token() -> str:
            try:
                return smart.backend_token(base, scopes).access_token
            except SmartLaunchError as err:
                raise AccessError(f"no backend token from {base}'s authorization server: "
                                  f"{err.message}") from err

        return FhirClient(base, token=token, http=http)
    return FhirClient(base, http=http)
