"""Which versions of a response its Provenance account for (plugin/audit/verify.py's
``provenance`` check): each version once, none that never was, no change recorded twice.

The app names the version each Provenance accounts for (``QuestionnaireResponse/id/_history/n``:
written so entry by entry and in corrections, asked for in a first save's transaction with FHIR's
resolve-as-version-specific). A server may store references without their version (HAPI does by
default); then the count of Provenance stands in for the versions it cannot match.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from plugin.fhir.record_resources import SUBMISSION_SYSTEM

Resource = dict[str, Any]


def named_version(provenance: Mapping[str, Any], ref: str) -> int | None:
    """The version of the response a Provenance names (``.../_history/n``), None when its
    target names the response without a version."""
    for target in provenance.get("target") or []:
        value = str(target.get("reference", ""))
        base, _, version = value.partition("/_history/")
        if (base == ref or base.endswith(f"/{ref}")) and version.isdigit():
            return int(version)
    return None


def provenance_problems(provenances: list[Resource], ref: str, needed: int) -> list[str]:
    """What is wrong with a response's Provenance: each version 1..needed accounted for once.
    Where the server keeps versioned references the versions are matched exactly (a change
    recorded twice, or a version that never was, is named); a Provenance naming no version
    counts for one version whose Provenance is missing. Two Provenance the app tagged as the
    record of the same change are one change recorded twice, whatever the server keeps."""
    problems: list[str] = []
    by_version: dict[int, list[str]] = {}
    unversioned = 0
    for provenance in provenances:
        version = named_version(provenance, ref)
        if version is None:
            unversioned += 1
        else:
            by_version.setdefault(version, []).append(f"Provenance/{provenance.get('id')}")
    for version, names in sorted(by_version.items()):
        if not 1 <= version <= needed:
            problems.append(f"{', '.join(names)} names version {version}, which the response "
                            f"(at version {needed}) never had")
        elif len(names) > 1:
            problems.append(f"version {version} is accounted for twice: {', '.join(names)}")
    tags: dict[str, list[str]] = {}
    for provenance in provenances:
        for tag in (provenance.get("meta") or {}).get("tag") or []:
            if tag.get("system") == SUBMISSION_SYSTEM and tag.get("code"):
                tags.setdefault(str(tag["code"]), []).append(f"Provenance/{provenance.get('id')}")
    problems += [f"one change recorded twice: {', '.join(names)}"
                 for names in tags.values() if len(names) > 1]
    missing = [n for n in range(1, needed + 1) if n not in by_version]
    if len(missing) > unversioned:
        problems.append(f"{len(provenances)} Provenance for {needed} version(s): a change is "
                        "not accounted for")
    return problems
