"""The `alliance check` and `alliance install` subcommands: argument parsing and printing only."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping
from typing import Any

from plugin.config import load_outbound, plain_http_problem
from plugin.deploy.check import check_ehr, format_readiness
from plugin.deploy.errors import DeployError
from plugin.deploy.install import install_package, package_resources
from plugin.fhir.cli_access import add_access_arguments, fhir_client_from_arguments
from plugin.fhir.client import FhirClient
from plugin.fhir.errors import FhirAuthError, FhirError
from plugin.fhir.sessions import outbound_session
from smart_launch import ClientConfig, SmartClient

CONFORMANCE_SCOPES = ("system/CodeSystem.cruds", "system/ValueSet.cruds",
                      "system/StructureDefinition.cruds", "system/Questionnaire.cruds",
                      "system/CapabilityStatement.cruds")

PROBE_SCOPES = ("system/Patient.rs",)


def register(commands: Any) -> None:
    """Add `check` and `install` to the `alliance` parser's subparsers."""
    check = commands.add_parser("check", help="check whether an EHR can launch the app and "
                                "where records will go")
    check.add_argument("--iss", required=True, metavar="URL", help="the EHR's FHIR base URL")
    check.add_argument("--json", action="store_true", help="print JSON instead of a table")
    add_access_arguments(check)
    check.set_defaults(run=run_check)
    install = commands.add_parser("install", help="load the fhir_profiles package into a "
                                  "FHIR server (idempotent)")
    install.add_argument("--fhir", required=True, metavar="URL", help="the FHIR base URL")
    install.add_argument("--balp-standins", action="store_true",
                         help="also load the minimal BALP profiles (when the server lacks "
                         "the ihe.iti.balp package)")
    add_access_arguments(install)
    install.set_defaults(run=run_install)


def run_check(args: argparse.Namespace) -> int:
    outbound = load_outbound()  # ALLIANCE_CA_BUNDLE and ALLIANCE_DEVELOPMENT, as serve reads them
    refused = plain_http_problem([args.iss]) if not outbound.development else None
    if refused:
        print(f"alliance check: --iss {refused}.", file=sys.stderr)
        return 2
    http = outbound_session(outbound.ca_bundle, follow_redirects=False)
    smart = SmartClient(ClientConfig(client_id="alliance-check",
                                     redirect_uri="https://localhost/unused",
                                     allow_http=outbound.development), http=http)
    fhir = FhirClient(args.iss, http=http, retries=0)
    try:  # a token, when given, lets the batch probe read
        reader = fhir_client_from_arguments(args.iss, args, PROBE_SCOPES)
    except (DeployError, FhirError) as err:
        print(f"alliance check: {err.message}", file=sys.stderr)
        return 2

    def post_batch(bundle: Mapping[str, Any]) -> dict[str, Any]:
        return reader.transaction(bundle, idempotent=True)

    report = check_ehr(args.iss, discover=smart.discover, capabilities=fhir.capabilities,
                       batch=post_batch)
    print(json.dumps(report.as_json(), indent=2) if args.json else format_readiness(report))
    return report.exit_code


def run_install(args: argparse.Namespace) -> int:
    try:
        fhir = fhir_client_from_arguments(args.fhir, args, CONFORMANCE_SCOPES)
        done = install_package(fhir, package_resources(args.balp_standins))
    except FhirAuthError as err:
        print(f"alliance install: {err.message} The server needs a token: give --client-id and "
              "--key-file (SMART backend services) or --token-env.", file=sys.stderr)
        return 2
    except (DeployError, FhirError) as err:
        print(f"alliance install: {err.message}", file=sys.stderr)
        return 2
    for item in done:
        print(f"{item.action:9}  {item.reference}  {item.canonical}")
    counts = {a: sum(1 for d in done if d.action == a) for a in ("created", "updated",
                                                                 "unchanged")}
    print(", ".join(f"{n} {a}" for a, n in counts.items()))
    return 0
