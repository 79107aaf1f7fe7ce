"""One error root for the product (app_errors.AppError) and one way to build an error.

Every exception class that smart_launch, plugin or fhir_profiles defines grows from AppError,
so one handler catches them all, and each is built the same way: the message first, ``code=``
as a keyword, which then is the error's code.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import pytest

import fhir_profiles
import plugin
import smart_launch
from app_errors import AppError

# keyword-only fields some errors require, with a value of the right kind
REQUIRED_FIELDS: dict[str, Any] = {"url": "https://ehr.example/fhir/Patient",
                                   "server": "https://ehr.example", "missing": ["patient/*.rs"]}


def product_modules() -> Iterator[ModuleType]:
    for package in (smart_launch, plugin, fhir_profiles):
        yield package
        for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            try:
                yield importlib.import_module(info.name)
            except ModuleNotFoundError as err:  # an optional extra (redis, psycopg, gunicorn)
                assert not (err.name or "").startswith(("plugin", "smart_launch", "app_errors"))


def defined_errors() -> list[type[BaseException]]:
    found = {cls for module in product_modules() for _, cls in inspect.getmembers(module)
             if inspect.isclass(cls) and issubclass(cls, BaseException)
             and cls.__module__ == module.__name__}
    return sorted(found, key=lambda cls: f"{cls.__module__}.{cls.__qualname__}")


ERRORS = defined_errors()


def test_the_product_has_one_error_root() -> None:
    roots = [f"{cls.__module__}.{cls.__qualname__}" for cls in ERRORS
             if not issubclass(cls, AppError)]
    assert roots == []
    assert len(ERRORS) > 50  # every package's tree was found


@pytest.mark.parametrize("cls", ERRORS, ids=lambda cls: cls.__qualname__)
def test_every_error_is_built_message_first_with_a_code_keyword(cls: type[AppError]) -> None:
    fields = {name: REQUIRED_FIELDS[name]
              for name, p in inspect.signature(cls).parameters.items()
              if p.kind is p.KEYWORD_ONLY and p.default is p.empty and name != "code"}
    err = cls("A sentence for people.", code="test.reason", **fields)
    assert err.message.startswith("A sentence for people.")
    assert err.code == "test.reason"
    assert "A sentence for people." in str(err)
    assert type(err).code != "test.reason"  # the class default stays as it was
