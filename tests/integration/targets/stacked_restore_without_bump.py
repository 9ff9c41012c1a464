"""The stacked disaster recovery with ``--bump-revision`` and ``--mark-compacted`` left out of every
``etcdutl snapshot restore``: the restored members start at the snapshot's revision, which clients have already
seen past, so ``revisions_bumped`` must fail."""

import pytest

from kindchaos.cluster import etcd_runbook
from kindchaos.cluster.runbook_step import Step
from scenarios.etcd import test_stacked_recovery as scenario

real_timed = etcd_runbook._timed


@pytest.fixture(autouse=True)
def sabotaged(monkeypatch: pytest.MonkeyPatch) -> None:
    def without_bump(title: str, node: str, argv: list[str], *, timeout: float = 120) -> Step:
        if title.startswith("restore "):
            argv = [a for a in argv if not a.startswith(("--bump-revision", "--mark-compacted"))]
        return real_timed(title, node, argv, timeout=timeout)

    monkeypatch.setattr(etcd_runbook, "_timed", without_bump)


pytestmark = scenario.pytestmark
test_stacked_disaster_recovery = scenario.test_stacked_disaster_recovery
