"""Alliance forms from Questionnaires: the fields a template draws and the marshmallow schema
that checks what comes back (required items, allowed option codes, numeric ranges).

Nothing here stores anything: ``read_answers`` turns posted form data into answers for
plugin.alliance, errors per field (a plain sentence each) and the raw values to show again,
so nothing a person typed is lost when a check fails.
"""

from __future__ import annotations

import math
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate

from plugin.alliance import Answer, is_calculated
from plugin.alliance.vocabulary import COMPONENTS, ITEM_WEIGHT, MAX_VALUE, MIN_VALUE
from plugin.wording import record as record_words

PREFIX = "item-"
REASON = "reason"
TEXT_MAX = 2000
_UNSAFE_ID = re.compile(r"[^A-Za-z0-9_-]")


@dataclass(frozen=True)
class Option:
    code: str
    label: str
    dom_id: str


@dataclass(frozen=True)
class FormField:
    """One Questionnaire item as a form field."""

    link_id: str
    name: str  # the form field name
    dom_id: str
    number: str  # "1", "2"... the item's prefix or position
    label: str  # the wording, or "Item n" in transcription mode
    kind: str  # "choice" | "number" | "text"
    required: bool
    options: tuple[Option, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    worded: bool = True
    extra: dict[str, Any] = field(default_factory=dict)
    domain: str | None = None  # goal, task or bond: the subscale the item counts in
    weights: tuple[float | None, ...] = ()  # per option, what it counts in the score

    @property
    def reversed(self) -> bool:
        """Reverse-keyed: the first answer shown counts the most (a negatively worded item)."""
        known = [w for w in self.weights if w is not None]
        return len(known) > 1 and known[0] > known[-1]


def _ext_number(item: Mapping[str, Any], url: str) -> float | None:
    for ext in item.get("extension") or []:
        if ext.get("url") == url:
            value = ext.get("valueDecimal", ext.get("valueInteger"))
            return float(value) if value is not None else None
    return None


def _dom_id(link_id: str) -> str:
    return PREFIX + _UNSAFE_ID.sub("_", link_id)


def form_fields(questionnaire: Mapping[str, Any]) -> list[FormField]:
    """The answerable items, in order, as fields (groups are flattened)."""
    out: list[FormField] = []

    def walk(items: list[dict[str, Any]]) -> None:
        for item in items:
            if item.get("type") == "group":
                walk(item.get("item") or [])
                continue
            if is_calculated(item):
                continue  # a renderer's score item: the app computes its own
            kind = {"choice": "choice", "decimal": "number", "integer": "number",
                    "text": "text", "string": "text"}.get(str(item.get("type")))
            if kind is None:
                continue
            link_id = str(item["linkId"])
            number = str(item.get("prefix") or len(out) + 1)
            dom_id = _dom_id(link_id)
            options = tuple(
                Option(str(o["valueCoding"]["code"]),
                       str(o["valueCoding"].get("display") or o["valueCoding"]["code"]),
                       f"{dom_id}-{_UNSAFE_ID.sub('_', str(o['valueCoding']['code']))}")
                for o in item.get("answerOption") or [] if "valueCoding" in o)
            codes = [str(c.get("code")) for c in item.get("code") or [] if isinstance(c, dict)]
            out.append(FormField(
                link_id=link_id, name=PREFIX + link_id, dom_id=dom_id, number=number,
                label=str(item.get("text") or f"Item {number}"), kind=kind,
                required=bool(item.get("required")), options=options,
                minimum=_ext_number(item, MIN_VALUE), maximum=_ext_number(item, MAX_VALUE),
                worded="text" in item,
                domain=next((c for c in codes if c in COMPONENTS), None),
                weights=tuple(_ext_number(o["valueCoding"], ITEM_WEIGHT)
                              for o in item.get("answerOption") or [] if "valueCoding" in o)))

    walk(list(questionnaire.get("item") or []))
    return out


# A number is ASCII digits with an optional sign and one decimal point or comma. Python's
# float() also takes "1_0", full-width and other Unicode digits, "1e3" and "nan": none of those
# is what a person typed as a rating.
NUMBER = re.compile(r"[+-]?[0-9]{1,9}([.,][0-9]{1,6})?")
# Text answers refuse control characters (C0, DEL, C1) other than tab and line breaks.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


class _Decimal(fields.Field):  # type: ignore[type-arg]
    """A number as people type it: "7.5" or "7,5"; never NaN or infinity."""

    default_error_messages = {"invalid": record_words.ENTER_A_NUMBER}

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> float:
        text = str(value).strip()
        if not NUMBER.fullmatch(text):
            raise self.make_error("invalid")
        try:
            number = float(text.replace(",", "."))
        except ValueError as err:
            raise self.make_error("invalid") from err
        if not math.isfinite(number):
            raise self.make_error("invalid")
        return number


def _schema_field(f: FormField) -> fields.Field[Any]:
    required: dict[str, Any] = {"required": record_words.ANSWER_THIS if f.kind != "choice"
                else record_words.CHOOSE_AN_ANSWER}
    if f.kind == "choice":
        return fields.String(required=f.required, error_messages=required,
                             validate=validate.OneOf([o.code for o in f.options],
                                                     error=record_words.CHOOSE_ONE_SHOWN))
    if f.kind == "number":
        lo = f.minimum if f.minimum is not None else -math.inf
        hi = f.maximum if f.maximum is not None else math.inf
        return _Decimal(required=f.required, error_messages=required, validate=validate.Range(
            lo, hi, error=record_words.number_between(lo, hi)))
    return fields.String(required=f.required, error_messages=required, validate=[
        validate.Length(max=TEXT_MAX, error=record_words.keep_under(TEXT_MAX)),
        _no_control_characters])


def _no_control_characters(value: str) -> None:
    if CONTROL.search(value):
        raise ValidationError(record_words.NO_CONTROL_CHARACTERS)


def answers_schema(questionnaire: Mapping[str, Any], *, reason: bool = False) -> Schema:
    """A marshmallow schema for the Questionnaire's fields (and a required reason)."""
    spec: dict[str, fields.Field[Any]] = {
        f.name: _schema_field(f) for f in form_fields(questionnaire)}
    if reason:
        spec[REASON] = fields.String(required=True, validate=validate.Length(
            min=3, max=500, error=record_words.GIVE_A_REASON),
            error_messages={"required": record_words.REASON_NEEDED})
    return Schema.from_dict(spec, name="AnswersSchema")(unknown=EXCLUDE)


@dataclass(frozen=True)
class ReadAnswers:
    answers: dict[str, Answer]  # linkId -> answer, for plugin.alliance and the builders
    raw: dict[str, str]  # field name -> what was typed, to show again
    errors: dict[str, str]  # field name -> message
    reason: str = ""

    @property
    def ok(self) -> bool:
        return not self.errors


def read_answers(questionnaire: Mapping[str, Any], form: Mapping[str, str], *,
                 reason: bool = False) -> ReadAnswers:
    fields_ = form_fields(questionnaire)
    names = [f.name for f in fields_] + ([REASON] if reason else [])
    raw = {name: str(form.get(name, "")) for name in names}
    data = {name: value.strip() for name, value in raw.items() if value.strip()}
    errors: dict[str, str] = {}
    try:
        loaded = answers_schema(questionnaire, reason=reason).load(data)
    except ValidationError as err:
        messages: Any = err.messages
        if isinstance(messages, dict):
            errors = {k: (v[0] if isinstance(v, list) else str(v)) for k, v in messages.items()}
        else:
            errors = {"_schema": str(messages)}
        valid: Any = err.valid_data
        loaded = dict(valid) if isinstance(valid, dict) else {}
    answers: dict[str, Answer] = {}
    for f in fields_:
        if f.name in loaded and f.name not in errors:
            answers[f.link_id] = loaded[f.name]
    return ReadAnswers(answers, raw, errors, str(loaded.get(REASON, "")))


def raw_from_answers(questionnaire: Mapping[str, Any],
                     answers: Mapping[str, Answer]) -> dict[str, str]:
    """Form values from stored answers (to pre-fill a correction)."""
    raw: dict[str, str] = {}
    for f in form_fields(questionnaire):
        value = answers.get(f.link_id)
        if value is None:
            continue
        if isinstance(value, float) and value.is_integer() and f.kind == "number":
            raw[f.name] = f"{value:g}"
        else:
            raw[f.name] = str(value)
    return raw


def submission_id_from(form: Mapping[str, str]) -> str | None:
    """The form's submission id when it is a uuid, else None."""
    value = str(form.get("submission_id", ""))
    try:
        return str(uuid.UUID(value)) if value else None
    except ValueError:
        return None
