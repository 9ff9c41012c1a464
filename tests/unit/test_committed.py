"""Settling unknown writes from what watchers and reads saw, and the history's JSON form."""

from __future__ import annotations

import json
from pathlib import Path

import urllib3.exceptions
from kubernetes.client.exceptions import ApiException

from kindchaos.observe.history.operations import History, Version, result_of_error
from kindchaos.safety import committed
from kindchaos.safety.restore import after_restore
from tests.unit.histories import Builder


def test_an_unknown_write_seen_in_a_watch_is_applied_at_its_version() -> None:
    b = Builder()
    b.create(0, "k", "v1", at=(1, 2), rv=10)
    lost = b.update(1, "k", "v2", expected=10, at=(3, None), result="unknown")
    b.watcher(0, start_rv=5, end_rv=11, events=[("ADDED", "k", "v1", 10, 2.1), ("MODIFIED", "k", "v2", 11, 3.4)])
    found = committed.resolve(b.history)
    assert found.applied[lost.id].rv == 11 and found.applied[lost.id].at == 3.4
    assert [c.rv for c in found.committed] == [10, 11]


def test_an_unknown_write_absent_from_a_complete_watch_is_not_applied() -> None:
    b = Builder()
    b.create(0, "k", "v1", at=(1, 2), rv=10)
    lost = b.update(1, "k", "v2", expected=10, at=(3, None), result="unknown")
    b.watcher(0, start_rv=5, end_rv=10, events=[("ADDED", "k", "v1", 10, 2.1)])
    found = committed.resolve(b.history)
    assert found.not_applied == {lost.id} and not found.unresolved


def test_a_delete_with_a_relist_after_it_stays_unresolved() -> None:
    b = Builder()
    b.create(0, "k", "v1", at=(1, 2), rv=10)
    lost = b.delete(1, "k", expected=10, at=(3, None), result="unknown")
    b.watcher(0, start_rv=5, end_rv=14, events=[("ADDED", "k", "v1", 10, 2.1)], relists=[(10, 14, 5.0)])
    assert committed.resolve(b.history).unresolved == {lost.id}


def test_a_relist_done_before_the_write_began_leaves_no_gap_for_it() -> None:
    b = Builder()
    b.create(0, "k", "v1", at=(1, 2), rv=10)
    lost = b.delete(1, "k", expected=10, at=(6, None), result="unknown")
    b.watcher(0, start_rv=5, end_rv=14, events=[("ADDED", "k", "v1", 10, 2.1)], relists=[(10, 14, 5.0)])
    assert committed.resolve(b.history).not_applied == {lost.id}


def test_a_delete_whose_version_another_write_replaced_did_not_apply() -> None:
    b = Builder()
    b.create(0, "k", "v1", at=(1, 2), rv=10)
    lost = b.delete(1, "k", expected=10, at=(3, None), result="unknown")
    b.update(0, "k", "v2", expected=10, at=(4, 5), rv=11)
    assert committed.resolve(b.history).not_applied == {lost.id}


def test_an_unseen_update_before_the_final_list_did_not_apply_even_across_a_relist() -> None:
    """An object changes only at a version a client read: an applied write is read or still there at the end."""
    b = Builder()
    b.create(0, "k", "v1", at=(1, 2), rv=10)
    lost = b.update(1, "k", "v2", expected=10, at=(3, None), result="unknown")
    b.list(0, {"k": ("v1", 10)}, at=(8, 9), list_rv=14)
    b.watcher(0, start_rv=5, end_rv=14, events=[("ADDED", "k", "v1", 10, 2.1)], relists=[(10, 14, 5.0)])
    assert committed.resolve(b.history).not_applied == {lost.id}


def test_a_delete_is_recognised_by_the_deleted_event_of_the_version_it_named() -> None:
    b = Builder()
    b.create(0, "k", "v1", at=(1, 2), rv=10)
    gone = b.delete(1, "k", expected=10, at=(3, None), result="unknown")
    b.watcher(0, start_rv=5, end_rv=13, events=[("ADDED", "k", "v1", 10, 2.1), ("DELETED", "k", "v1", 13, 3.5)])
    found = committed.resolve(b.history)
    assert found.applied[gone.id].rv == 13


