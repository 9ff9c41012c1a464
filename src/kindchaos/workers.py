"""pytest-xdist, as the catalogue uses it: each worker its own clusters, one run, the machine's capacity.

The controller checks ``-n`` against the machine's capacity before any worker starts, keeps xdist's
``load`` distribution (the items are sorted by topology, so each worker meets each topology once and
creates its cluster once), and hands every worker the session's start, so their findings are one run.
"""

from __future__ import annotations

import os
from typing import Any

import pytest

RUN_STARTED_KEY = "kindchaos_run_started"
KEPT_DISTRIBUTIONS = ("no", "load")


def worker_id(config: pytest.Config) -> str | None:
    """This process's xdist worker id (gw0, gw1, ...), or None outside a worker."""
    workerinput: dict[str, Any] | None = getattr(config, "workerinput", None)
    if workerinput is not None:
        return str(workerinput["workerid"])
    return os.environ.get("PYTEST_XDIST_WORKER") or None


def shared_run_start(config: pytest.Config) -> float | None:
    """The controller's session start, as handed to this worker (None outside a worker)."""
    workerinput: dict[str, Any] | None = getattr(config, "workerinput", None)
    value = (workerinput or {}).get(RUN_STARTED_KEY)
    return float(value) if value is not None else None


def workers_asked(config: pytest.Config) -> int:
    """How many xdist workers this session starts (0 without xdist, or inside a worker)."""
    if worker_id(config) is not None or not config.pluginmanager.hasplugin("xdist"):
        return 0
    if str(getattr(config.option, "dist", "no")) == "no":
        return 0
    return len(getattr(config.option, "tx", None) or [])  # xdist's own count, after -n auto and --maxprocesses


def check_workers(config: pytest.Config, *, capacity: int) -> None:
    """Refuse a worker count the machine cannot hold, or a distribution that would create a topology's cluster
    twice on a worker, before any worker starts."""
    asked = workers_asked(config)
    if not asked:
        return
    if asked > capacity:
        raise pytest.UsageError(
            f"-n {asked} needs {asked} clusters at once; this machine's capacity holds {capacity} "
            f"(fix: -n {capacity}, or raise --kindchaos-capacity on a bigger machine)"
        )
    dist = str(getattr(config.option, "dist", "no"))
    if dist not in KEPT_DISTRIBUTIONS:
        raise pytest.UsageError(
            f"--dist {dist} can send a worker back to a topology it has closed, creating its cluster twice "
            "(fix: leave --dist at its default, load)"
        )


class ControllerHooks:
    """Registered on the xdist controller: every worker gets the session's start."""

    def __init__(self, run_started: float) -> None:
        self.run_started = run_started

    @pytest.hookimpl(optionalhook=True)
    def pytest_configure_node(self, node: Any) -> None:
        node.workerinput[RUN_STARTED_KEY] = self.run_started
