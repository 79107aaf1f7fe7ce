"""The kinds of value a setting holds: how it is read (a marshmallow field, from an environment
variable's text or a TOML value alike) and how the configuration reference describes it.

A choice and a bounded number carry their own error sentence, so a setting and an issuer
table's key of the same kind say the same thing when wrong.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from marshmallow import fields, validate

Validator = Callable[[Any], Any]


@dataclass(frozen=True)
class Kind:
    """``describe``: the type as the reference names it; ``make``: a marshmallow field for it,
    given the setting's own validators and field options (required=...)."""

    describe: str
    make: Callable[..., fields.Field[Any]]


class _Text(fields.String):
    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> str:
        return str(super()._deserialize(value, attr, data, **kwargs))


class _Url(fields.String):
    """A URL kept without its trailing slash."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> str:
        return str(super()._deserialize(value, attr, data, **kwargs)).rstrip("/")


class _Path(fields.Field[Path]):
    default_error_messages = {"invalid": "not a path: {input!r}"}

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> Path:
        if not isinstance(value, str | Path):
            raise self.make_error("invalid", input=value)
        return Path(value)


class _CommaList(fields.Field[tuple[str, ...]]):
    """A TOML list, or a comma-separated string; each item stripped of spaces and of a
    trailing slash."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> tuple[str, ...]:
        items = value if isinstance(value, list) else str(value).split(",")
        return tuple(str(item).strip().rstrip("/") for item in items if str(item).strip())


class _PathList(_CommaList):
    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> Any:
        return tuple(Path(p) for p in super()._deserialize(value, attr, data, **kwargs))


def _maker(cls: type[fields.Field[Any]], *own: Validator,
           **field_options: Any) -> Callable[..., fields.Field[Any]]:
    def make(validators: Sequence[Validator] = (), **options: Any) -> fields.Field[Any]:
        messages = {**field_options.get("error_messages", {}),
                    **(options.pop("error_messages", None) or {})}
        return cls(validate=[*own, *validators],
                   **{**field_options, **options, "error_messages": messages})
    return make


TEXT = Kind("text", _maker(_Text))
NONEMPTY_TEXT = Kind("text", _maker(_Text, validate.Length(min=1)))
URL = Kind("URL", _maker(_Url))
URLS = Kind("comma-separated URLs (a list in TOML)", _maker(_CommaList))
NAMES = Kind("comma-separated names (a list in TOML)", _maker(_CommaList))
PATH = Kind("path", _maker(_Path))
PATHS = Kind("comma-separated paths (a list in TOML)", _maker(_PathList))
FLAG = Kind("true or false", _maker(fields.Boolean))


def choice(*options: str) -> Kind:
    """One of ``options``; anything else is "'x' is not one of a, b"."""
    rule = validate.OneOf(options, error="{input!r} is not one of {choices}")
    return Kind(f"one of {', '.join(options)}", _maker(_Text, rule))


def number(low: float, high: float, *, whole: bool = False) -> Kind:
    """A number from ``low`` to ``high``; anything else, a word or true included, is
    "x is not a number from low to high"."""
    error = f"{{input!r}} is not a number from {low:g} to {high:g}"
    rule = validate.Range(min=low, max=high, error=error)
    cls = fields.Integer if whole else fields.Float
    return Kind(f"{'whole ' if whole else ''}number from {low:g} to {high:g}",
                _maker(cls, rule, error_messages={"invalid": error}))


KEY_ALGS = choice("RS384", "ES384")
RECORD_STORE_MODES = choice("auto", "ehr", "companion")
