"""The auth server's Directory, answered from the FHIR store: who can be chosen at launch."""

from __future__ import annotations

from ehr_sandbox.fhir.resource import Resource
from ehr_sandbox.fhir.store import Store


def display_name(resource: Resource) -> str:
    """'Given Family' from the official (else first) HumanName; the id when there is none."""
    names = [n for n in resource.get("name") or [] if isinstance(n, dict)]
    chosen = next((n for n in names if n.get("use") == "official"), names[0] if names else None)
    if chosen is None:
        return str(resource.get("id", ""))
    if chosen.get("text"):
        return str(chosen["text"])
    parts = [*chosen.get("prefix", []), *chosen.get("given", []), chosen.get("family", "")]
    return " ".join(p for p in parts if p) or resource.get("id", "")


def encounter_label(encounter: Resource) -> str:
    start = (encounter.get("period") or {}).get("start", "")
    kinds = [t.get("text") or (t.get("coding") or [{}])[0].get("display", "")
             for t in encounter.get("type") or []]
    return " · ".join(p for p in (start[:10], kinds[0] if kinds else "", encounter.get("status"))
                      if p)


class StoreDirectory:
    """Implements ehr_sandbox.auth.Directory over the FHIR store."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def patients(self) -> list[tuple[str, str]]:
        return self._named("Patient")

    def practitioners(self) -> list[tuple[str, str]]:
        return self._named("Practitioner")

    def encounters(self, patient_id: str) -> list[tuple[str, str]]:
        """The patient's encounters, newest first."""
        found = self._store.scan("Encounter", patient_id)
        found.sort(key=lambda e: (e.get("period") or {}).get("start", ""), reverse=True)
        return [(e["id"], encounter_label(e)) for e in found]

    def _named(self, rtype: str) -> list[tuple[str, str]]:
        pairs = [(r["id"], display_name(r)) for r in self._store.scan(rtype)]
        return sorted(pairs, key=lambda p: (p[1].casefold(), p[0]))
