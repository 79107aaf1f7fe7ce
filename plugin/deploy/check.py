"""`alliance check --iss URL`: can the app launch from this EHR, and where will records go?

Reads what the app itself would read: SMART discovery (through smart_launch), the SMART
capabilities and scope syntax, and the CapabilityStatement's interactions for the records the app
writes (QuestionnaireResponse, Observation, Provenance) and its audit trail (AuditEvent). The
verdict uses the app's own rule (plugin.fhir.stores.accepted_record_types): records go to the
EHR when it accepts creates of all three record types, else a companion store is needed.

It also sends a harmless batch (a Patient search for one result) and says whether the EHR takes
batch: where it does not, the panel reads with the same searches side by side.

Exit codes: 0 records in the EHR, 1 a companion store is needed, 2 the EHR cannot be used (no
discovery, no EHR launch, no PKCE S256, or no CapabilityStatement).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from plugin.config import CA_BUNDLE_HINT
from plugin.fhir.batch_reads import batch_refused, declares_batch
from plugin.fhir.errors import FhirAuthError, FhirError
from plugin.fhir.stores import RECORD_TYPES, accepted_record_types, supports_transaction
from smart_launch import SmartConfiguration, SmartLaunchError

AUDIT_TYPE = "AuditEvent"
IN_EHR = "records in the EHR"
COMPANION = "a companion store is needed"
UNUSABLE = "this EHR cannot be used"
EXIT_CODES = {IN_EHR: 0, COMPANION: 1, UNUSABLE: 2}
V2_SCOPE = ("rs", "cruds", "cud", "c", "r", "s", "u", "d")


@dataclass(frozen=True)
class CheckRow:
    area: str
    item: str
    result: str  # "ok", "missing", "warning", "info"
    detail: str


@dataclass
class Readiness:
    iss: str
    rows: list[CheckRow] = field(default_factory=list)
    verdict: str = UNUSABLE

    @property
    def exit_code(self) -> int:
        return EXIT_CODES[self.verdict]

    def as_json(self) -> dict[str, Any]:
        return {"iss": self.iss, "verdict": self.verdict, "exit_code": self.exit_code,
                "checks": [asdict(r) for r in self.rows]}

    def add(self, area: str, item: str, result: str, detail: str) -> None:
        self.rows.append(CheckRow(area, item, result, detail))


def scope_syntax(config: SmartConfiguration) -> tuple[str, str | None]:
    """("v2" | "v1", a warning when the server's scopes_supported contradict its claim)."""
    claimed = "v2" if config.supports_v2 else "v1"
    resource_scopes = [s for s in config.scopes_supported if "/" in s and "." in s]
    v2_like = [s for s in resource_scopes if s.rsplit(".", 1)[1].split("?")[0] in V2_SCOPE]
    if claimed == "v2" and resource_scopes and not v2_like:
        return "v1", ("claims permission-v2 but lists only v1 scopes; set the issuer's "
                      "scope_syntax = \"v1\"")
    return claimed, None


def _check_smart(report: Readiness, config: SmartConfiguration) -> bool:
    report.add("discovery", config.source, "ok", f"token endpoint {config.token_endpoint}")
    usable = True
    needed = {"launch-ehr": "EHR launch", "context-ehr-patient": "patient context"}
    for capability, what in needed.items():
        present = capability in config.capabilities
        usable &= present or config.source == "capability-statement"
        report.add("smart", capability, "ok" if present else "missing", what)
    for capability in ("context-ehr-encounter", "client-confidential-asymmetric",
                       "sso-openid-connect", "permission-offline", "permission-online"):
        report.add("smart", capability, "ok" if capability in config.capabilities else "info",
                   "offered" if capability in config.capabilities else "not offered")
    methods = config.code_challenge_methods_supported
    pkce = "S256" in methods
    report.add("smart", "PKCE S256", "ok" if pkce else "missing",
               ", ".join(methods) or "no code_challenge_methods_supported")
    syntax, warning = scope_syntax(config)
    report.add("smart", "scope syntax", "warning" if warning else "ok",
               warning or f"SMART {syntax} scopes")
    return usable and pkce


def _resource_interactions(capability: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for rest in capability.get("rest") or []:
        if isinstance(rest, dict) and rest.get("mode", "server") == "server":
            for resource in rest.get("resource") or []:
                if isinstance(resource, dict) and resource.get("type"):
                    found[str(resource["type"])] = resource
    return found


def _check_capabilities(report: Readiness, capability: Mapping[str, Any]) -> None:
    resources = _resource_interactions(capability)
    for resource_type in (*RECORD_TYPES, AUDIT_TYPE):
        declared = resources.get(resource_type, {})
        codes = {i.get("code") for i in declared.get("interaction") or [] if isinstance(i, dict)}
        create = "create" in codes
        report.add("records", f"{resource_type} create", "ok" if create else "missing",
                   "accepted" if create else "not accepted")
        if resource_type != AUDIT_TYPE:
            conditional = bool(declared.get("conditionalCreate"))
            report.add("records", f"{resource_type} conditional create",
                       "ok" if conditional else "warning",
                       "accepted" if conditional else "not declared: a resubmission could "
                       "store twice")
    transaction = supports_transaction(capability)
    report.add("records", "transaction", "ok" if transaction else "warning",
               "one round trip per save" if transaction else "one request per resource")
    audit = "create" in {i.get("code") for i in resources.get(AUDIT_TYPE, {}).get(
        "interaction") or [] if isinstance(i, dict)}
    report.add("audit", "AuditEvent destination", "info",
               "the EHR can take the app's AuditEvents" if audit
               else "the EHR takes no AuditEvents: use the JSON-lines audit log")


BATCH_PROBE = {"resourceType": "Bundle", "type": "batch",
               "entry": [{"request": {"method": "GET", "url": "Patient?_count=1"}}]}


def _check_batch(report: Readiness, capability: Mapping[str, Any],
                 post: Callable[[Mapping[str, Any]], dict[str, Any]]) -> None:
    """Send a read-only batch (one Patient search, one result) and say how the EHR took it.
    The panel reads with one batch; where it is refused, with the same searches side by side."""
    declared = "declared" if declares_batch(capability) else "not declared"
    try:
        answer = post(BATCH_PROBE)
    except FhirAuthError as err:
        report.add("reads", "batch", "warning", f"not tested: the EHR wants a token for it "
                   f"({err.message}); give --client-id and --key-file or --token-env. "
                   f"The CapabilityStatement: batch {declared}")
        return
    except FhirError as err:
        refused = batch_refused(err) or not declares_batch(capability)
        report.add("reads", "batch", "warning" if refused else "missing",
                   ("REFUSED: the panel will send its searches side by side (several round "
                    "trips per view) instead of one batch; " if refused else
                    "the batch failed: ") + err.message)
        return
    if answer.get("type") != "batch-response":
        report.add("reads", "batch", "warning",
                   f"answered with a {answer.get('type') or 'non-Bundle'} instead of a "
                   "batch-response; the panel reads side by side if it fails")
        return
    report.add("reads", "batch", "ok", "accepted: the panel reads in one round trip")


def check_ehr(iss: str, *, discover: Callable[[str], SmartConfiguration],
              capabilities: Callable[[], dict[str, Any]],
              batch: Callable[[Mapping[str, Any]], dict[str, Any]] | None = None) -> Readiness:
    """The readiness report for ``iss``: rows and verdict. Never raises for a bad EHR.
    ``batch`` posts a Bundle to the FHIR base (a batch is then tried)."""
    report = Readiness(iss.rstrip("/"))
    try:
        config = discover(report.iss)
    except SmartLaunchError as err:
        hint = f". {CA_BUNDLE_HINT}" if err.code == "tls_untrusted" else ""
        report.add("discovery", "SMART configuration", "missing", err.message + hint)
        return report
    usable = _check_smart(report, config)
    try:
        capability = capabilities()
    except FhirError as err:
        hint = f" {CA_BUNDLE_HINT}." if err.code == "fhir.tls_untrusted" else ""
        report.add("records", "CapabilityStatement", "missing", err.message + hint)
        return report
    _check_capabilities(report, capability)
    if batch is not None:
        _check_batch(report, capability, batch)
    if not usable:
        return report
    accepted = accepted_record_types(capability)
    report.verdict = IN_EHR if accepted == set(RECORD_TYPES) else COMPANION
    return report


def format_readiness(report: Readiness) -> str:
    rows = [("area", "check", "result", "detail"),
            *((r.area, r.item, r.result, r.detail) for r in report.rows)]
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    lines = ["  ".join([*(c.ljust(widths[i]) for i, c in enumerate(r[:3])), r[3]]).rstrip()
             for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    lines.append(f"verdict for {report.iss}: {report.verdict} (exit {report.exit_code})")
    return "\n".join(lines)
