"""The pytest plugin: options, markers, the hooks, and the cluster, ``chaos`` and workload fixtures.

pytest-kind-ng already registers --cluster-name, --keep-cluster, --kind-image,
--kind-bin and --kind-kubectl-bin, and allure-pytest registers --alluredir;
they are reused with the same meaning. Only what is new goes into the
``kindchaos`` group, each option with an ini twin. What the hooks do with an
item lives in ``evidence.items``; the clusters live in ``cluster.pool``.
"""

from __future__ import annotations

import sys
import time
import uuid
from collections.abc import Callable, Generator, Iterator
from pathlib import Path
from typing import TypeVar

import pytest

from kindchaos import progress, signals, workers
from kindchaos.cluster.capacity import DEFAULT_CAPACITY, MachineCapacity
from kindchaos.cluster.health import HealthReport
from kindchaos.cluster.lifecycle import Cluster
from kindchaos.cluster.node_access import Unsupported, access_for
from kindchaos.cluster.pool import CannotRunHere, ClusterOptions, ClusterPool, Clusters
from kindchaos.cluster.target_pool import TargetPool
from kindchaos.cluster.topology import CNIS
from kindchaos.cluster.workload import Workload
from kindchaos.errors import ClaimViolated, KindChaosError, ObserverStopped
from kindchaos.evidence import attach, findings, report_files
from kindchaos.evidence.findings import Finding
from kindchaos.evidence.items import (
    claim_of,
    components_of,
    marker_arg,
    outcome_of,
    report_key,
    unfinished_findings,
    unselected_findings,
)
from kindchaos.evidence.scenario import ChaosRun
from kindchaos.expect.budget import budget_scale, set_budget_scale
from kindchaos.images.pins import DEFAULT_REFS, DEFAULT_VERSIONS
from kindchaos.questions import question_text

T = TypeVar("T")
DEFAULT_PYTEST_KIND_NAME = "pytest-kind"
MARKERS = (
    "integration: needs Docker and a real kind cluster",
    "topology(name): the cluster topology a test runs on (single, ha or ha-external)",
    "disruptive: breaks part of a cluster (a fault is injected)",
    "slow: takes more than a minute on the reference machine",
    "question(id): the interview question a scenario answers (select with -m \"question(id='etcd-failure')\")",
    "component(name): a component a scenario breaks or checks (select with -m \"component(name='etcd')\")",
    "cni(name): the pod network a scenario needs (calico); in a session of another CNI it is skipped, naming the "
    "option that selects it (select with -m \"cni(name='calico')\")",
    "fresh_cluster(image, purpose): the scenario changes its cluster for good (an upgrade): a new cluster of its "
    "topology is made from image for it alone, and deleted after it unless --keep-cluster",
)
TOPOLOGY_ORDER = {None: 0, "single": 1, "ha": 2, "ha-external": 3}
FRESH_CLUSTER_ORDER = 10  # after every shared cluster: creating one closes the shared ones

