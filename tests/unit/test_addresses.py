"""The node-address lock: a stopped node's process holds it, another process waits for it (or gives up with a
one-line error naming what to do), and a holder may take it again (its own node started, its own cluster made)."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from kindchaos.cluster import addresses
from kindchaos.errors import ClusterError

HOLDER = """
import sys
from kindchaos.cluster import addresses
addresses.hold("a node stopped in another process")
print("held", flush=True)
sys.stdin.readline()
addresses.release()
print("released", flush=True)
"""


@pytest.fixture(autouse=True)
def own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("KINDCHAOS_CACHE", str(tmp_path))
    addresses._lock.cache_clear()
    yield
    addresses._lock.cache_clear()


@pytest.fixture
def other_process() -> Iterator[subprocess.Popen[str]]:
    holder = subprocess.Popen([sys.executable, "-c", HOLDER], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    yield holder
    holder.kill()
    holder.wait(timeout=10)


def let_go(holder: subprocess.Popen[str]) -> None:
    assert holder.stdin is not None and holder.stdout is not None
    holder.stdin.write("\n")
    holder.stdin.flush()
    assert holder.stdout.readline().strip() == "released"


def test_a_free_lock_is_taken_at_once() -> None:
    assert addresses.hold("stopping a node") == 0.0
    addresses.release()


def test_a_holder_may_take_it_again() -> None:
    addresses.hold("stopping a node")
    with addresses.kept("starting that node") as waited:
        assert waited == 0.0
    addresses.release()
    assert not addresses._lock().is_locked


def test_another_process_waits_until_the_holder_lets_go(other_process: subprocess.Popen[str]) -> None:
    waited: list[float] = []
    taker = threading.Thread(target=lambda: waited.append(addresses.hold("creating a cluster")))
    taker.start()
    taker.join(timeout=1.0)
    assert taker.is_alive(), "the lock was taken while the other process held it"
    let_go(other_process)
    taker.join(timeout=30)
    assert not taker.is_alive() and waited and waited[0] > 0, waited
    addresses.release()


def test_a_lock_held_too_long_is_one_line_naming_what_to_do(
    other_process: subprocess.Popen[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(addresses, "HELD_UP_TO_S", 0.3)
    with pytest.raises(ClusterError) as raised:
        addresses.hold("creating a cluster")
    assert "held by another process" in str(raised.value)
    assert "docker ps -a" in (raised.value.hint or "")
