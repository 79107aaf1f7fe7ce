"""Checks on single values, shared by the settings, the issuer tables and the commands.

The URL, secret and store checks are pure, and loading uses them. The file checks (the ones
named ``*_problem`` and ``read_private_key``) read the file they name, and only
``writable_folder_problem`` writes: plugin.config.checking calls them, loading never does. The
marshmallow validators raise ValidationError with the sentence a person reads after the
setting's name.
"""

from __future__ import annotations

import math
import tempfile
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urlsplit

from marshmallow import ValidationError

# Project defaults, chosen so that a random key as the docs make it always passes: of 200,000
# secrets.token_hex(16) (128 random bits), none had under 90 estimated bits or under 8 distinct
# characters (12 distinct refused 1.6 % of them, 100 bits 0.1 %).
MIN_SECRET_BITS = 90.0  # estimated from the key's own characters
MIN_SECRET_SYMBOLS = 8  # distinct characters

CA_BUNDLE_HINT = (
    "If its certificate comes from an internal certificate authority, set ALLIANCE_CA_BUNDLE "
    "to a PEM file of that authority's certificate")

POSTGRES_SCHEMES = ("postgresql", "postgres")
REDIS_SCHEMES = ("redis", "rediss")
SESSION_STORE_SCHEMES = POSTGRES_SCHEMES + REDIS_SCHEMES


def is_http_url(value: str) -> bool:
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def secret_bits(value: str) -> float:
    """An estimate of a key's entropy: its length times the Shannon entropy of its own
    character frequencies. "k"*40 has 0 bits; a token_urlsafe(32) has about 200."""
    if not value:
        return 0.0
    counts = Counter(value)
    total = len(value)
    per_char = -sum(n / total * math.log2(n / total) for n in counts.values())
    return per_char * total


def plain_http_problem(values: Sequence[str]) -> str | None:
    """The rule outside development, for `serve` and `check` alike: every URL the app serves
    or trusts is https. The message for the plain-http ones, or None."""
    plain = [v for v in values if urlsplit(v).scheme == "http"]
    if not plain:
        return None
    return (f"{', '.join(plain)} is plain http; use https (or set ALLIANCE_DEVELOPMENT=true "
            "on a developer's machine)")


def ca_bundle_problem(value: str) -> str | None:
    """Why ``value`` cannot serve as ALLIANCE_CA_BUNDLE, or None when it can."""
    try:
        text = Path(value).read_bytes()
    except OSError as err:
        return f"cannot read {value}: {err.strerror or err}"
    if b"-----BEGIN CERTIFICATE-----" not in text:
        return f"{value} holds no PEM certificate (-----BEGIN CERTIFICATE-----)"
    return None


def writable_folder_problem(folder: Path) -> str | None:
    """Why the app could not keep files in `folder` (created if missing), or None if it can.
    Tried for real (a probe file), since permissions alone do not tell (root, read-only mounts).
    Only checking settings calls it (plugin.config.checking), never loading them."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".write-probe-"):
            pass
    except OSError as err:
        return f"cannot write to {folder}: {err.strerror or err}"
    return None


# -- validators: each raises ValidationError with what is wrong -------------------------------

def http_url(value: str) -> None:
    if not is_http_url(value):
        raise ValidationError(f"not an http(s) URL: {value!r}")


def http_urls(values: Sequence[str]) -> None:
    if not values:
        raise ValidationError("no FHIR base URL given")
    bad = [v for v in values if not is_http_url(v)]
    if bad:
        raise ValidationError(f"not an http(s) URL: {', '.join(bad)}")


def repeats(value: str) -> bool:
    """True when the value is a shorter piece said again ("0123456789" * 4)."""
    return any(value[p:] == value[:-p] for p in range(1, len(value) // 2 + 1))


def random_secret(value: str) -> None:
    if (len(set(value)) < MIN_SECRET_SYMBOLS or secret_bits(value) < MIN_SECRET_BITS
            or repeats(value)):
        raise ValidationError(
            "too predictable (a word, a pattern or repeated characters); use a random one")


def random_token(value: str) -> None:
    if len(value) < 32 or secret_bits(value) < MIN_SECRET_BITS or repeats(value):
        raise ValidationError("too short or too predictable; use a random one")


def session_store_url(value: str) -> None:
    parts = urlsplit(value)
    if parts.scheme not in SESSION_STORE_SCHEMES or not (parts.netloc or parts.query):
        shown = f"{parts.scheme}://{parts.hostname or ''}" if parts.scheme else "(no scheme)"
        raise ValidationError(f"not a postgresql:// or redis:// URL: {shown}")


def read_private_key(path: Path) -> tuple[bytes | None, str | None]:
    """The PEM text of a private key file, or why it is not one."""
    try:
        pem = path.read_bytes()
    except OSError as err:
        return None, f"cannot read {path}: {err.strerror or err}"
    if b"PRIVATE KEY" not in pem:
        return None, f"{path} is not a PEM private key"
    return pem, None


def key_folder_problem(folder: Path) -> str | None:
    """Why ``folder`` is not a folder of rotating keys, or None when it is."""
    if not (folder / "keys.json").is_file():
        return f"{folder} has no keys.json; create it with `alliance keys --dir {folder} add`"
    return None