def test_the_history_survives_its_json_form(tmp_path: Path) -> None:
    b = Builder()
    b.create(0, "k", "v1", at=(1, 2), rv=10)
    b.list(1, {"k": ("v1", 10)}, at=(3, 4), list_rv=10)
    b.watcher(0, start_rv=5, end_rv=10, events=[("ADDED", "k", "v1", 10, 2.1)], relists=[(4, 5, 1.0)])
    loaded = History.load(b.history.dump(tmp_path / "history.json"))
    assert loaded.operations == b.history.operations
    assert loaded.watches == b.history.watches


def test_errors_are_definite_or_unknown() -> None:
    def api(status: int, message: str = "") -> ApiException:
        exc = ApiException(status=status, reason="x")
        exc.body = json.dumps({"message": message})
        return exc

    assert result_of_error(api(409), "create")[0] == "exists"
    assert result_of_error(api(409), "update")[0] == "conflict"
    assert result_of_error(api(404), "delete")[0] == "absent"
    assert result_of_error(api(429), "update")[0] == "failed"
    assert result_of_error(api(500, "etcdserver: mvcc: database space exceeded"), "update")[0] == "failed"
    assert result_of_error(api(500, "etcdserver: request timed out"), "update")[0] == "unknown"
    assert result_of_error(api(504), "create")[0] == "unknown"
    refused = urllib3.exceptions.NewConnectionError(None, "refused")  # type: ignore[arg-type]
    assert result_of_error(refused, "update")[0] == "failed"
    assert result_of_error(urllib3.exceptions.ReadTimeoutError(None, "/", "read timed out"), "update")[0] == "unknown"
    assert result_of_error(urllib3.exceptions.ProtocolError("reset"), "delete")[0] == "unknown"


def test_a_restore_keeps_writes_up_to_the_snapshot_and_loses_exactly_those_after() -> None:
    b = Builder()
    b.create(0, "a", "a1", at=(1, 2), rv=10)
    b.create(0, "b", "b1", at=(1, 2), rv=11)
    b.update(0, "a", "a2", expected=10, at=(3, 4), rv=20)  # after the snapshot at 15
    b.create(1, "c", "c1", at=(3, 4), rv=21)
    history = b.history
    resolution = committed.resolve(history)
    good = after_restore(history, resolution, ["a", "b", "c"], 15, {"a": Version("a1", 10), "b": Version("b1", 11)})
    assert good.holds, good.summary()
    assert [c.op.id for c in good.lost] == [2, 3] and "2 writes after it lost (#2, #3)" in good.summary()
    kept_later = after_restore(
        history, resolution, ["a", "b", "c"], 15, {"a": Version("a2", 20), "b": Version("b1", 11)}
    )
    assert not kept_later.holds and kept_later.wrong[0].startswith("a: 'a2', at the snapshot 'a1'")
    older = after_restore(history, resolution, ["a", "b", "c"], 15, {"a": Version("a1", 10)})
    assert not older.holds and older.wrong == ["b: 'absent', at the snapshot 'b1' (#1: #1 c0 create b=b1 → ok rv=11)"]


def test_two_deletes_of_one_version_the_acknowledged_one_took_it() -> None:
    """The DELETED event of the version matches both; the one acknowledged is the one that applied."""
    b = Builder()
    b.create(0, "k", "v1", at=(1, 2), rv=10)
    lost = b.delete(1, "k", expected=10, at=(3, None), result="unknown")
    b.delete(1, "k", expected=10, at=(9, 10))
    b.watcher(0, start_rv=5, end_rv=13, events=[("ADDED", "k", "v1", 10, 2.1), ("DELETED", "k", "v1", 13, 9.5)])
    found = committed.resolve(b.history)
    assert found.not_applied == {lost.id} and not found.applied


def test_a_tls_failure_the_client_wraps_says_what_it_was_and_stays_unknown() -> None:
    wrapped = ApiException(status=0, reason="SSLError\nEOF occurred in violation of protocol (_ssl.c:2427)")
    result, text = result_of_error(wrapped, "update")
    assert result == "unknown" and text == "SSLError: EOF occurred in violation of protocol (_ssl.c:2427)"
