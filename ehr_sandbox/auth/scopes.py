"""SMART scopes: what an access grant lets its holder do.

Understands SMART v2 scopes (`patient/Encounter.rs`, `user/*.cruds`, `system/Patient.r`,
optionally with a `?param=value` restriction) and SMART v1 scopes (`patient/Encounter.read`,
`.write` for create/update/delete, `.*` for everything). Pure: no I/O, no clock.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

INTERACTIONS = frozenset("cruds")
CONTEXTS = frozenset({"patient", "user", "system"})

_V1_PERMISSIONS = {"read": frozenset("rs"), "write": frozenset("cud"), "*": INTERACTIONS}
_V2_PERMISSIONS = re.compile(r"^c?r?u?d?s?$")
_RESOURCE = re.compile(r"^(\*|[A-Z][A-Za-z]+)$")


@dataclass(frozen=True)
class ResourceScope:
    """One parsed resource scope: context/resource.permissions."""

    context: str
    resource_type: str
    interactions: frozenset[str]
    restricted: bool = False


def parse_resource_scope(scope: str) -> ResourceScope | None:
    """Parse a SMART resource scope; None when the string is not one (e.g. `openid`)."""
    context, slash, rest = scope.partition("/")
    if not slash or context not in CONTEXTS:
        return None
    rest, question, _query = rest.partition("?")
    resource_type, dot, permissions = rest.partition(".")
    if not dot or not _RESOURCE.match(resource_type):
        return None
    if permissions in _V1_PERMISSIONS:
        if question:  # v1 scopes never carried a query
            return None
        interactions = _V1_PERMISSIONS[permissions]
    elif permissions and _V2_PERMISSIONS.match(permissions):
        interactions = frozenset(permissions)
    else:
        return None
    return ResourceScope(context, resource_type, interactions, restricted=bool(question))


def is_resource_scope(scope: str) -> bool:
    return parse_resource_scope(scope) is not None


@dataclass(frozen=True)
class AccessGrant:
    """What a verified access token grants.

    `allows` answers at the resource-type level. A v2 scope with a `?param=value` restriction
    counts as allowing its interactions; the FHIR server must still apply the restriction, and
    must confine `patient/` scopes to the compartment of `patient`.
    """

    client_id: str
    subject: str
    fhir_user: str | None
    scopes: frozenset[str]
    patient: str | None
    encounter: str | None
    expires_at: float

    def allows(self, resource_type: str, interaction: str) -> bool:
        if interaction not in INTERACTIONS:
            return False
        for scope in self.scopes:
            parsed = parse_resource_scope(scope)
            if parsed is None or interaction not in parsed.interactions:
                continue
            if parsed.resource_type in ("*", resource_type):
                return True
        return False
