"""etcd as the apiservers reach it: from a control-plane node, with the apiserver's own etcd client
certificate, every member's ``/health``, ``status`` and the alarm list, over etcd's JSON gateway (the same
for stacked and external members). An external member's container state is read from this host."""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from typing import Any

import yaml

from kindchaos.cluster.nodes import run
from kindchaos.triage.facts import Etcd, EtcdMember
from kindchaos.triage.sources.machines import docker_state

APISERVER_MANIFEST = "/etc/kubernetes/manifests/kube-apiserver.yaml"
# kubeadm's stacked layout, used when a node's apiserver manifest is not in place to read the real ones.
STACKED = {
    "etcd-servers": "https://127.0.0.1:2379",
    "etcd-cafile": "/etc/kubernetes/pki/etcd/ca.crt",
    "etcd-certfile": "/etc/kubernetes/pki/apiserver-etcd-client.crt",
    "etcd-keyfile": "/etc/kubernetes/pki/apiserver-etcd-client.key",
}
CURL_S = 3
TLS_REFUSED = "TLS refused"  # how a reason starts when the member's certificate (or ours) was not accepted
CURL_ERRORS = {
    7: "connection refused (curl exit 7)",
    28: "no answer within the time limit (curl exit 28)",
    35: f"{TLS_REFUSED}: handshake failed (curl exit 35)",
    58: f"{TLS_REFUSED}: our client certificate was not accepted (curl exit 58)",
    60: f"{TLS_REFUSED}: the member's certificate did not verify, expired or not signed by the CA (curl exit 60)",
}


@dataclass(frozen=True)
class Client:
    """How one control-plane node reaches etcd: the endpoints and TLS files its apiserver uses."""

    node: str
    servers: tuple[str, ...]
    tls: tuple[str, ...]

    def call(self, url: str, body: dict[str, Any] | None = None) -> tuple[int | None, Any]:
        """(HTTP status or None, parsed JSON or the error text) of one gateway call from the node."""
        argv = ["curl", "-s", "-m", str(CURL_S), *self.tls, "-w", "\n%{http_code}"]
        if body is not None:
            argv += ["-X", "POST", "-d", json.dumps(body)]
        try:
            ran = run(self.node, *argv, url, timeout=CURL_S + 3)
        except subprocess.TimeoutExpired:
            return None, f"no answer within {CURL_S + 3} s"
        text, _, code = ran.stdout.rpartition("\n")
        if ran.code != 0 or not code.isdigit() or code == "000":
            return None, CURL_ERRORS.get(ran.code, f"curl exit {ran.code}")
        try:
            return int(code), json.loads(text)
        except ValueError:
            return int(code), text.strip()[:200]


def _flags(manifest: str) -> dict[str, str]:
    document = yaml.safe_load(manifest) or {}
    command = document["spec"]["containers"][0].get("command", [])
    flags = {}
    for word in command:
        name, _, value = str(word).removeprefix("--").partition("=")
        flags[name] = value
    return flags


def client_on(node: str) -> Client:
    ran = run(node, "cat", APISERVER_MANIFEST, timeout=5)
    flags = {**STACKED, **(_flags(ran.stdout) if ran.code == 0 else {})}
    tls = ("--cacert", flags["etcd-cafile"], "--cert", flags["etcd-certfile"], "--key", flags["etcd-keyfile"])
    return Client(node, tuple(flags["etcd-servers"].split(",")), tls)


def _member_list(clients: list[Client]) -> tuple[Client | None, list[dict[str, Any]]]:
    for client in clients:
        for server in client.servers:
            status, answer = client.call(f"{server}/v3/cluster/member/list", {})
            if status == 200 and isinstance(answer, dict) and answer.get("members"):
                return client, list(answer["members"])
    return None, []


def _member(client: Client, name: str, url: str) -> tuple[EtcdMember, str]:
    """The member's health and status; also its ID as status reports it."""
    status, health = client.call(f"{url}/health")
    if status is None:
        return EtcdMember(name, url, False, str(health)), ""
    healthy = isinstance(health, dict) and str(health.get("health")) == "true"
    reason = str(health.get("reason") or "") if isinstance(health, dict) else str(health)
    code, answer = client.call(f"{url}/v3/maintenance/status", {})
    if code != 200 or not isinstance(answer, dict):
        return EtcdMember(name, url, healthy, reason or f"status: {answer}"), ""
    member_id = str(answer.get("header", {}).get("member_id", ""))
    leader = bool(member_id) and str(answer.get("leader", "")) == member_id
    size = answer.get("dbSize")
    return EtcdMember(name, url, healthy, reason, leader, int(size) if size is not None else None), member_id


def _alarms(client: Client, urls: list[str], names: dict[str, str]) -> list[str]:
    for url in urls:
        status, answer = client.call(f"{url}/v3/maintenance/alarm", {"action": "GET"})
        if status == 200 and isinstance(answer, dict):
            return [
                f"{a.get('alarm', '?')} on {names.get(str(a.get('memberID', '')), a.get('memberID', '?'))}"
                for a in answer.get("alarms") or []
            ]
    return []


def look(control_planes: list[str], containers: tuple[str, ...]) -> Etcd:
    """etcd's members, health, leader and alarms, asked from the first control plane that reaches one."""
    found = Etcd(containers={name: docker_state(name) for name in containers})
    clients = [client_on(node) for node in control_planes if docker_state(node) == "running"]
    client, members = _member_list(clients)
    if client is None:
        # No member answered a member list from any control plane: each endpoint the apiservers use, once.
        answered: dict[str, EtcdMember] = {}
        for each in clients:
            for server in each.servers:
                label = each.node if "127.0.0.1" in server else server
                if label in answered:
                    continue
                status, health = each.call(f"{server}/health")
                healthy = isinstance(health, dict) and str(health.get("health")) == "true"
                detail = str(health.get("reason", "")) if isinstance(health, dict) else str(health)
                answered[label] = EtcdMember(label, server, status == 200 and healthy, detail)
        found.members.extend(answered.values())
        found.asked_from = ", ".join(c.node for c in clients) or "(no control plane running)"
        return found
    found.asked_from, found.listed = client.node, True
    ids = {}
    urls = []
    for member in members:
        name = member.get("name") or str(member.get("ID"))
        url = next(iter(member.get("clientURLs") or []), "")
        if not url:  # added but never started
            found.members.append(EtcdMember(name, "", False, "no client URL: the member never started"))
            continue
        seen, member_id = _member(client, name, url)
        found.members.append(seen)
        ids[str(member.get("ID"))] = name
        urls.append(url)
        if member_id:
            ids[member_id] = name
    found.alarms = _alarms(client, urls, ids)
    return found