findings_key = pytest.StashKey[list[Finding]]()
run_started_key = pytest.StashKey[float]()
deselected_key = pytest.StashKey[list[pytest.Item]]()
sigterm_key = pytest.StashKey[signals.Handler]()
target_key = pytest.StashKey[TargetPool | None]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("kindchaos")
    group.addoption(
        "--kindchaos-workdir",
        default=None,
        help="where cluster kubeconfigs and kind configs are kept (default: .pytest-kind)",
    )
    parser.addini("kindchaos_workdir", "default for --kindchaos-workdir", default=".pytest-kind")
    group.addoption(
        "--budget-scale",
        default=None,
        help="multiply every recovery budget by this factor on slow machines (default: 1)",
    )
    parser.addini("budget_scale", "default for --budget-scale", default="1")
    group.addoption(
        "--findings",
        default=None,
        help="where each scenario's claim and figures are merged (default: reports/findings.json)",
    )
    parser.addini("kindchaos_findings", "default for --findings", default="reports/findings.json")
    parser.addini(
        "kindchaos_alluredir",
        "allure-pytest's --alluredir for a session that runs scenarios and names none (other sessions write none)",
        default="reports/allure-results",
    )
    parser.addini("kindchaos_scenarios", "the folder of the scenario catalogue", default="scenarios")
    group.addoption(
        "--kindchaos-triage",
        default=None,
        choices=("on", "off"),
        help="run `kindchaos triage` once each fault is proven and attach its diagnosis (default: on)",
    )
    parser.addini("kindchaos_triage", "default for --kindchaos-triage", default="on")
    group.addoption(
        "--kindchaos-capacity",
        default=None,
        help=f"clusters this machine holds at once, in units (single 1, ha 2; default {DEFAULT_CAPACITY}); "
        "shared by every pytest process and xdist worker on it",
    )
    parser.addini("kindchaos_capacity", "default for --kindchaos-capacity", default=str(DEFAULT_CAPACITY))
    group.addoption(
        "--kindchaos-target",
        default=None,
        help="run the scenarios on a cluster you already have, described in this file (kubeconfig, node access); "
        "it is healed between scenarios but never deleted or recreated",
    )
    parser.addini("kindchaos_target", "default for --kindchaos-target", default="")
    group.addoption(
        "--kindchaos-cni",
        default=None,
        choices=CNIS,
        help="the pod network of every cluster the session makes: the project's netd (default) or Calico "
        "(VXLAN, the seed's IPPool; clusters named kindchaos-<topology>-calico)",
    )
    parser.addini("kindchaos_cni", "default for --kindchaos-cni", default="netd")


def capacity_option(config: pytest.Config) -> int:
    raw = config.getoption("kindchaos_capacity") or config.getini("kindchaos_capacity")
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value < 1:
        raise pytest.UsageError(
            f"--kindchaos-capacity must be a whole number of 1 or more, got {raw!r} (fix: --kindchaos-capacity=2)"
        )
    return value


def cni_option(config: pytest.Config) -> str:
    raw = str(config.getoption("kindchaos_cni") or config.getini("kindchaos_cni"))
    if raw not in CNIS:
        raise pytest.UsageError(
            f"kindchaos_cni must be one of {', '.join(CNIS)}, got {raw!r} (fix: kindchaos_cni = netd)"
        )
    return raw


def triage_option(config: pytest.Config) -> bool:
    raw = str(config.getoption("kindchaos_triage") or config.getini("kindchaos_triage"))
    if raw not in ("on", "off"):
        raise pytest.UsageError(f"kindchaos_triage must be on or off, got {raw!r} (fix: kindchaos_triage = on)")
    return raw == "on"


def target_option(config: pytest.Config) -> Path | None:
    raw = config.getoption("kindchaos_target") or config.getini("kindchaos_target")
    return Path(str(raw)) if raw else None


def open_target(config: pytest.Config) -> TargetPool | None:
    """The user's cluster, checked before any scenario runs: the file, the API, every node's access."""
    path = target_option(config)
    if path is None:
        return None
    if workers.workers_asked(config) > 1:
        raise pytest.UsageError("a target is one cluster; its scenarios run in one process (fix: drop -n)")
    try:
        pool = TargetPool(path)
        if not config.getoption("collectonly"):
            pool.get_cluster()
    except KindChaosError as exc:
        raise pytest.UsageError(str(exc)) from None
    return pool


def budget_scale_option(config: pytest.Config) -> float:
    raw = config.getoption("budget_scale") or config.getini("budget_scale")
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not value > 0:
        raise pytest.UsageError(f"--budget-scale must be a positive number, got {raw!r} (fix: e.g. --budget-scale=2)")
    return value


def cluster_options(config: pytest.Config) -> ClusterOptions:
    """pytest-kind's options and ours, read once for the session's clusters."""

    def path(name: str) -> Path | None:
        value = config.getoption(name)
        return Path(value) if value else None

    prefix = config.getoption("cluster_name")
    return ClusterOptions(
        name_prefix=None if prefix == DEFAULT_PYTEST_KIND_NAME else prefix,
        image=config.getoption("kind_image"),
        workdir=Path(config.getoption("kindchaos_workdir") or config.getini("kindchaos_workdir")),
        kind_bin=path("kind_bin"),
        kubectl_bin=path("kind_kubectl_bin"),
        keep=bool(config.getoption("keep_cluster")),
        worker=workers.worker_id(config),
        capacity=MachineCapacity(capacity_option(config)),
        cni=cni_option(config),
    )


