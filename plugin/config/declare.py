"""``setting()``: declares one setting on the Settings dataclass, once.

A declared field carries everything about its setting: the name (the field's, which is also
its TOML key; the environment variable is ALLIANCE_ and the name in capitals), the type and
default (the field's), the kind of value (how marshmallow reads it), its own validators, the
help text shown when it is wrong and in docs/configuration.md, and an example. The schema,
HINTS and the reference are all derived from these fields (plugin.config.schema and
plugin.config.reference); a field without a declaration is derived, not a setting.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from plugin.config.kinds import Kind, Validator

PREFIX = "ALLIANCE_"
_DECLARED = "alliance.setting"


@dataclass(frozen=True)
class Declaration:
    name: str
    kind: Kind
    help: str
    example: str
    required: bool
    default: Any  # dataclasses.MISSING when required
    default_text: str | None  # the default as the reference says it, when not the value
    validators: tuple[Validator, ...]
    secret: bool

    @property
    def env(self) -> str:
        return f"{PREFIX}{self.name.upper()}"

    @property
    def shown_default(self) -> str:
        """The default as a person would write it."""
        if self.default_text is not None:
            return self.default_text
        value = self.default
        if value is None or value is dataclasses.MISSING:
            return "unset"
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, tuple):
            return ",".join(str(v) for v in value) or "none"
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return str(value)

    def field(self, **options: Any) -> Any:
        """The marshmallow field that reads this setting."""
        return self.kind.make(self.validators, **options)


@dataclass(frozen=True)
class _Pending:
    kind: Kind
    help: str
    example: str
    default_text: str | None
    validators: tuple[Validator, ...]
    secret: bool


def setting(default: Any = dataclasses.MISSING, *, kind: Kind, help: str, example: str,
            default_text: str | None = None, validate: Sequence[Validator] = (),
            secret: bool = False, factory: Callable[[], Any] | None = None) -> Any:
    """A dataclass field declaring one setting; no ``default`` (nor ``factory``): required.
    ``secret``: left out of the settings' repr (and so of logs and tracebacks)."""
    pending = _Pending(kind, help, example, default_text, tuple(validate), secret)
    options: dict[str, Any] = {"metadata": {_DECLARED: pending}, "repr": not secret}
    if factory is not None:
        return dataclasses.field(default_factory=factory, **options)
    return dataclasses.field(default=default, **options)


def declarations(cls: type) -> Iterator[Declaration]:
    """The settings declared on a dataclass, in declaration order."""
    for item in dataclasses.fields(cls):
        pending = item.metadata.get(_DECLARED)
        if not isinstance(pending, _Pending):
            continue
        required = (item.default is dataclasses.MISSING
                    and item.default_factory is dataclasses.MISSING)
        default = item.default_factory() if item.default_factory is not dataclasses.MISSING \
            else item.default
        yield Declaration(item.name, pending.kind, pending.help, pending.example, required,
                          default, pending.default_text, pending.validators, pending.secret)



