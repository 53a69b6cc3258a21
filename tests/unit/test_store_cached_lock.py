"""``Store.cached`` builds may read bar fields and other memoised values (issue 13 follow-up:
the store-wide lock was not re-entrant, so a memoised value calling ``store.field()`` on a
cold store deadlocked).  Each case runs in a daemon thread with a timeout, so a deadlock
fails the test instead of hanging the suite."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from jqlite.data.store import Store
from jqlite.testing import tiny_store

CLOSES = {"000001.XSHE": [10.0, 10.5, 10.2, 10.8], "600000.XSHG": [5.0, 5.1, 4.9, 5.3]}


def _finishes(fn, timeout=20.0):
    box = {}

    def target():
        try:
            box["value"] = fn()
        except BaseException as e:       # noqa: BLE001 - reported to the test
            box["error"] = e
    t = threading.Thread(target=target, daemon=True)
    t.start()
    t.join(timeout)
    assert not t.is_alive(), "deadlock: the build never returned"
    if "error" in box:
        raise box["error"]
    return box["value"]


def test_cached_build_reading_a_cold_field(tmp_path):
    tiny_store(tmp_path / "s", CLOSES)
    st = Store(tmp_path / "s")
    assert not st._fields                                   # cold: bars not loaded yet
    j = st.col("600000.XSHG")
    total = _finishes(lambda: st.cached("close_sum", lambda: float(np.nansum(st.field("close")[:, j]))))
    assert total == 5.0 + 5.1 + 4.9 + 5.3
    assert st.cached("close_sum", lambda: -1.0) == total    # memoised: build not called again


def test_cached_build_waiting_for_worker_threads_that_use_the_store(tmp_path):
    tiny_store(tmp_path / "s", CLOSES)
    st = Store(tmp_path / "s")
    j = st.col("000001.XSHE")

    def build():      # a build that fans out to a pool (factor passes do) and waits for it
        with ThreadPoolExecutor(2) as ex:
            last = ex.submit(lambda: float(st.field("close")[-1, j]))
            inner = ex.submit(lambda: st.cached("inner", lambda: float(st.field("close")[0, j])))
            return last.result(), inner.result()
    assert _finishes(lambda: st.cached("outer", build)) == (10.8, 10.0)
    assert st.cached("inner", lambda: -1.0) == 10.0


def test_nested_cached_same_thread(tmp_path):
    tiny_store(tmp_path / "s", CLOSES)
    st = Store(tmp_path / "s")
    calls = []

    def inner():
        calls.append("inner")
        return 2

    def outer():
        calls.append("outer")
        return st.cached("b", inner) * 10
    assert _finishes(lambda: st.cached("a", outer)) == 20
    assert _finishes(lambda: st.cached("a", outer)) == 20
    assert calls == ["outer", "inner"]
