"""Saves under faults, with real parts: the app talks to HAPI FHIR through Toxiproxy (latency,
connection resets, answers cut off after the work was done) and our 503 injector (bursts on
about 30% of requests, some after HAPI did the work). Several clinicians save at once.
Afterwards: nothing lost, nothing duplicated, each rating stored once with its Observations and
Provenance, and every clinician was told the truth. Each clinician then corrects their therapist
ratings under the same faults: each correction is completed exactly once
(tests/support/fault_corrections.py).
The long run: benchmarks/fault_run.py."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from plugin.recording.outbox import OutboxPolicy
from plugin.web import create_app
from tests.support.fault_clinic import Clinician, Tally, drain, faulty_path, judge, load_clinic
from tests.support.fault_corrections import Correction, correct, judge_corrections
from tests.support.interop import CLIENT_IDS, Servers
from tests.support.servers import LiveServer
from tests.support.toxiproxy import Toxiproxy

pytestmark = pytest.mark.interop
TOXIPROXY_SEED = 7  # the toxiproxy fixture's (conftest.py): the same draws each run

CLINICIANS, SESSIONS = 3, 4  # 3 x 4 sessions x 2 forms = 24 saves
DRAIN_DEADLINE = 120.0


def test_concurrent_saves_under_faults_are_stored_once_each_and_told_truly(
        servers: Servers, toxiproxy: Toxiproxy, tmp_path: Path) -> None:
    plans = load_clinic(servers.hapi, "faults", CLINICIANS, SESSIONS)
    iss, injector = faulty_path(toxiproxy, servers.hapi, seed=11)
    injector.active = False  # the launches' discovery goes through too; faults start below
    port = servers.spare_ports[0]
    app = create_app({
        "public_url": f"http://127.0.0.1:{port}", "client_id": CLIENT_IDS["public"],
        "allowed_iss": iss, "secret_key": "fault-run-" + "Qm7z-4KcX2pRw9yL1tVd8hJn3sGb5fTe0uAo6iWy",
        "development": True,
        "data_dir": str(tmp_path / "app"),
    }, outbox_policy=OutboxPolicy(first_retry=0.5, max_retry=4, lease=40),
        outbox_interval=0.5)
    server = LiveServer(port=port).start(app)
    tally = Tally()
    try:
        clinicians = [Clinician(n, plan, app_url=lambda: f"http://127.0.0.1:{port}", iss=iss,
                                new_launch=servers.new_launch, hapi=servers.hapi, tally=tally,
                                seed=n) for n, plan in enumerate(plans)]
        injector.active = True
        threads = [threading.Thread(target=c.run) for c in clinicians]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=600)
        assert not any(t.is_alive() for t in threads), "a clinician never finished"
        # Still under the faults: each clinician corrects every therapist rating they were told
        # is saved.
        corrections: list[Correction] = []
        to_correct = [s for s in tally.saves if s.told == "saved" and s.form.endswith("therapist")]

        def correct_all(clinician: Clinician) -> None:
            for save in (s for s in to_correct if s.clinician == clinician.number):
                corrections.append(correct(clinician, clinician.launch(save.encounter), save))

        threads = [threading.Thread(target=correct_all, args=(c,)) for c in clinicians]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=600)
        toxiproxy.reset()
        injector.active = False
        left = drain(app.extensions["alliance"].saving.outbox, DRAIN_DEADLINE)
        assert left == [], [(i["state"], i["reason"]) for i in left]
        verdict = judge(servers.hapi, tally)
        corrected = judge_corrections(servers.hapi, corrections)
    finally:
        server.stop()
        injector.stop()
    print(f"\nfault run (short): {verdict}, corrections: {corrected}, "
          f"503s injected: {injector.counts}")
    assert corrected.corrections == len(to_correct) > 0 and corrected.clean, corrected
    assert verdict.saves == CLINICIANS * SESSIONS * 2
    assert verdict.clean, verdict
    assert set(verdict.told) <= {"saved", "queued"}
    assert injector.counts["refused"] + injector.counts["done_then_refused"] > 0
