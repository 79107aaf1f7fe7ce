"""Every FHIR interaction the app performs, declared once, for `alliance registration`.

Each entry is one request shape: its server, method, resource type, the search parameters (or a
conditional create's condition parameters), the Bundle it may travel in and when the app sends
it. tests/e2e/test_registration_traffic.py records what the app really sends during a launch,
panel views, a save, a correction and a record page, against the sandbox EHR and a companion
store, and holds this list equal to it both ways (`key_of` reads a recorded request).

Servers: EHR is the launching EHR's FHIR base; RECORDS is where the alliance records are kept
(the EHR, or the companion store when one is set); AUDIT is the companion store when
ALLIANCE_AUDIT_DESTINATION=record-store. Reads that travel in a batch are sent on their own,
side by side, where the server refuses batch (plugin/fhir/batch_reads.py); writes that travel in
a transaction are sent one by one, the conditional create as an If-None-Exist header, where the
store takes no transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qsl

EHR, RECORDS, AUDIT = "EHR", "record store", "audit store"
# Flows: what a user does that sends the request. RARE ones are not met on a plain run (long
# searches, a save whose outcome was not heard); the traffic test covers the others.
LAUNCH, PANEL, SAVE, CORRECT, RECORD, NAMES = ("launch", "panel", "save", "correction",
                                               "record page", "record form")
RECOVERY, PAGING, AUDITING = "after a lost answer", "long searches", "audit delivery"
RARE = frozenset({RECOVERY, PAGING, AUDITING})

Key = tuple[str, str, str, tuple[str, ...]]  # method, resource type, kind, parameters


@dataclass(frozen=True)
class Interaction:
    server: str
    method: str
    resource: str  # "" for the server's base
    kind: str  # FHIR's interaction: read, search-type, vread, history-instance, create, ...
    params: tuple[str, ...] = ()  # search parameters; for a conditional create, its condition's
    inside: str = ""  # "batch" | "transaction" when it travels in that Bundle
    flows: tuple[str, ...] = ()
    note: str = ""

    @property
    def key(self) -> Key:
        return self.method, self.resource, self.kind, tuple(sorted(self.params))

    @property
    def request(self) -> str:
        """As a reviewer reads it: ``GET [base]/Encounter?patient=..&_count=..``."""
        path = {"read": "/{id}", "vread": "/{id}/_history/{vid}",
                "history-instance": "/{id}/_history", "update": "/{id}"}.get(self.kind, "")
        target = f"[base]/{self.resource}{path}" if self.resource else "[base]"
        if self.kind == "next-page":
            return "GET the `next` link of a searchset above (same server)"
        if self.kind in ("capabilities", "smart-configuration"):
            target = "[base]/" + ("metadata" if self.kind == "capabilities"
                                  else ".well-known/smart-configuration")
        query = "&".join(f"{p}=.." for p in self.params)
        if self.kind == "search-type" and query:
            target += f"?{query}"
        return f"{self.method} {target}"

    @property
    def headers(self) -> str:
        if self.kind == "create" and self.params:
            return f"If-None-Exist: {'&'.join(f'{p}=..' for p in self.params)}"
        return "If-Match: W/\"{version}\"" if self.kind == "update" else ""


def _in_batch(server: str, resource: str, kind: str, params: tuple[str, ...],
              flows: tuple[str, ...], note: str = "") -> Interaction:
    return Interaction(server, "GET", resource, kind, params, "batch", flows, note)


def _write(method: str, resource: str, params: tuple[str, ...], flows: tuple[str, ...],
           note: str = "") -> Interaction:
    kind = "create" if method == "POST" else "update"
    return Interaction(RECORDS, method, resource, kind, params, "transaction", flows, note)


SEARCH = ("_count",)
INTERACTIONS: tuple[Interaction, ...] = (
    Interaction(EHR, "GET", "", "smart-configuration", (), "", (LAUNCH,),
                "SMART discovery, cached per server"),
    Interaction(EHR, "GET", "", "capabilities", (), "", (LAUNCH,),
                "once per server an hour: where records go, transaction and batch support"),
    Interaction(EHR, "POST", "", "batch", (), "", (PANEL, NAMES),
                "the panel's reads in one round trip; refused batch: the entries on their own"),
    _in_batch(EHR, "Patient", "read", (), (PANEL, NAMES), "the launch's patient"),
    _in_batch(EHR, "Encounter", "search-type", ("patient", *SEARCH), (PANEL,),
              "the patient's sessions"),
    _in_batch(EHR, "Appointment", "search-type", ("patient", *SEARCH), (PANEL,),
              "missed sessions, when the Appointment scope is granted"),
    _in_batch(EHR, "Encounter", "read", (), (NAMES,), "the launch's session, on the form"),
    _in_batch(EHR, "Practitioner", "read", (), (RECORD,), "who recorded or corrected, by name"),
    Interaction(EHR, "GET", "", "next-page", (), "", (PAGING,),
                "a search longer than one page (the app asks for 500 a page)"),
    Interaction(RECORDS, "GET", "", "smart-configuration", (), "", (SAVE,),
                "a companion store's SMART discovery: its token endpoint"),
    Interaction(RECORDS, "GET", "", "capabilities", (), "", (LAUNCH,),
                "a companion store's: whether it takes transactions"),
    Interaction(RECORDS, "POST", "", "batch", (), "", (PANEL, RECORD),
                "a stored record's page: the response, its scores, versions and Provenance"),
    _in_batch(RECORDS, "QuestionnaireResponse", "search-type", ("subject", *SEARCH),
              (PANEL, SAVE), "the patient's ratings (on its own in a companion store, and "
              "before a save: one rating per session)"),
    _in_batch(RECORDS, "QuestionnaireResponse", "read", (), (RECORD, CORRECT)),
    _in_batch(RECORDS, "QuestionnaireResponse", "history-instance", (), (RECORD, CORRECT)),
    _in_batch(RECORDS, "Observation", "search-type", ("derived-from", *SEARCH),
              (RECORD, CORRECT), "the scores of one response"),
    _in_batch(RECORDS, "Provenance", "search-type", ("target", *SEARCH), (RECORD, CORRECT)),
    Interaction(RECORDS, "POST", "", "transaction", (), "", (SAVE, CORRECT),
                "one save or correction in one round trip"),
    _write("POST", "QuestionnaireResponse", ("identifier",), (SAVE,),
           "conditional on the submission's identifier: sent twice, stored once"),
    _write("POST", "Observation", ("identifier",), (SAVE, CORRECT), "one score per scale"),
    _write("POST", "Provenance", ("_tag",), (SAVE, CORRECT)),
    _write("PUT", "QuestionnaireResponse", (), (CORRECT,), "a correction is a new version"),
    _write("PUT", "Observation", (), (CORRECT,), "amended or entered-in-error scores"),
    Interaction(RECORDS, "GET", "QuestionnaireResponse", "search-type", ("identifier",), "",
                (RECOVERY,), "was a save stored whose answer was lost?"),
    Interaction(RECORDS, "GET", "Observation", "search-type", ("identifier",), "",
                (RECOVERY,)),
    Interaction(RECORDS, "GET", "Provenance", "search-type", ("_tag",), "", (RECOVERY,)),
    Interaction(RECORDS, "GET", "QuestionnaireResponse", "vread", (), "", (RECOVERY,)),
    Interaction(RECORDS, "GET", "Observation", "vread", (), "", (RECOVERY,)),
    Interaction(AUDIT, "POST", "", "batch", (), "", (AUDITING,),
                "the app's AuditEvents, delivered in batches"),
    Interaction(AUDIT, "POST", "AuditEvent", "create", ("_tag",), "batch", (AUDITING,),
                "conditional on the event's tag: delivered twice, stored once"),
)


def _params(query: str) -> tuple[str, ...]:
    return tuple(sorted({name for name, _ in parse_qsl(query, keep_blank_values=True)}))


def key_of(method: str, relative: str, condition: str = "", bundle_type: str = "") -> Key:
    """The key of one request as sent: ``relative`` is its URL after the base (a Bundle
    entry's url), ``condition`` its If-None-Exist, ``bundle_type`` a POST to the base's type."""
    path, _, query = relative.partition("?")
    parts = [p for p in path.split("/") if p]
    if not parts:
        return method, "", bundle_type or "next-page", ()
    if parts == ["metadata"]:
        return method, "", "capabilities", ()
    if parts == [".well-known", "smart-configuration"]:
        return method, "", "smart-configuration", ()
    if method == "POST":
        return method, parts[0], "create", _params(condition)
    if method == "PUT":
        return method, parts[0], "update", ()
    if len(parts) == 1:
        return method, parts[0], "search-type", _params(query)
    if len(parts) == 3 and parts[2] == "_history":
        return method, parts[0], "history-instance", ()
    return method, parts[0], "vread" if len(parts) == 4 else "read", ()


def declared_keys(server: str) -> set[Key]:
    return {i.key for i in INTERACTIONS if i.server == server}
