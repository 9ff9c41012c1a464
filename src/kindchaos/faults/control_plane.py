"""Control-plane faults on kind's static pods: a real outage and a real crash.

Deleting a static pod's mirror pod through the API does nothing to the
process. An outage moves the manifest out of kubelet's static pod path (kubelet
stops the container) and back; a crash kills the container's process with
SIGKILL (kubelet starts a new container).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from kubernetes import client

from kindchaos.cluster.leftovers import MANIFESTS_DIR, PARKED_DIR
from kindchaos.cluster.lifecycle import Cluster
from kindchaos.cluster.nodes import crictl_container, crictl_inspect, http_status, output, run
from kindchaos.errors import UsageError
from kindchaos.expect.conditions import eventually, stays
from kindchaos.faults.base import Fault
from kindchaos.faults.expected import Expected, expect
from kindchaos.observe.timeline import Timeline

CURL_REFUSED = 7
# kubelet delays restarting a container that exited recently: 10 s doubling to 5 min, forgotten after
# 10 min. A static pod keeps its UID when its manifest returns, so earlier outages lengthen the wait.
BACKOFF_WITHIN = 330


@dataclass(frozen=True)
class Component:
    """A static-pod control-plane component and how to tell whether it is serving."""

    name: str
    health_url: str
    lease: str | None = None  # its leader-election lease in kube-system

    @property
    def manifest(self) -> str:
        return f"{self.name}.yaml"


COMPONENTS = {
    c.name: c
    for c in (
        Component("kube-apiserver", "https://127.0.0.1:6443/livez"),
        Component("kube-scheduler", "https://127.0.0.1:10259/livez", lease="kube-scheduler"),
        Component("kube-controller-manager", "https://127.0.0.1:10257/healthz", lease="kube-controller-manager"),
        Component("etcd", "http://127.0.0.1:2381/health"),
    )
}


def component_named(name: str) -> Component:
    """The control-plane component of that name; ``UsageError`` naming the known ones for any other."""
    found = COMPONENTS.get(name)
    if found is None:
        raise UsageError(f"unknown control-plane component {name!r}", hint=f"use one of {', '.join(COMPONENTS)}")
    return found


def health(node: str, component: Component) -> tuple[int, str]:
    """curl's exit code and the HTTP status of the component's health endpoint, from inside the node."""
    return http_status(node, component.health_url)


def check_serving(node: str, component: Component) -> None:
    code, status = health(node, component)
    assert code == 0 and status == "200", f"{component.health_url} answered curl exit {code}, HTTP {status}"


def check_refusing(node: str, component: Component) -> None:
    code, status = health(node, component)
    assert code == CURL_REFUSED, f"{component.health_url} did not refuse: curl exit {code}, HTTP {status}"


def running_container(node: str, component: Component) -> dict[str, Any] | None:
    found = crictl_container(node, component.name)
    return found[0] if found else None


def lease(cluster: Cluster, name: str) -> tuple[str | None, str | None]:
    """(holderIdentity, renewTime) of a kube-system lease."""
    found: Any = client.CoordinationV1Api(cluster.api).read_namespaced_lease(name, "kube-system", _request_timeout=5)
    renew = found.spec.renew_time
    return found.spec.holder_identity, renew.isoformat() if renew else None


def holder_node(holder: str | None) -> str:
    """The node of a leader-election identity (``<node>_<uuid>``)."""
    return (holder or "").partition("_")[0]


def _checked_target(cluster: Cluster, node: str | None) -> str:
    target = node or cluster.control_planes[0]
    if target not in cluster.control_planes:
        raise UsageError(
            f"{target!r} is not a control-plane node of {cluster.name!r}", hint=f"use one of {cluster.control_planes}"
        )
    return target


class ComponentFault(Fault):
    """A fault on one control-plane component on one control-plane node (the first by default)."""

    default_within = 60.0

    def __init__(
        self,
        cluster: Cluster,
        component: str,
        *,
        node: str | None = None,
        timeline: Timeline | None = None,
        within: float | None = None,
    ) -> None:
        super().__init__(timeline=timeline)
        self.cluster = cluster
        self.component = component_named(component)
        self.node = _checked_target(cluster, node)
        self.within = self.default_within if within is None else within

    def triage_expects(self) -> Expected:
        if self.component.name != "etcd":
            return expect(self.component.name, self.node)
        if len(self.cluster.control_planes) == 1:  # the only member: the cluster's etcd is gone
            return expect("etcd-member", self.node, ("etcd-quorum", ""))
        return expect("etcd-member", self.node)


class ComponentDown(ComponentFault):
    """A control-plane component stopped by kubelet because its manifest was moved away."""

    container_before: str | None = None
    holder_before: str | None = None

    @property
    def title(self) -> str:
        return f"outage of {self.component.name} on {self.node!r}"

    @property
    def _parked(self) -> str:
        return f"{PARKED_DIR}/{self.component.manifest}"

    def inject(self) -> None:
        before = running_container(self.node, self.component)
        self.container_before = before["id"] if before else None
        if self.component.lease:
            self.holder_before = lease(self.cluster, self.component.lease)[0]
        output(self.node, "mkdir", "-p", PARKED_DIR)
        output(self.node, "mv", f"{MANIFESTS_DIR}/{self.component.manifest}", self._parked)

    def prove(self) -> None:
        eventually(
            lambda: running_container(self.node, self.component) is None,
            within=self.within,
            expected=f"no running {self.component.name} container in crictl ps on {self.node}",
        )
        self.observed(f"crictl ps on {self.node}: no running {self.component.name} container")
        eventually(
            lambda: check_refusing(self.node, self.component),
            within=self.within,
            expected=f"{self.component.health_url} refusing connections",
        )
        self.observed(f"{self.component.health_url} refuses connections")
        if self.component.lease and holder_node(self.holder_before) == self.node:
            self._prove_lease_not_renewed(self.component.lease)

    def _prove_lease_not_renewed(self, name: str) -> None:
        renewed = lease(self.cluster, name)[1]

        def not_renewed_by_us() -> None:
            now_holder, now_renewed = lease(self.cluster, name)
            assert now_holder != self.holder_before or now_renewed == renewed, (
                f"lease {name} renewed by {now_holder} at {now_renewed}"
            )

        stays(not_renewed_by_us, during=6, interval=1, expected=f"lease {name} not renewed by {self.holder_before}")
        self.observed(f"lease {name}: not renewed by {self.holder_before} for 6s (last renew {renewed})")

    def restore(self) -> None:
        if run(self.node, "test", "-f", self._parked).code == 0:
            output(self.node, "mv", self._parked, f"{MANIFESTS_DIR}/{self.component.manifest}")

    def prove_restored(self) -> None:
        def new_container_running() -> str:
            found = running_container(self.node, self.component)
            assert found is not None, f"no running {self.component.name} container yet"
            assert found["id"] != self.container_before, "still the container from before the outage"
            return str(found["id"])

        back = eventually(
            new_container_running, within=BACKOFF_WITHIN, expected=f"a new {self.component.name} container"
        )
        # The container's own start time, not when the poll saw it: bindings can follow within the poll interval.
        started = datetime.fromisoformat(crictl_inspect(self.node, str(back.value))["status"]["startedAt"]).timestamp()
        returned = time.monotonic() - (time.time() - started)
        self._mark("returned", at=returned, container=self.component.name)
        self.figures["container_back_after_s"] = returned - (self.at("restore") or returned)
        eventually(
            lambda: check_serving(self.node, self.component),
            within=self.within * 2,
            expected=f"{self.component.health_url} answering 200",
        )
        self.observed(f"new {self.component.name} container running and {self.component.health_url} answers 200")
        if self.component.lease:
            name = self.component.lease
            first: list[str | None] = []

            def renewed() -> None:
                renew = lease(self.cluster, name)[1]
                if not first:
                    first.append(renew)
                assert renew != first[0], f"lease {name} last renewed at {renew}"

            eventually(
                renewed,
                within=self.within,
                expected=f"lease {name} renewed again",
                retry_on=(Exception,),
            )
            self.observed(f"lease {name} renewing again")


class ComponentCrashed(ComponentFault):
    """A control-plane component's process killed with SIGKILL; kubelet starts a new container.

    Proven by the old container's exit code, 137 (128 + SIGKILL): a process that exited on its own, or on
    another signal, is not this crash. Restored when a new container, started after the crash, serves its
    health endpoint. The wait for it allows for kubelet's restart back-off (see ``BACKOFF_WITHIN``).
    """

    default_within = float(BACKOFF_WITHIN)
    signal = "KILL"
    expected_exit_code = 137

    def __init__(self, cluster: Cluster, component: str, **options: Any) -> None:
        super().__init__(cluster, component, **options)
        self.killed: dict[str, Any] = {}
        self.replacement: dict[str, Any] = {}

    @property
    def title(self) -> str:
        return f"crash of {self.component.name} on {self.node!r}"

    def inject(self) -> None:
        found = running_container(self.node, self.component)
        if found is None:
            raise AssertionError(f"no running {self.component.name} container on {self.node} to crash")
        info = crictl_inspect(self.node, found["id"])
        self.killed = {"id": found["id"], "started": info["status"]["startedAt"], "pid": info["info"]["pid"]}
        output(self.node, "kill", f"-{self.signal}", str(int(self.killed["pid"])))

    def prove(self) -> None:
        def exited() -> None:
            state = crictl_inspect(self.node, self.killed["id"])["status"]
            assert state["state"] == "CONTAINER_EXITED", f"container {self.killed['id'][:12]} is {state['state']}"
            self.killed["exit_code"] = state.get("exitCode")

        eventually(exited, within=30, interval=0.5, expected=f"{self.component.name} container exited")
        code = self.killed["exit_code"]
        assert code == self.expected_exit_code, (
            f"container {self.killed['id'][:13]} exited with code {code}, not {self.expected_exit_code} (SIGKILL)"
        )
        self.observed(f"container {self.killed['id'][:13]} (pid {self.killed['pid']}) exited with code {code}")

    def restore(self) -> None:
        """Nothing to undo: kubelet restarts the container; prove_restored waits for it."""

    def prove_restored(self) -> None:
        def replaced() -> dict[str, Any]:
            found = running_container(self.node, self.component)
            assert found is not None, f"no running {self.component.name} container yet"
            assert found["id"] != self.killed.get("id"), "the killed container is still the newest"
            started = crictl_inspect(self.node, found["id"])["status"]["startedAt"]
            assert datetime.fromisoformat(started) > datetime.fromisoformat(self.killed["started"]), (
                f"started at {started}, not after the crash"
            )
            return {"id": found["id"], "started": started}

        new = eventually(replaced, within=self.within, interval=0.5, expected=f"a new {self.component.name} container")
        eventually(
            lambda: check_serving(self.node, self.component),
            within=self.within,
            expected="health endpoint answering 200",
        )
        self.replacement = dict(new.value)  # type: ignore[call-overload]
        self.observed(f"new container {json.dumps(new.value)} serving")
