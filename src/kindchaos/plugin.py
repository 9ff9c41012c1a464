"""The pytest plugin: options, markers, the cluster fixtures and the ``chaos`` fixture.

pytest-kind-ng already registers --cluster-name, --keep-cluster, --kind-image,
--kind-bin and --kind-kubectl-bin, and allure-pytest registers --alluredir;
they are reused with the same meaning. Only what is new goes into the
``kindchaos`` group, each option with an ini twin.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from kindchaos import signals

if TYPE_CHECKING:
    from kindchaos.cluster.health import HealthReport
    from kindchaos.cluster.lifecycle import Cluster
    from kindchaos.evidence.findings import Claim, Finding
    from kindchaos.evidence.scenario import ChaosRun

DEFAULT_PYTEST_KIND_NAME = "pytest-kind"
MARKERS = (
    "integration: needs Docker and a real kind cluster",
    "topology(name): the cluster topology a test runs on (single or ha)",
    "disruptive: breaks part of a cluster (a fault is injected)",
    "slow: takes more than a minute on the reference machine",
    "question(id): the interview question a scenario answers (select with -m \"question(id='etcd-failure')\")",
    "component(name): a component a scenario breaks or checks (select with -m \"component(name='etcd')\")",
    "fresh_cluster(image, purpose): the scenario changes its cluster for good (an upgrade): a new cluster of its "
    "topology is made from image for it alone, and deleted after it unless --keep-cluster",
)
findings_key = pytest.StashKey[list["Finding"]]()
report_key = pytest.StashKey[dict[str, pytest.TestReport]]()
run_started_key = pytest.StashKey[float]()
deselected_key = pytest.StashKey[list[pytest.Item]]()


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


def budget_scale_option(config: pytest.Config) -> float:
    raw = config.getoption("budget_scale") or config.getini("budget_scale")
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not value > 0:
        raise pytest.UsageError(f"--budget-scale must be a positive number, got {raw!r} (fix: e.g. --budget-scale=2)")
    return value


def runs_scenarios(config: pytest.Config) -> bool:
    """Whether the session's paths (or testpaths, when none are given) include the scenario catalogue."""
    catalogue = (config.rootpath / config.getini("kindchaos_scenarios")).resolve()
    paths = config.args or list(config.getini("testpaths")) or ["."]
    for arg in paths:
        path = (config.invocation_params.dir / str(arg).split("::", 1)[0]).resolve()
        if path == catalogue or catalogue in path.parents or path in catalogue.parents:
            return True
    return False


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    """Runs before allure-pytest's, so a scenario session's default --alluredir is seen by it."""
    from kindchaos.evidence.attach import install_phase_steps

    if getattr(config.option, "allure_report_dir", None) is None and runs_scenarios(config):
        config.option.allure_report_dir = str(config.rootpath / config.getini("kindchaos_alluredir"))
    from kindchaos.expect.budget import set_budget_scale

    for line in MARKERS:
        config.addinivalue_line("markers", line)
    set_budget_scale(budget_scale_option(config))
    signals.interrupt_on_sigterm()
    install_phase_steps()
    config.stash[findings_key] = []
    config.stash[run_started_key] = time.time()
    config.stash[deselected_key] = []
    if config.get_verbosity() > 0:
        _show_progress_live(config)


def _show_progress_live(config: pytest.Config) -> None:
    """With -v, phase changes, cluster creation and health gates print as they happen, not after the test."""
    from kindchaos import progress

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
    from kindchaos import progress

    progress.set_live_echo(None)


def pytest_deselected(items: list[pytest.Item]) -> None:
    if items:
        items[0].config.stash.setdefault(deselected_key, []).extend(items)


def pytest_report_header(config: pytest.Config) -> str:
    from kindchaos.images.versions import DEFAULT_REFS, DEFAULT_VERSIONS

    image = config.getoption("kind_image") or DEFAULT_REFS.node
    return (
        f"kindchaos: node image {image}, Kubernetes {DEFAULT_VERSIONS.kubernetes}, kind {DEFAULT_VERSIONS.kind}, "
        f"budget scale {budget_scale_option(config):g}"
    )


