"""Each scenario's claim and measured figures, kept in reports/findings.json for the answer sheet.

The file is merged by test id, so running a subset (``-k etcd``) updates those
entries and keeps the rest with their own timestamps. The document's ``run`` says
which session wrote it last: a finding whose ``run_started`` differs is from an
earlier run, and the answer sheet says so instead of stating it as this run's fact.

pytest-xdist workers of one session share its start and each merge their own
findings under a file lock, so none is lost and the run record covers them all.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from filelock import FileLock

from kindchaos.paths import lock_for
from kindchaos.redact import redact


@dataclass(frozen=True)
class Claim:
    """The question a scenario answers and the sentence it checks (English, and per language)."""

    question: str
    sentence: str
    question_id: str = ""
    sentences: dict[str, str] = field(default_factory=dict)
    # Per language, each clause with the names of the checks behind it: [{"text": ..., "checks": [...]}].
    clauses: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    @property
    def checks(self) -> list[str]:
        """The check names the English clauses declare, in order."""
        return list(dict.fromkeys(name for clause in self.clauses.get("en", []) for name in clause["checks"]))


@dataclass(frozen=True)
class Figure:
    """A measured number with its unit, and the budget it was held to (only ``CheckBook.within`` sets one)."""

    name: str
    value: float | int | str | None
    unit: str = "s"
    budget: float | None = None
    note: str = ""

    def row(self) -> dict[str, Any]:
        return {"figure": self.name, "value": self.value, "unit": self.unit, "budget": self.budget, "note": self.note}


@dataclass
class Finding:
    test: str
    claim: Claim | None
    outcome: str
    topology: str | None
    components: list[str]
    figures: list[Figure] = field(default_factory=list)
    faults: list[dict[str, Any]] = field(default_factory=list)
    checks: list[dict[str, Any]] = field(default_factory=list)
    cluster_create_s: float | None = None
    wall_s: float = 0.0
    message: str = ""
    finished: float = field(default_factory=time.time)
    run_started: float | None = None
    triage: list[dict[str, Any]] = field(default_factory=list)  # triage while each fault held (TriageRecord)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["message"] = redact(self.message)[:2000]
        return data


@dataclass(frozen=True)
class RunInfo:
    """The session that last wrote the file: when, and which scenarios it selected."""

    started: float
    finished: float
    selected: list[str]
    node_image: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def merge(
    path: Path, findings: list[Finding], run: RunInfo | None = None, *, unless_known: list[Finding] | None = None
) -> Path:
    """Write ``findings`` into ``path``, replacing earlier entries of the same tests; ``run`` names this run.

    ``unless_known`` are added only for tests the file has no entry for (scenarios not selected this time).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(lock_for(path))):
        earlier: dict[str, Any] = {}
        if path.exists():
            try:
                earlier = json.loads(path.read_text())
            except ValueError:
                earlier = {}
        try:
            existing = {f["test"]: f for f in earlier.get("findings", [])}
        except (KeyError, AttributeError, TypeError):
            existing = {}
        for finding in findings:
            existing[finding.test] = finding.as_dict()
        for finding in unless_known or []:
            existing.setdefault(finding.test, finding.as_dict())
        document: dict[str, Any] = {"generated": time.time()}
        if run is not None:
            document["run"] = _same_run(earlier.get("run") if isinstance(earlier, dict) else None, run.as_dict())
        document["findings"] = sorted(existing.values(), key=lambda f: f["test"])
        path.write_text(json.dumps(document, indent=2, default=str) + "\n")
    return path


def _same_run(earlier: Any, run: dict[str, Any]) -> dict[str, Any]:
    """The run record, widened by what another worker of the same session wrote (same start)."""
    if not isinstance(earlier, dict) or earlier.get("started") != run["started"]:
        return run
    return {
        **run,
        "finished": max(float(earlier.get("finished") or 0), run["finished"]),
        "selected": sorted({*(earlier.get("selected") or []), *run["selected"]}),
    }


def topologies_of_run(path: Path, run_started: float) -> list[str]:
    """The topologies of the findings ``path`` holds from the run that started at ``run_started``."""
    try:
        document = json.loads(path.read_text())
        found = [f for f in document.get("findings", []) if f.get("run_started") == run_started]
    except (OSError, ValueError, AttributeError):
        return []
    return sorted({str(f["topology"]) for f in found if f.get("topology")})
