"""The pure parts of the read bounds: JSON shape measured on raw bytes (strings and escapes
do not count), and decompression that never produces more than it is allowed."""

from __future__ import annotations

import gzip
import json
import zlib

import pytest
import requests

from smart_launch.errors import ResponseLimitExceeded, TransportError
from smart_launch.limits import ReadLimits, check_shape, json_shape
from smart_launch.reading import read_body

LIMITS = ReadLimits(max_bytes=1000, max_depth=4)


@pytest.mark.parametrize("document, depth", [
    ({}, 1), ([], 1), (1, 0), ({"a": [1, {"b": []}]}, 4),
    ({"text": "[[[[[[[[{{{{"}, 1),  # brackets in a string are text
    ({"text": '"]]]]"', "x": [[["y"]]]}, 4),  # an escaped quote does not end the string
    ({"text": "back\\slash\\", "x": [[1]]}, 3),  # an escaped backslash before the quote
], ids=["object", "array", "number", "nested", "brackets-in-text", "escaped-quote",
        "escaped-backslash"])
def test_depth_is_measured_outside_strings(document, depth):
    assert json_shape(json.dumps(document).encode(), 64)[0] == depth


def test_depth_and_containers_past_their_bounds_are_refused():
    check_shape(b'{"a": {"b": {"c": [1]}}}', LIMITS, "https://ehr.example/x")
    with pytest.raises(ResponseLimitExceeded) as deep:
        check_shape(b'{"a": {"b": {"c": [[1]]}}}', LIMITS, "https://ehr.example/x")
    assert deep.value.code == "response_too_deep"
    assert "https://ehr.example" in deep.value.message
    many = json.dumps([{} for _ in range(1500)]).encode()  # over max(1000, 1000 // 32)
    with pytest.raises(ResponseLimitExceeded) as wide:
        check_shape(many, LIMITS, "https://ehr.example/x")
    assert wide.value.code == "response_too_many_entries"


def answer(body: bytes, encoding: str | None) -> requests.Response:
    response = requests.Response()
    response.status_code = 200
    response.raw = _Raw(body)
    if encoding:
        response.headers["Content-Encoding"] = encoding
    return response


class _Raw:
    """A socket's body in 7-byte reads, as urllib3's response gives it undecoded."""

    def __init__(self, body: bytes) -> None:
        self.body = body

    def read(self, amount: int, decode_content: bool = True) -> bytes:
        assert decode_content is False
        piece, self.body = self.body[:7], self.body[7:]
        return piece

    def release_conn(self) -> None:
        return

    def close(self) -> None:
        return


TEXT = b'{"resourceType": "Bundle", "total": 0}'


@pytest.mark.parametrize("encoding, body", [
    (None, TEXT), ("identity", TEXT), ("gzip", gzip.compress(TEXT)),
    ("gzip", gzip.compress(TEXT[:10]) + gzip.compress(TEXT[10:])),  # two members
    ("deflate", zlib.compress(TEXT)), ("deflate", zlib.compress(TEXT)[2:-4]),  # raw deflate
], ids=["none", "identity", "gzip", "gzip-members", "zlib", "raw-deflate"])
def test_every_coding_the_app_asks_for_is_read(encoding, body):
    assert read_body(answer(body, encoding), LIMITS, None, "https://ehr.example/x") == TEXT


def test_decompression_stops_at_the_bound_and_other_codings_are_refused():
    bomb = gzip.compress(b"\0" * 10_000_000)
    with pytest.raises(ResponseLimitExceeded):
        read_body(answer(bomb, "gzip"), LIMITS, None, "https://ehr.example/x")
    with pytest.raises(TransportError) as refused:
        read_body(answer(TEXT, "br"), LIMITS, None, "https://ehr.example/x")
    assert refused.value.code == "unreadable_body"