def node_image(config: pytest.Config) -> str:
    """The image the session's clusters are made from: ``--kind-image``, else the one for the session's CNI."""
    chosen = config.getoption("kind_image")
    if chosen:
        return str(chosen)
    return DEFAULT_REFS.calico_node_image if cni_option(config) == "calico" else DEFAULT_REFS.node


def runs_scenarios(config: pytest.Config) -> bool:
    """Whether the session's paths (or testpaths, when none are given) include the scenario catalogue."""
    catalogue = (config.rootpath / config.getini("kindchaos_scenarios")).resolve()
    paths = config.args or list(config.getini("testpaths")) or ["."]
    for arg in paths:
        path = (config.invocation_params.dir / str(arg).split("::", 1)[0]).resolve()
        if path == catalogue or catalogue in path.parents or path in catalogue.parents:
            return True
    return False


def interrupt_on_sigterm(config: pytest.Config) -> None:
    """SIGTERM unwinds like Ctrl-C, so faults are undone: installed once, for a session that runs scenarios or
    makes clusters, and put back in ``pytest_unconfigure``."""
    if sigterm_key not in config.stash:
        config.stash[sigterm_key] = signals.interrupt_on_sigterm()


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    """Runs before allure-pytest's, so a scenario session's default --alluredir is seen by it."""
    for line in MARKERS:
        config.addinivalue_line("markers", line)
    set_budget_scale(budget_scale_option(config))
    triage_option(config)  # a bad ini value is a usage error before anything runs
    capacity = capacity_option(config)
    if runs_scenarios(config):
        if target_option(config) is None:
            workers.check_workers(config, capacity=capacity)
        elif workers.worker_id(config) is None:
            config.stash[target_key] = open_target(config)
        if getattr(config.option, "allure_report_dir", None) is None:
            config.option.allure_report_dir = str(config.rootpath / config.getini("kindchaos_alluredir"))
        interrupt_on_sigterm(config)
    attach.install_phase_steps()
    config.stash[findings_key] = []
    config.stash[run_started_key] = workers.shared_run_start(config) or time.time()
    if workers.workers_asked(config):
        config.pluginmanager.register(workers.ControllerHooks(config.stash[run_started_key]), "kindchaos-workers")
    config.stash[deselected_key] = []
    if config.get_verbosity() > 0:
        _show_progress_live(config)


def _show_progress_live(config: pytest.Config) -> None:
    """With -v, phase changes, cluster creation and health gates print as they happen, not after the test."""

    def echo(line: str) -> None:
        reporter = config.pluginmanager.get_plugin("terminalreporter")
        capture = config.pluginmanager.get_plugin("capturemanager")
        if reporter is None or capture is None:
            print(line, file=sys.stderr, flush=True)
            return
        with capture.global_and_fixture_disabled():
            reporter.ensure_newline()
            reporter.write_line(f"    {line}")

    progress.set_live_echo(echo)


def pytest_unconfigure(config: pytest.Config) -> None:
    progress.set_live_echo(None)
    if sigterm_key in config.stash:
        signals.restore_sigterm(config.stash[sigterm_key])
        del config.stash[sigterm_key]


def pytest_deselected(items: list[pytest.Item]) -> None:
    if items:
        items[0].config.stash.setdefault(deselected_key, []).extend(items)


def pytest_report_header(config: pytest.Config) -> str:
    return (
        f"kindchaos: node image {node_image(config)} ({cni_option(config)}), Kubernetes {DEFAULT_VERSIONS.kubernetes}, "
        f"kind {DEFAULT_VERSIONS.kind}, budget scale {budget_scale_option(config):g}"
    )


