"""SMART scopes: building the requested scope string (v1 or v2 syntax) from what the app
needs, and parsing the granted scope string into GrantedScopes.

Needs are stated as ``{resource type: interaction letters}`` using SMART v2 letters
c(reate) r(ead) u(pdate) d(elete) s(earch), e.g. ``{"Encounter": "rs"}``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from .errors import ConfigurationError, InsufficientScope

__all__ = [
    "GrantedScopes",
    "ResourceScope",
    "build_scope_list",
    "parse_resource_scope",
    "resource_scopes",
]

INTERACTIONS = "cruds"
_V1_PERMISSIONS = {"read": frozenset("rs"), "write": frozenset("cud"), "*": frozenset(INTERACTIONS)}
_SCOPE_RE = re.compile(
    r"^(?P<context>patient|user|system)/(?P<resource>\*|[A-Z][A-Za-z]*)"
    r"\.(?P<permission>read|write|\*|[cruds]+)(?:\?(?P<query>.*))?$"
)
_RESOURCE_RE = re.compile(r"^(\*|[A-Z][A-Za-z]*)$")
EHR_LAUNCH_SCOPES = ("launch",)
STANDALONE_LAUNCH_SCOPES = ("launch/patient", "launch/encounter")


def _check_needs(needs: Mapping[str, str]) -> None:
    for resource, letters in needs.items():
        if not _RESOURCE_RE.match(resource):
            raise ConfigurationError(f"not a FHIR resource type: {resource!r}",
                                     code="invalid_needs")
        if not letters or any(letter not in INTERACTIONS for letter in letters):
            raise ConfigurationError(
                f"interactions for {resource} must be letters of 'cruds'", code="invalid_needs"
            )


def resource_scopes(
    needs: Mapping[str, str], *, v2: bool, context: str = "patient"
) -> list[str]:
    """One scope per resource: ``patient/Encounter.rs`` (v2) or ``patient/Encounter.read`` (v1).

    v1 has only read (r, s), write (c, u, d) and ``*``: needing both kinds gives ``*``.
    """
    _check_needs(needs)
    scopes: list[str] = []
    for resource, letters in needs.items():
        wanted = set(letters)
        if v2:
            letters_v2 = "".join(c for c in INTERACTIONS if c in wanted)
            scopes.append(f"{context}/{resource}.{letters_v2}")
            continue
        reads, writes = bool(wanted & set("rs")), bool(wanted & set("cud"))
        permission = "*" if reads and writes else "read" if reads else "write"
        scopes.append(f"{context}/{resource}.{permission}")
    return scopes


def build_scope_list(
    needs: Mapping[str, str], *, v2: bool, ehr_launch: bool, extra: Sequence[str] = (),
    standalone: Sequence[str] = STANDALONE_LAUNCH_SCOPES,
) -> list[str]:
    """Launch scopes, then resource scopes, then extras; without duplicates, order kept.
    ``standalone``: the launch scopes of a standalone launch (a patient's app asks only
    ``launch/patient``: a patient picks no encounter)."""
    launch = EHR_LAUNCH_SCOPES if ehr_launch else tuple(standalone)
    ordered = [*launch, *resource_scopes(needs, v2=v2), *extra]
    return list(dict.fromkeys(s for s in ordered if s))


@dataclass(frozen=True)
class ResourceScope:
    """One parsed resource scope such as ``user/Observation.rs``."""

    context: str
    resource: str  # a resource type or "*"
    interactions: frozenset[str]
    query: str | None = None  # v2 granular scopes narrow the grant to matching resources


def parse_resource_scope(scope: str) -> ResourceScope | None:
    """Parse v1 or v2 resource scope syntax; None for anything else (openid, launch, ...)."""
    match = _SCOPE_RE.match(scope)
    if match is None:
        return None
    permission = match["permission"]
    if permission in _V1_PERMISSIONS:
        interactions = _V1_PERMISSIONS[permission]
    else:
        interactions = frozenset(permission)
    return ResourceScope(match["context"], match["resource"], interactions, match["query"])


@dataclass(frozen=True)
class GrantedScopes:
    """The scopes the server granted; answers "may the app do X with resource Y?"."""

    scopes: tuple[str, ...]

    @classmethod
    def parse(cls, value: str | Iterable[str] | None) -> GrantedScopes:
        """From a space-separated scope string (or a list of scope strings)."""
        if value is None:
            return cls(())
        items = value.split() if isinstance(value, str) else list(value)
        return cls(tuple(dict.fromkeys(item for item in items if item)))

    @property
    def resource_scopes(self) -> tuple[ResourceScope, ...]:
        parsed = (parse_resource_scope(s) for s in self.scopes)
        return tuple(p for p in parsed if p is not None)

    def __contains__(self, scope: object) -> bool:
        return scope in self.scopes

    def allows(self, resource_type: str, interaction: str) -> bool:
        """True when some granted scope (any context) allows this interaction letter.

        A v2 granular scope (``...?category=x``) grants only a subset, so it never counts.
        """
        return any(
            rs.query is None
            and rs.resource in ("*", resource_type)
            and interaction in rs.interactions
            for rs in self.resource_scopes
        )

    def missing(self, needs: Mapping[str, str]) -> list[str]:
        """What was needed but not granted, as ``Resource.letters`` strings (needs order)."""
        gaps: list[str] = []
        for resource, letters in needs.items():
            absent = "".join(
                c for c in INTERACTIONS if c in letters and not self.allows(resource, c)
            )
            if absent:
                gaps.append(f"{resource}.{absent}")
        return gaps

    def require(self, needs: Mapping[str, str]) -> None:
        """Raise InsufficientScope listing every need that was not granted."""
        gaps = self.missing(needs)
        if gaps:
            raise InsufficientScope(missing=gaps)

    def __str__(self) -> str:
        return " ".join(self.scopes)