TOPOLOGY_ORDER = {None: 0, "single": 1, "ha": 2}
FRESH_CLUSTER_ORDER = 10  # after every shared cluster: creating one closes the shared ones


def _run_order(item: pytest.Item) -> int:
    order = TOPOLOGY_ORDER.get(_marker_arg(item, "topology"), 3)
    return order + (FRESH_CLUSTER_ORDER if item.get_closest_marker("fresh_cluster") else 0)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Give positional ``question``/``component`` markers keyword twins so ``-m`` and ``-k`` select on them,
    and run tests grouped by topology (stable otherwise) so each cluster is created once per session."""
    from kindchaos.questions import question_text

    items.sort(key=_run_order)

    for item in items:
        for marker in list(item.iter_markers("question")):
            if marker.args:
                question_text(marker.args[0])
                item.add_marker(pytest.mark.question(id=marker.args[0]))
                item.extra_keyword_matches.add(marker.args[0])
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
    that was not checked."""
    from kindchaos.errors import ClaimViolated, ObserverStopped
    from kindchaos.evidence.scenario import ChaosRun

    yield
    run = getattr(item, "funcargs", {}).get("chaos")
    if not isinstance(run, ChaosRun):
        return
    if problems := run.observer_problems():
        raise ObserverStopped("an observer stopped before the scenario ended: " + "; ".join(problems))
    if missing := run.unchecked_clauses():
        raise ClaimViolated(f"claim clause without a check that ran: {', '.join(missing)} (add chaos.check calls)")


def pytest_sessionfinish(session: pytest.Session) -> None:
    from kindchaos.evidence import findings, report_files
    from kindchaos.expect.budget import budget_scale

    config = session.config
    collected = config.stash.get(findings_key, [])
    items: list[pytest.Item] = list(getattr(session, "items", []))
    run_started = config.stash.get(run_started_key, time.time())
    unfinished = _claims_without_findings(items, collected, run_started)
    if collected or unfinished:
        from kindchaos.images.versions import DEFAULT_REFS

        path = Path(config.getoption("findings") or config.getini("kindchaos_findings"))
        run = findings.RunInfo(
            started=run_started,
            finished=time.time(),
            selected=[item.nodeid for item in items],
            node_image=config.getoption("kind_image") or DEFAULT_REFS.node,
        )
        not_selected = _claims_without_findings(config.stash.get(deselected_key, []), [], None)
        findings.merge(path, [*collected, *unfinished], run, unless_known=not_selected)
    alluredir = config.getoption("allure_report_dir", None)
    if alluredir:
        results = Path(alluredir)
        report_files.write_categories(results)
        topologies = sorted({f.topology for f in collected if f.topology})
        report_files.write_environment(
            results, report_files.environment(topologies=topologies, budget_scale=budget_scale())
        )


def claim_of(item: pytest.Item) -> Claim | None:
    """The claim a scenario states: its question marker and its docstring, per language."""
    from kindchaos.claims import parse_claim
    from kindchaos.evidence.findings import Claim
    from kindchaos.questions import question_text

    question = _marker_arg(item, "question")
    if question is None:
        return None
    text = parse_claim(getattr(getattr(item, "function", None), "__doc__", None))
    clauses = {
        lang: [{"text": clause.text, "checks": list(clause.checks)} for clause in found]
        for lang, found in text.clauses.items()
    }
    return Claim(
        question=question_text(question),
        sentence=text.sentences.get("en", ""),
        question_id=question,
        sentences=text.sentences,
        clauses=clauses,
    )


def _outcome(item: pytest.Item) -> tuple[str, str]:
    """(outcome, message) of a test from the reports pytest made so far: failed, skipped, passed or not run."""
    reports = item.stash.get(report_key, {})
    failed = next((r for r in reports.values() if r.failed), None)
    if failed is not None:
        return "failed", str(failed.longrepr)[-2000:]
    skipped = next((r for r in reports.values() if r.skipped), None)
    if skipped is not None:
        return "skipped", str(skipped.longrepr)[-500:]
    return ("passed", "") if "call" in reports else ("not run", "")