def _run_order(item: pytest.Item) -> int:
    order = TOPOLOGY_ORDER.get(marker_arg(item, "topology"), 3)
    return order + (FRESH_CLUSTER_ORDER if item.get_closest_marker("fresh_cluster") else 0)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Give positional ``topology``/``cni``/``question``/``component`` markers keyword twins so ``-m`` (and, for
    questions and components, ``-k``) select on them, and run tests grouped by topology (stable otherwise) so
    each cluster is created once per session, and once per xdist worker."""
    items.sort(key=_run_order)
    for item in items:
        for marker in list(item.iter_markers("topology")):
            if marker.args:
                item.add_marker(pytest.mark.topology(name=marker.args[0]))
        for marker in list(item.iter_markers("question")):
            if marker.args:
                question_text(marker.args[0])
                item.add_marker(pytest.mark.question(id=marker.args[0]))
                item.extra_keyword_matches.add(marker.args[0])
        for marker in list(item.iter_markers("cni")):
            if marker.args:
                item.add_marker(pytest.mark.cni(name=marker.args[0]))
        for marker in list(item.iter_markers("component")):
            if marker.args:
                item.add_marker(pytest.mark.component(name=marker.args[0]))
                item.extra_keyword_matches.add(marker.args[0])


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report: pytest.TestReport = yield
    item.stash.setdefault(report_key, {})[report.when] = report
    return report


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, None, None]:
    """A scenario that passed but left a clause of its claim with no check that ran fails: nothing is claimed
    that was not checked. A fault the node's access cannot perform (powering a machine reached over SSH off) is
    skipped with that reason, never faked."""
    try:
        yield
    except Unsupported as exc:
        pytest.skip(f"not possible on this cluster: {exc}")
    run = getattr(item, "funcargs", {}).get("chaos")
    if not isinstance(run, ChaosRun):
        return
    if problems := run.observer_problems():
        raise ObserverStopped("an observer stopped before the scenario ended: " + "; ".join(problems))
    if missing := run.unchecked_clauses():
        raise ClaimViolated(f"claim clause without a check that ran: {', '.join(missing)} (add chaos.check calls)")


def findings_path(config: pytest.Config) -> Path:
    return Path(config.getoption("findings") or config.getini("kindchaos_findings"))


def pytest_sessionfinish(session: pytest.Session) -> None:
    config = session.config
    collected = config.stash.get(findings_key, [])
    items: list[pytest.Item] = list(getattr(session, "items", []))
    run_started = config.stash.get(run_started_key, time.time())
    worker = workers.worker_id(config)
    if worker is not None:  # a worker answers for the items it ran; the others ran elsewhere
        items = [item for item in items if item.stash.get(report_key, {})]
    unfinished = unfinished_findings(items, collected, run_started=run_started)
    if collected or unfinished:
        path = findings_path(config)
        run = findings.RunInfo(
            started=run_started,
            finished=time.time(),
            selected=[item.nodeid for item in getattr(session, "items", [])],
            node_image=node_image(config),
        )
        not_selected = unselected_findings(config.stash.get(deselected_key, []))
        findings.merge(path, [*collected, *unfinished], run, unless_known=not_selected)
    alluredir = config.getoption("allure_report_dir", None)
    if alluredir and worker is None:  # the controller writes these once, after every worker
        results = Path(alluredir)
        report_files.write_categories(results)
        topologies = findings.topologies_of_run(findings_path(config), run_started)
        report_files.write_environment(
            results, report_files.environment(topologies=topologies, budget_scale=budget_scale())
        )


@pytest.fixture(scope="session")
def kindchaos_clusters(request: pytest.FixtureRequest) -> Iterator[Clusters]:
    """The session's clusters (or the one the user brought); SIGTERM unwinds, so faults are undone."""
    interrupt_on_sigterm(request.config)
    config = request.config
    pool: Clusters = config.stash.get(target_key, None) or open_target(config) or ClusterPool(cluster_options(config))
    yield pool
    pool.close()


def _for_target(get: Callable[[], T]) -> T:
    """A cluster from the pool, or a skip saying why this scenario cannot run on the session's clusters."""
    try:
        return get()
    except CannotRunHere as exc:
        pytest.skip(exc.message)


# Module scope: the pool keeps one cluster alive at a time when `ha` is involved, so a module that comes
# after an `ha` module must ask the pool again (and get a recreated `single`), not reuse a stale object.
@pytest.fixture(scope="module")
def single_cluster(kindchaos_clusters: Clusters) -> Cluster:
    """The session's `single` cluster (1 control plane + 2 workers)."""
    return _for_target(lambda: kindchaos_clusters.get("single"))


