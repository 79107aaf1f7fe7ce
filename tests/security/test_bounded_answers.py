"""Issue 20, rows 7 and 16: hostile answers from a FHIR server or an authorization server.

Each answer is cut at a bound of ReadLimits with a typed error, and the memory the read took
stays far below what the answer would have cost: a 100 MB body, a gzip bomb of 400 MB, a
drip that a per-read timeout never ends (in the body, and in the status line), 100,000
entries, and JSON nested 100,000 deep. Peak memory is measured with tracemalloc (Python's
allocations, the hostile server's thread included) against a generous ceiling; nothing here
asserts a duration.
"""

from __future__ import annotations

import pytest
import requests

from plugin.fhir.client import FhirClient
from plugin.fhir.errors import FhirLimitExceeded
from smart_launch.errors import ResponseLimitExceeded
from smart_launch.limits import ReadLimits
from smart_launch.transport import get_json, harden_session
from tests.support.smart_bindings import on_socket
from tests.support.smart_launches import launch_with, smart_client

from .hostile_bodies import (
    MIB,
    Drip,
    HeaderDrip,
    deep,
    gzip_bomb,
    huge,
    many_entries,
    peak_memory,
)

CEILING = 96 * MIB  # a 32 MiB bound read in chunks, with room to spare; the attacks cost 400 MB+


def fhir(server, limits: ReadLimits | None = None) -> FhirClient:
    return FhirClient(f"{server.url}/fhir", http=requests.Session(), retries=0,
                      **({"limits": limits} if limits else {}))


@pytest.mark.parametrize("declared", [False, True], ids=["chunked", "content-length"])
def test_a_100_mb_answer_is_cut_at_the_byte_bound(hostile, declared):
    server = hostile().route("GET", "/fhir/Encounter", huge(100 * MIB, declared=declared))
    with peak_memory() as peak, pytest.raises(FhirLimitExceeded) as refused:
        fhir(server).search("Encounter")
    assert refused.value.code == "fhir.response_too_large"
    assert "32 MiB" in refused.value.message
    assert peak[0] < CEILING


def test_a_gzip_bomb_is_cut_at_the_decompressed_bound(hostile):
    server = hostile().route("GET", "/fhir/Encounter", gzip_bomb(400 * MIB))
    with peak_memory() as peak, pytest.raises(FhirLimitExceeded) as refused:
        fhir(server).search("Encounter")
    assert refused.value.code == "fhir.response_too_large"
    assert peak[0] < CEILING


def test_a_drip_is_cut_at_the_deadline_not_after_a_read_timeout(hostile):
    drip = Drip(total=600, every=0.1)  # a minute of one byte at a time, no read ever waits 15 s
    server = hostile().route("GET", "/fhir/Encounter", drip)
    try:
        with pytest.raises(FhirLimitExceeded) as refused:
            fhir(server, ReadLimits(deadline=1.0)).search("Encounter")
    finally:
        drip.stop.set()
    assert refused.value.code == "fhir.response_too_slow"
    assert "1 s" in refused.value.message
    assert drip.sent < drip.total  # the connection was cut, not read to its end


def test_a_status_line_dripped_byte_by_byte_is_cut_at_the_deadline():
    server = HeaderDrip(every=0.1)  # 10,000 bytes of headers: over 15 minutes
    try:
        with pytest.raises(ResponseLimitExceeded) as refused:
            get_json(harden_session(requests.Session()),
                     f"{server.url}/.well-known/smart-configuration",
                     timeout=15, limits=ReadLimits(deadline=1.0))
    finally:
        server.close()
    assert refused.value.code == "response_too_slow"
    assert server.sent < 10_000


def test_100_000_entries_are_refused_before_the_app_reads_them(hostile):
    server = hostile().route("GET", "/fhir/Encounter", many_entries(100_000))
    with peak_memory() as peak, pytest.raises(FhirLimitExceeded) as refused:
        fhir(server).search("Encounter")
    assert refused.value.code == "fhir.response_too_many_entries"
    assert "10000" in refused.value.message
    assert peak[0] < 2 * CEILING  # 5 MB of JSON decodes to some 60 MB of objects


def test_a_page_at_the_entry_bound_is_read(hostile):
    server = hostile().route("GET", "/fhir/Encounter", many_entries(10_000))
    assert len(fhir(server).search("Encounter")) == 10_000


def test_json_nested_100_000_deep_is_refused_without_recursion(hostile):
    server = hostile().route("GET", "/fhir/Encounter", deep(100_000))
    with pytest.raises(FhirLimitExceeded) as refused:
        fhir(server).search("Encounter")
    assert refused.value.code == "fhir.response_too_deep"


@pytest.mark.parametrize("answer, code", [
    (huge(100 * MIB), "response_too_large"), (gzip_bomb(400 * MIB), "response_too_large"),
    (deep(100_000), "response_too_deep"),
], ids=["100MB", "gzip-bomb", "deep"])
def test_discovery_answers_are_bounded(hostile, answer, code):
    server = hostile().route("GET", "/fhir/.well-known/smart-configuration", answer)
    with peak_memory() as peak, pytest.raises(ResponseLimitExceeded) as refused:
        smart_client().discover(f"{server.url}/fhir")
    assert refused.value.code == code
    assert peak[0] < CEILING


@pytest.mark.parametrize("answer, code", [
    (gzip_bomb(400 * MIB), "response_too_large"), (deep(100_000), "response_too_deep"),
], ids=["gzip-bomb", "deep"])
def test_token_answers_are_bounded(hostile, answer, code):
    server = hostile()
    ehr = on_socket(server)
    server.route("POST", "/token", answer)
    with peak_memory() as peak, pytest.raises(ResponseLimitExceeded) as refused:
        launch_with(smart_client(allow_http=True), ehr)
    assert refused.value.code == code
    assert peak[0] < CEILING


def test_a_drip_from_the_token_endpoint_is_cut_at_the_deadline(hostile):
    server = hostile()
    ehr = on_socket(server)
    drip = Drip(total=600, every=0.1)
    server.route("POST", "/token", drip)
    client = smart_client(allow_http=True)
    client.limits = ReadLimits(deadline=1.0)
    try:
        with pytest.raises(ResponseLimitExceeded) as refused:
            launch_with(client, ehr)
    finally:
        drip.stop.set()
    assert refused.value.code == "response_too_slow"
    assert drip.sent < drip.total
