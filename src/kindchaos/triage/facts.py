"""What triage saw, source by source: plain data the diagnosis reads and the report prints.

Every field is optional in spirit: a source that could not look leaves its part empty and says why in
``Facts.unseen``, so a diagnosis never mistakes "could not see" for "healthy".
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Endpoint:
    """One HTTP health answer: the status code (None: no answer) and what came back or went wrong."""

    url: str
    status: int | None
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.status == 200


@dataclass(frozen=True)
class NodeInfo:
    name: str
    ready: str  # "True", "False", "Unknown"
    reason: str = ""
    since_s: float | None = None  # how long the Ready condition has had this value
    lease_age_s: float | None = None
    unschedulable: bool = False
    pressure: tuple[str, ...] = ()  # conditions other than Ready that are True (DiskPressure, ...)
    control_plane: bool = False


@dataclass(frozen=True)
class PodInfo:
    name: str
    node: str
    component: str  # the component or k8s-app label, else the pod name
    phase: str
    ready: bool
    restarts: int
    waiting: str = ""  # the reason of a waiting container (CrashLoopBackOff, ...)
    last_exit: int | None = None  # the last terminated container's exit code
    last_exit_age_s: float | None = None


@dataclass(frozen=True)
class LeaderLease:
    component: str
    holder: str
    age_s: float | None
    duration_s: float


@dataclass(frozen=True)
class Webhook:
    configuration: str
    name: str
    failure_policy: str
    service: str  # namespace/name, or "" for a URL webhook
    ready_endpoints: int | None  # None: not a service webhook, or could not look


@dataclass(frozen=True)
class Deployment:
    name: str
    desired: int
    available: int


@dataclass(frozen=True)
class FlowSample:
    """Flow control over one measured window: requests dispatched and rejected per flow schema."""

    window_s: float
    dispatched: dict[str, float]
    rejected: dict[str, float]

    def rate(self, flow_schema: str) -> float:
        return self.dispatched.get(flow_schema, 0.0) / self.window_s if self.window_s else 0.0


@dataclass(frozen=True)
class Certificate:
    """The serving certificate an apiserver presented, and the kubeconfig's own client certificate."""

    where: str
    not_after: float  # epoch seconds
    now: float

    @property
    def expired(self) -> bool:
        return self.not_after <= self.now


@dataclass(frozen=True)
class Container:
    name: str
    state: str  # running, exited, created, unknown
    attempt: int = 0
    age_s: float | None = None


@dataclass
class Machine:
    """A node seen from its own host (kind: the container and ``docker exec`` into it)."""

    name: str
    state: str  # running, paused, exited, ... (docker's State.Status)
    units: dict[str, str] = field(default_factory=dict)  # kubelet, containerd -> systemctl is-active
    manifests: tuple[str, ...] = ()
    containers: dict[str, Container] = field(default_factory=dict)  # newest container per name
    runtime_error: str = ""  # crictl could not answer
    stopped_processes: tuple[str, ...] = ()  # processes in state T (SIGSTOP)
    health: dict[str, Endpoint] = field(default_factory=dict)  # component -> its health endpoint, from the node
    reaches_api: Endpoint | None = None  # the API server the node's kubelet uses, from the node
    logs: dict[str, str] = field(default_factory=dict)  # component -> its last log lines
    error: str = ""


@dataclass(frozen=True)
class EtcdMember:
    name: str
    client_url: str
    healthy: bool | None  # None: not asked
    reason: str = ""
    leader: bool = False
    db_size: int | None = None


@dataclass
class Etcd:
    members: list[EtcdMember] = field(default_factory=list)
    alarms: list[str] = field(default_factory=list)  # "NOSPACE on <member>"
    asked_from: str = ""
    listed: bool = False  # a member answered the member list (which needs quorum)
    containers: dict[str, str] = field(default_factory=dict)  # an external member's container -> docker state


@dataclass
class Facts:
    """Everything one triage run gathered."""

    api_server: str = ""
    api: Endpoint | None = None  # /livez through the kubeconfig's server
    readyz: Endpoint | None = None  # /readyz?verbose through the kubeconfig's server
    apiservers: dict[str, Endpoint] = field(default_factory=dict)  # each apiserver's /livez, directly
    certificates: list[Certificate] = field(default_factory=list)
    client_error: str = ""  # why an authenticated request failed, when it did
    nodes: list[NodeInfo] = field(default_factory=list)
    pods: list[PodInfo] = field(default_factory=list)
    component_statuses: list[str] = field(default_factory=list)
    events: list[str] = field(default_factory=list)
    leases: list[LeaderLease] = field(default_factory=list)
    deployments: list[Deployment] = field(default_factory=list)
    webhooks: list[Webhook] = field(default_factory=list)
    flow: FlowSample | None = None
    machines: dict[str, Machine] = field(default_factory=dict)
    etcd: Etcd | None = None
    unseen: dict[str, str] = field(default_factory=dict)  # source -> why it could not look
    seconds: dict[str, float] = field(default_factory=dict)  # source -> how long it took
