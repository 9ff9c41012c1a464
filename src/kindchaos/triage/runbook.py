"""The step that fixes each broken part: the operator's command, and the project code that runs the same step
(the health gate's or a scenario's restore), so a reader can see it done."""

from __future__ import annotations

FIXES: dict[str, str] = {
    "certificate-expired": (
        "renew on every control plane: `kubeadm certs renew all`, restart the four static pods (move their "
        "manifests out and back), then take admin.conf again (kindchaos.cluster.kubeadm_certs, "
        "lifecycle.refresh_kubeconfig)"
    ),
    "etcd-quorum": (
        "start the lost members with their data; if a majority's data is gone, restore every member from one "
        "snapshot (`etcdutl snapshot restore`: kindchaos.cluster.etcd_runbook.restore_all, "
        "external_etcd.runbook.restore_all)"
    ),
    "etcd-nospace": (
        "free space and lift the alarm: `etcdctl compact <rev>`, `etcdctl defrag`, `etcdctl alarm disarm` "
        "(the health gate's _heal_etcd_alarms)"
    ),
    "etcd-member": (
        "start the member again if its data is intact (its manifest or container back); if its data is gone, "
        "replace it: `etcdctl member remove`, `member add`, start on an empty data dir "
        "(kindchaos.cluster.etcd_runbook.replace_member, external_etcd.runbook.replace_member)"
    ),
    "node-stopped": "power the machine on (kind: `docker start <node>`; the health gate's _heal_containers)",
    "node-frozen": "thaw the machine (kind: `docker unpause <node>`; the health gate's _heal_containers)",
    "node-unresponsive": "reach the machine's console; reboot it if it does not answer",
    "containerd": "`systemctl start containerd` on the node (the health gate's _heal_inside)",
    "kubelet": "`systemctl start kubelet` on the node; read `journalctl -u kubelet` (the health gate's _heal_inside)",
    "kube-apiserver": (
        "put /etc/kubernetes/manifests/kube-apiserver.yaml back if it is missing (kubelet starts it), else read "
        "`crictl logs` of its last container (kindchaos.faults.control_plane restores it this way)"
    ),
    "kube-scheduler": (
        "put /etc/kubernetes/manifests/kube-scheduler.yaml back if it is missing, else read `crictl logs` of its "
        "last container; kubelet restarts a crashed one"
    ),
    "kube-controller-manager": (
        "put /etc/kubernetes/manifests/kube-controller-manager.yaml back if it is missing, else read `crictl logs` "
        "of its last container; kubelet restarts a crashed one"
    ),
    "kube-proxy": (
        "continue a stopped process (`kill -CONT <pid>`), else delete its pod on the node so its DaemonSet makes "
        "a new one"
    ),
    "node-unreachable": (
        "restore the node's network path to the API server (firewall rules, routes, security groups; "
        "kindchaos.cluster.partition.heal removes the chain the fault added)"
    ),
    "node-not-ready": "read kubelet's log on the node (`journalctl -u kubelet`) and its conditions",
    "node-cordoned": "`kubectl uncordon <node>` once its maintenance is over",
    "coredns": "`kubectl -n kube-system scale deployment coredns --replicas=2` (the health gate restores it)",
    "admission-webhook": (
        "bring the webhook's backend back (scale its deployment up); in an emergency delete the configuration "
        "or set failurePolicy: Ignore"
    ),
    "api-overload": (
        "find the flow schema of the flood (`kubectl get flowschemas`), stop that client or give it a Limited "
        "priority level of its own"
    ),
    "api-unreachable": "check the kubeconfig's server address and that the control plane machines are up",
    "leader-lost": "read the component's logs on every control plane; one of them must renew the lease",
    "kube-system-pod": "`kubectl -n kube-system describe pod <pod>` and its logs",
}


def fix_for(part: str) -> str:
    return FIXES.get(part, "inspect the evidence lines")