@pytest.fixture(scope="module")
def ha_cluster(kindchaos_clusters: Clusters) -> Cluster:
    """The session's `ha` cluster (3 control planes + 1 worker, haproxy in front)."""
    return _for_target(lambda: kindchaos_clusters.get("ha"))


@pytest.fixture(scope="module")
def ha_external_cluster(kindchaos_clusters: Clusters) -> Cluster:
    """The session's `ha-external` cluster (3 control planes + 1 worker on 3 etcd members outside the nodes)."""
    return _for_target(lambda: kindchaos_clusters.get("ha-external"))


def _scenario_cluster(item: pytest.Item, topology: str, pool: Clusters) -> tuple[Cluster, HealthReport]:
    """The shared cluster of ``topology`` through its health gate, or a new one for a ``fresh_cluster`` scenario."""
    fresh = item.get_closest_marker("fresh_cluster")
    if fresh is None:
        with attach.step(f"health gate: {topology} cluster"):
            cluster, health = _for_target(lambda: pool.healthy(topology))
            attach.text(health.summary(), name="health gate")
            attach.text(_node_access_lines(cluster), name="node access")
        return cluster, health
    image, purpose = fresh.kwargs["image"], fresh.kwargs.get("purpose", "fresh")
    with attach.step(f"new {topology} cluster from {image}"):
        cluster, health = _for_target(lambda: pool.fresh(topology, image=image, purpose=purpose))
        attach.text(health.summary(), name="new cluster")
        attach.text(_node_access_lines(cluster), name="node access")
    return cluster, health


def _node_access_lines(cluster: Cluster) -> str:
    """How each node was reached (the key's path, never its contents)."""
    return "\n".join(f"{node}: {access_for(node).describe(node)}" for node in cluster.nodes) + "\n"


@pytest.fixture
def chaos(request: pytest.FixtureRequest, kindchaos_clusters: Clusters) -> Iterator[ChaosRun]:
    """A scenario run on a healthy cluster of the test's ``topology`` marker, recording from the start."""
    item = request.node
    topology = marker_arg(item, "topology")
    if topology is None:
        raise pytest.UsageError(f"{item.nodeid}: mark the scenario with @pytest.mark.topology('single') or ('ha')")
    needed, session_cni = marker_arg(item, "cni"), cni_option(request.config)
    if needed is not None and needed != session_cni:
        pytest.skip(f"this scenario needs a {needed} cluster; this session's are {session_cni} (run it with "
                    f"--kindchaos-cni {needed})")  # fmt: skip
    cluster, health = _scenario_cluster(item, topology, kindchaos_clusters)
    run = ChaosRun(
        cluster=cluster,
        test_id=item.nodeid,
        title=item.name,
        claim=claim_of(item),
        components=components_of(item),
        health=health,
        triage=triage_option(request.config),
    ).start()
    try:
        yield run
    finally:
        try:
            outcome, message = outcome_of(item)
            finding = run.finish(outcome=outcome, message=message)
            finding.run_started = request.config.stash[run_started_key]
            request.config.stash[findings_key].append(finding)
        finally:
            if item.get_closest_marker("fresh_cluster") is not None:
                kindchaos_clusters.done_with_fresh(cluster)


@pytest.fixture
def workload(chaos: ChaosRun) -> Iterator[Workload]:
    """The web Deployment (2 replicas) behind a Service and a client pod, in a namespace of its own."""
    found = Workload(chaos.cluster, namespace=f"kc-{uuid.uuid4().hex[:6]}")
    with chaos.step(f"before: web (2 replicas) ready in {found.namespace}"):
        found.apply(replicas=2)
        found.wait_ready()
    yield found
    chaos.stop()  # no probe may run against a Service being deleted
    found.delete()


@pytest.fixture
def workload_namespace(chaos: ChaosRun) -> Iterator[Workload]:
    """A ``Workload`` in a namespace of its own, not yet applied: each scenario chooses replicas and placement."""
    found = Workload(chaos.cluster, namespace=f"kc-{uuid.uuid4().hex[:6]}")
    yield found
    chaos.stop()  # no probe may run against a Service being deleted
    found.delete()