def _components_of(item: pytest.Item) -> list[str]:
    return sorted({arg for m in item.iter_markers("component") if (arg := _marker_arg_of(m))})


def _claims_without_findings(
    items: list[pytest.Item], collected: list[Finding], run_started: float | None
) -> list[Finding]:
    """Findings for claimed scenarios that produced none: skipped, broken before the fault, or not selected."""
    from kindchaos.evidence.findings import Finding

    done = {finding.test for finding in collected}
    missing = []
    for item in items:
        claim = claim_of(item)
        if claim is None or item.nodeid in done:
            continue
        outcome, message = _outcome(item)
        if outcome == "not run" and run_started is not None:
            message = "selected but not run (interrupted?)"
        missing.append(
            Finding(
                test=item.nodeid,
                claim=claim,
                outcome=outcome,
                topology=_marker_arg(item, "topology"),
                components=_components_of(item),
                message=message,
                run_started=run_started,
            )
        )
    return missing


def _path_option(config: pytest.Config, name: str) -> Path | None:
    value = config.getoption(name)
    return Path(value) if value else None


class ClusterPool:
    """One cluster per topology for the session; created on first use, healed or recreated between scenarios."""

    def __init__(self, config: pytest.Config) -> None:
        self._config = config
        self._clusters: dict[str, Cluster] = {}

    def _name(self, topology: str) -> str | None:
        prefix = self._config.getoption("cluster_name")
        return None if prefix == DEFAULT_PYTEST_KIND_NAME else f"{prefix}-{topology}"

    def _create(self, topology_name: str) -> Cluster:
        from kindchaos.cluster.lifecycle import create_or_reuse
        from kindchaos.cluster.topology import topology_named

        workdir = self._config.getoption("kindchaos_workdir") or self._config.getini("kindchaos_workdir")
        return create_or_reuse(
            topology_named(topology_name),
            name=self._name(topology_name),
            image=self._config.getoption("kind_image"),
            workdir=Path(workdir),
            kind_bin=_path_option(self._config, "kind_bin"),
            kubectl_bin=_path_option(self._config, "kind_kubectl_bin"),
        )

    def get(self, topology_name: str) -> Cluster:
        """The session's cluster of this topology; on first use it is created and passes the health gate."""
        if topology_name in self._clusters:
            return self._clusters[topology_name]
        return self.healthy(topology_name)[0]

    def healthy(self, topology_name: str) -> tuple[Cluster, HealthReport]:
        """The health gate: create the cluster if the session has none, heal what earlier scenarios (or killed
        runs) left, and recreate the cluster when healing fails."""
        from kindchaos.cluster.health import HealthReport, heal
        from kindchaos.cluster.readiness import wait_ready
        from kindchaos.errors import ClusterError

        if topology_name not in self._clusters:
            # At most one HA cluster, and not beside another cluster, on a 2-core machine.
            if topology_name == "ha" or "ha" in self._clusters:
                self.close(keep=bool(self._config.getoption("keep_cluster")))
            self._clusters[topology_name] = self._create(topology_name)
        cluster = self._clusters[topology_name]
        try:
            return cluster, heal(cluster)
        except ClusterError as exc:
            cluster.delete()
            fresh = self._create(topology_name)
            self._clusters[topology_name] = fresh
            waited = wait_ready(fresh)
            return fresh, HealthReport(healed=[str(exc)], ready_seconds=waited.seconds, recreated=True)

    def fresh(self, topology_name: str, *, image: str, purpose: str) -> tuple[Cluster, HealthReport]:
        """A new cluster of ``topology_name`` from ``image`` for one scenario; the shared clusters are closed
        first, since a 2-core machine holds one cluster at a time. The caller deletes it."""
        from kindchaos.cluster.health import HealthReport
        from kindchaos.cluster.lifecycle import create_fresh
        from kindchaos.cluster.readiness import wait_ready
        from kindchaos.cluster.topology import topology_named

        self.close(keep=bool(self._config.getoption("keep_cluster")))
        workdir = self._config.getoption("kindchaos_workdir") or self._config.getini("kindchaos_workdir")
        suffix = f"{purpose}-{topology_name}"
        cluster = create_fresh(
            topology_named(topology_name),
            name=self._name(suffix) or f"kindchaos-{suffix}",
            image=image,
            workdir=Path(workdir),
            kind_bin=_path_option(self._config, "kind_bin"),
            kubectl_bin=_path_option(self._config, "kind_kubectl_bin"),
        )
        waited = wait_ready(cluster)
        return cluster, HealthReport(healed=[f"new cluster from {image}"], ready_seconds=waited.seconds)

    def close(self, *, keep: bool) -> None:
        for cluster in self._clusters.values():
            if not keep:
                cluster.delete()
        self._clusters.clear()


