"""What a collected scenario says about itself: its claim, topology, components and outcome, as findings.

The plugin's hooks hand pytest items here; the findings file and the answer sheet are made from what comes
back, so a scenario that was skipped, broken before its fault or not selected still has its claim on record.
"""

from __future__ import annotations

import pytest

from kindchaos.claims import parse_claim
from kindchaos.evidence.findings import Claim, Finding
from kindchaos.questions import question_text

report_key = pytest.StashKey[dict[str, pytest.TestReport]]()


def marker_arg(item: pytest.Item, name: str) -> str | None:
    """The first argument (positional, else keyword) of the closest ``name`` marker."""
    marker = item.get_closest_marker(name)
    return None if marker is None else marker_value(marker)


def marker_value(marker: pytest.Mark) -> str | None:
    return str(marker.args[0]) if marker.args else next(iter(marker.kwargs.values()), None)


def components_of(item: pytest.Item) -> list[str]:
    return sorted({arg for m in item.iter_markers("component") if (arg := marker_value(m))})


def claim_of(item: pytest.Item) -> Claim | None:
    """The claim a scenario states: its question marker and its docstring, per language."""
    question = marker_arg(item, "question")
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


def outcome_of(item: pytest.Item) -> tuple[str, str]:
    """(outcome, message) of a test from the reports pytest made so far: failed, skipped, passed or not run."""
    reports = item.stash.get(report_key, {})
    failed = next((r for r in reports.values() if r.failed), None)
    if failed is not None:
        return "failed", str(failed.longrepr)[-2000:]
    skipped = next((r for r in reports.values() if r.skipped), None)
    if skipped is not None:
        return "skipped", str(skipped.longrepr)[-500:]
    return ("passed", "") if "call" in reports else ("not run", "")


def _finding(item: pytest.Item, claim: Claim, outcome: str, message: str, run_started: float | None) -> Finding:
    return Finding(
        test=item.nodeid,
        claim=claim,
        outcome=outcome,
        topology=marker_arg(item, "topology"),
        components=components_of(item),
        message=message,
        run_started=run_started,
    )


def unfinished_findings(items: list[pytest.Item], collected: list[Finding], *, run_started: float) -> list[Finding]:
    """Findings of this session's claimed scenarios that made none themselves: skipped, broken before the
    fault, or selected and never run (the session was interrupted)."""
    done = {finding.test for finding in collected}
    found = []
    for item in items:
        claim = claim_of(item)
        if claim is None or item.nodeid in done:
            continue
        outcome, message = outcome_of(item)
        if outcome == "not run":
            message = "selected but not run (interrupted?)"
        found.append(_finding(item, claim, outcome, message, run_started))
    return found


def unselected_findings(items: list[pytest.Item]) -> list[Finding]:
    """Findings of claimed scenarios this session did not select: kept on record with no run of their own."""
    return [_finding(item, claim, "not run", "", None) for item in items if (claim := claim_of(item)) is not None]
