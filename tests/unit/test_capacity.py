"""The machine's capacity, shared by every process: what fits, what waits, what is refused, and that a process
that went away frees its room."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kindchaos.cluster import pool as pool_module
from kindchaos.cluster.capacity import MachineCapacity, weight
from kindchaos.cluster.pool import ClusterOptions
from kindchaos.errors import UsageError


def capacity(tmp_path: Path, limit: int = 2) -> MachineCapacity:
    return MachineCapacity(limit, ledger=tmp_path / "capacity.json")


def test_weights_follow_the_control_planes() -> None:
    assert (weight("single"), weight("ha"), weight("ha-external")) == (1, 2, 2)


def test_two_singles_fit_a_two_core_machine_and_a_third_does_not(tmp_path: Path) -> None:
    machine = capacity(tmp_path)
    assert machine.try_take("kc-gw0-single", "single")
    assert machine.try_take("kc-gw1-single", "single")
    assert not machine.try_take("kc-gw2-single", "single")
    assert not machine.try_take("kc-gw2-ha", "ha")
    machine.give_back("kc-gw0-single")
    assert not machine.try_take("kc-gw2-ha", "ha")  # one single still holds 1 of 2
    machine.give_back("kc-gw1-single")
    assert machine.try_take("kc-gw2-ha", "ha")


def test_a_cluster_a_child_process_shares_counts_once(tmp_path: Path) -> None:
    machine = capacity(tmp_path)
    assert machine.try_take("kc-ha", "ha")
    ledger = json.loads(machine.ledger.read_text())
    ledger.append({**ledger[0], "pid": os.getppid()})  # the same cluster, held by a live parent too
    machine.ledger.write_text(json.dumps(ledger))
    assert machine.try_take("kc-ha", "ha")
    machine.give_back("kc-ha")
    assert [entry["pid"] for entry in json.loads(machine.ledger.read_text())] == [os.getppid()]


def test_room_held_by_a_process_that_went_away_is_free(tmp_path: Path) -> None:
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    entry = {"cluster": "kc-ha", "topology": "ha", "weight": 2, "pid": int(gone.stdout)}
    (tmp_path / "capacity.json").write_text(json.dumps([entry]))
    assert capacity(tmp_path).try_take("kc-single", "single")


def test_one_external_etcd_per_machine_whatever_the_capacity(tmp_path: Path) -> None:
    machine = capacity(tmp_path, limit=8)
    assert machine.try_take("kc-gw0-ha-external", "ha-external")
    assert not machine.try_take("kc-gw1-ha-external", "ha-external")
    assert machine.try_take("kc-gw1-ha", "ha")


def test_a_cluster_larger_than_the_machine_is_refused_with_the_fix(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"takes 2 of the machine's capacity, set to 1 .*--kindchaos-capacity=2"):
        capacity(tmp_path, limit=1).try_take("kc-ha", "ha")


def test_waiting_past_the_deadline_says_who_holds_the_room(tmp_path: Path) -> None:
    machine = capacity(tmp_path)
    machine.try_take("kc-gw0-ha", "ha")
    other = MachineCapacity(2, ledger=machine.ledger)
    ledger = json.loads(machine.ledger.read_text())
    ledger[0]["pid"] = os.getppid()  # held by another live process, not this one
    machine.ledger.write_text(json.dumps(ledger))
    with pytest.raises(UsageError, match=r"no room for kc-gw1-single within 0s: 2 of 2 in use by kc-gw0-ha \(2\)"):
        other.take("kc-gw1-single", "single", within=0.1)


def test_worker_clusters_have_names_that_cannot_clash() -> None:
    def options(prefix: str | None, worker: str | None) -> ClusterOptions:
        return ClusterOptions(prefix, None, Path(".pytest-kind"), None, None, keep=False, worker=worker)

    assert options(None, None).name("single") is None  # the topology's own default name
    assert options(None, "gw1").name("single") == "kindchaos-gw1-single"
    assert options("ci", "gw0").name("ha") == "ci-gw0-ha"
    assert options("ci", None).name("ha") == "ci-ha"


class FakeCluster:
    def __init__(self, name: str) -> None:
        self.name = name
        self.deleted = False

    def delete(self) -> None:
        self.deleted = True


def fake_pool(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *, fail: bool = False) -> pool_module.ClusterPool:
    def create(topology: object, *, name: str, **_: object) -> FakeCluster:
        if fail:
            raise RuntimeError("kind create failed")
        return FakeCluster(name)

    monkeypatch.setattr(pool_module, "create_or_reuse", create)
    monkeypatch.setattr(pool_module, "heal", lambda cluster: pool_module.HealthReport())
    options = ClusterOptions(None, None, tmp_path, None, None, keep=False, worker="gw0", capacity=capacity(tmp_path))
    return pool_module.ClusterPool(options)


def test_a_pool_closes_its_own_cluster_when_the_next_would_not_fit_beside_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pool = fake_pool(tmp_path, monkeypatch)
    single = pool.get("single")
    assert [held.cluster for held in pool.options.capacity.held()] == ["kindchaos-gw0-single"]
    pool.get("ha")
    assert single.deleted
    assert [held.cluster for held in pool.options.capacity.held()] == ["kindchaos-gw0-ha"]
    pool.close()
    assert pool.options.capacity.held() == []


def test_a_failed_create_gives_its_room_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pool = fake_pool(tmp_path, monkeypatch, fail=True)
    with pytest.raises(RuntimeError, match="kind create failed"):
        pool.get("ha")
    assert pool.options.capacity.held() == []