@pytest.fixture(scope="session")
def kindchaos_clusters(request: pytest.FixtureRequest) -> Iterator[ClusterPool]:
    pool = ClusterPool(request.config)
    yield pool
    pool.close(keep=bool(request.config.getoption("keep_cluster")))


# Module scope: the pool keeps one cluster alive at a time when `ha` is involved, so a module that comes
# after an `ha` module must ask the pool again (and get a recreated `single`), not reuse a stale object.
@pytest.fixture(scope="module")
def single_cluster(kindchaos_clusters: ClusterPool) -> Cluster:
    """The session's `single` cluster (1 control plane + 2 workers)."""
    return kindchaos_clusters.get("single")


@pytest.fixture(scope="module")
def ha_cluster(kindchaos_clusters: ClusterPool) -> Cluster:
    """The session's `ha` cluster (3 control planes + 1 worker, haproxy in front)."""
    return kindchaos_clusters.get("ha")


def _marker_arg(item: pytest.Item, name: str) -> str | None:
    marker = item.get_closest_marker(name)
    return None if marker is None else _marker_arg_of(marker)


@pytest.fixture
def chaos(request: pytest.FixtureRequest, kindchaos_clusters: ClusterPool) -> Iterator[ChaosRun]:
    """A scenario run on a healthy cluster of the test's ``topology`` marker, recording from the start."""
    from kindchaos.evidence import attach
    from kindchaos.evidence.scenario import ChaosRun

    item = request.node
    topology = _marker_arg(item, "topology")
    if topology is None:
        raise pytest.UsageError(f"{item.nodeid}: mark the scenario with @pytest.mark.topology('single') or ('ha')")
    claim = claim_of(item)
    fresh = item.get_closest_marker("fresh_cluster")
    if fresh is None:
        with attach.step(f"health gate: {topology} cluster"):
            cluster, health = kindchaos_clusters.healthy(topology)
            attach.text(health.summary(), name="health gate")
    else:
        image, purpose = fresh.kwargs["image"], fresh.kwargs.get("purpose", "fresh")
        with attach.step(f"new {topology} cluster from {image}"):
            cluster, health = kindchaos_clusters.fresh(topology, image=image, purpose=purpose)
            attach.text(health.summary(), name="new cluster")
    components = _components_of(item)
    run = ChaosRun(
        cluster=cluster, test_id=item.nodeid, title=item.name, claim=claim, components=components, health=health
    ).start()
    try:
        yield run
    finally:
        try:
            outcome, message = _outcome(item)
            finding = run.finish(outcome=outcome, message=message)
            finding.run_started = request.config.stash[run_started_key]
            request.config.stash[findings_key].append(finding)
        finally:
            if fresh is not None and not request.config.getoption("keep_cluster"):
                cluster.delete()


def _marker_arg_of(marker: pytest.Mark) -> str | None:
    return str(marker.args[0]) if marker.args else next(iter(marker.kwargs.values()), None)
