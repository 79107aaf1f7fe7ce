"""Start-up objects leave the garbage collector's full passes once the app is built."""

from __future__ import annotations

import gc

from plugin.web.server import settle_heap


def test_what_start_up_built_is_no_longer_walked_by_full_collections():
    built = [{"n": n} for n in range(20_000)]  # long-lived, like modules and FHIR models
    try:
        settle_heap()
        assert gc.get_freeze_count() >= len(built)
        assert not any(item is built for item in gc.get_objects())  # not walked any more
    finally:
        gc.unfreeze()
