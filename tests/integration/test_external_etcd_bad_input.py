"""An `ha-external` create that cannot go on says why in one line, exits non-zero and leaves no member container,
network or certificate folder behind; an interrupted one leaves nothing either."""

import signal
import subprocess

import pytest

from kindchaos.cluster.external_etcd import members, steps
from kindchaos.cluster.external_etcd.layout import OWNER_LABEL, SUBNET, EtcdLayout, state_root
from kindchaos.errors import ClusterError
from kindchaos.paths import bin_dir
from kindchaos.shell import output
from kindchaos.waiting import wait_for
from tests.integration.test_bad_input import CLI, containers_of, error_line, kindchaos

pytestmark = pytest.mark.integration


def leftovers(name: str) -> dict[str, object]:
    """What an external etcd of cluster ``name`` could leave: labelled containers and networks, its folder."""
    labelled = f"label={OWNER_LABEL}={name}"
    return {
        "containers": output(["docker", "ps", "-a", "--filter", labelled, "--format", "{{.Names}}"]).split(),
        "networks": output(["docker", "network", "ls", "--filter", labelled, "--format", "{{.Name}}"]).split(),
        "folder": (state_root() / name).exists(),
        "nodes": containers_of(name),
    }


NOTHING = {"containers": [], "networks": [], "folder": False, "nodes": []}


def test_a_member_name_in_use_is_refused_before_anything_is_made() -> None:
    name = "kc-ext-clash"
    squatter = f"{name}-etcd1"
    subprocess.run(["docker", "rm", "-f", squatter], capture_output=True, check=False)
    output(["docker", "run", "-d", "--pull=never", "--name", squatter, "docker.io/kindchaos/workload:v1"])
    try:
        proc = kindchaos("clusters", "create", "ha-external", "--name", name)
        assert proc.returncode != 0
        line = error_line(proc)
        assert f"a container named '{squatter}' already exists" in line and "clusters delete" in line, line
        assert {**leftovers(name), "nodes": []} == NOTHING
        assert output(["docker", "ps", "-a", "--filter", f"name=^{squatter}$", "--format", "{{.Names}}"]) == squatter
    finally:
        subprocess.run(["docker", "rm", "-f", squatter], capture_output=True, check=False)


def test_the_etcd_subnet_in_use_is_refused_before_anything_is_made() -> None:
    name, squatter = "kc-ext-subnet", "kc-subnet-squatter"
    subprocess.run(["docker", "network", "rm", squatter], capture_output=True, check=False)
    output(["docker", "network", "create", "--subnet", SUBNET, squatter])
    try:
        proc = kindchaos("clusters", "create", "ha-external", "--name", name)
        assert proc.returncode != 0
        line = error_line(proc)
        assert f"subnet {SUBNET}" in line and squatter in line, line
        assert leftovers(name) == NOTHING
    finally:
        subprocess.run(["docker", "network", "rm", squatter], capture_output=True, check=False)


def test_a_member_that_does_not_come_up_takes_everything_made_with_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """Sabotaged: every member gets a flag etcd refuses, so each exits at once; the bring-up names the member and
    its log, and removes the members, the network and the PKI."""
    name = "kc-ext-deadmember"
    layout = EtcdLayout.for_cluster(name)
    steps.remove(name)
    real = members.etcd_flags
    monkeypatch.setattr(members, "etcd_flags", lambda *a, **k: [*real(*a, **k), "--no-such-flag=1"])
    steps.check_free(layout)
    with pytest.raises(ClusterError) as refused:
        steps.bring_up(layout, [f"{name}-control-plane"])
    assert "is not running" in str(refused.value), refused.value
    assert "flag provided but not defined: -no-such-flag" in str(refused.value), refused.value
    assert leftovers(name) == NOTHING


def test_interrupted_ha_external_create_leaves_nothing() -> None:
    name = "kc-ext-int"
    proc = subprocess.Popen(
        [*CLI, "clusters", "create", "ha-external", "--name", name], stderr=subprocess.PIPE, text=True
    )
    try:
        wait_for(
            lambda: len(containers_of(name)) >= 4, within=180, interval=0.5, expected=f"{name}'s members and nodes"
        )
        made = containers_of(name)
        proc.send_signal(signal.SIGINT)
        _, stderr = proc.communicate(timeout=180)
        assert proc.returncode != 0
        assert "interrupted" in stderr
        assert any(c.startswith(f"{name}-etcd") for c in made) and any("control-plane" in c for c in made), made
        wait_for(lambda: leftovers(name) == NOTHING, within=60, expected=f"nothing of {name} left")
    finally:
        proc.kill()
        subprocess.run([str(bin_dir() / "kind"), "delete", "cluster", "--name", name], capture_output=True, check=False)
        steps.remove(name)
