"""Evidence the README quotes: a run's findings committed under docs/evidence/<run>/, and the tables made from it.

``save`` copies reports/findings.json into docs/evidence/<run>/findings.json, redacted and trimmed to what a
table needs (claims, checks, figures, outcomes, times; no proofs or long messages). ``table`` turns one such
file into Markdown: a summary line, then one row per check and per figure. ``refresh_readme`` rewrites each
README block between ``<!-- evidence:<run> -->`` and ``<!-- /evidence:<run> -->`` from its file, so every
number in the README can be traced to a committed run; a unit test fails when a block and its file disagree.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

from kindchaos.answers import triage_table
from kindchaos.answers.render import format_value
from kindchaos.answers.sheet import read_findings
from kindchaos.errors import UsageError
from kindchaos.redact import redact

EVIDENCE_DIR = Path("docs/evidence")
BLOCK = re.compile(r"(<!-- evidence:(?P<run>[\w.-]+) -->\n)(?P<body>.*?)(<!-- /evidence:(?P=run) -->)", re.DOTALL)
KEPT = (
    "test",
    "outcome",
    "topology",
    "wall_s",
    "cluster_create_s",
    "finished",
    "run_started",
    "figures",
    "checks",
    "triage",
)
RUN_NAME = re.compile(r"^[\w.-]+$")


def _trimmed(finding: dict[str, Any]) -> dict[str, Any]:
    kept = {key: finding.get(key) for key in KEPT}
    claim = finding.get("claim") or {}
    kept["claim"] = {key: claim.get(key) for key in ("question_id", "sentences", "clauses")}
    kept["message"] = str(finding.get("message") or "")[:300]
    return kept


def _redacted(value: Any) -> Any:
    """Every string in a JSON value redacted on its own, so a match can never eat JSON syntax."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, list):
        return [_redacted(item) for item in value]
    if isinstance(value, dict):
        return {key: _redacted(item) for key, item in value.items()}
    return value


def save(findings: Path, run: str, *, root: Path = EVIDENCE_DIR) -> Path:
    """Commit-ready copy of a run's findings: docs/evidence/<run>/findings.json."""
    if not RUN_NAME.match(run):
        raise UsageError(f"run name {run!r} is not a folder name", hint="use letters, digits, '.', '-' and '_'")
    document = read_findings(findings)
    out = {
        "saved": time.time(),
        "run": document.get("run"),
        "findings": [_trimmed(f) for f in document["findings"] if isinstance(f, dict)],
    }
    path = root / run / "findings.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(_redacted(out), indent=1, ensure_ascii=False, default=str) + "\n")
    (path.parent / "tables.md").write_text(f"# Run {run}\n\n" + table(path, figures=True))
    triaged = triage_table.records(document)
    if triaged:
        accuracy = {"run": document.get("run"), "tally": triage_table.tally(triaged), "records": triaged}
        (path.parent / "triage.json").write_text(json.dumps(_redacted(accuracy), indent=1, ensure_ascii=False) + "\n")
    return path


def _short(test: str) -> str:
    return test.removeprefix("scenarios/").removesuffix(".py")


def _in_run(finding: dict[str, Any], run: dict[str, Any] | None) -> bool:
    return run is None or finding.get("run_started") == run.get("started")


def table(path: Path, *, figures: bool = False) -> str:
    """One run's checks (and with ``figures``, every other figure) as Markdown: the README quotes the checks,
    docs/evidence/<run>/tables.md holds both."""
    document = read_findings(path)
    run = document.get("run") if isinstance(document.get("run"), dict) else None
    findings = [f for f in document["findings"] if _in_run(f, run)]
    outcomes: dict[str, int] = {}
    for finding in findings:
        outcomes[finding["outcome"]] = outcomes.get(finding["outcome"], 0) + 1
    checks = [c for f in findings for c in f.get("checks") or []]
    # A figure with a budget exists only through a budget check of the same name: count them, and say so if not.
    budgeted = [(f, g) for f in findings for g in f.get("figures") or [] if g.get("budget") is not None]
    asserted = sum(any(c["name"] == g.get("name") for c in f.get("checks") or []) for f, g in budgeted)
    started = run.get("started") if run else None
    finished = run.get("finished") if run else None
    wall = f"{(finished - started) / 60:.1f} min" if started and finished else "?"
    lines = [
        f"Run `{path.parent.name}`: "
        + ", ".join(f"{n} {outcome}" for outcome, n in sorted(outcomes.items()))
        + f" in {wall}; {len(checks)} checks ({sum(bool(c['held']) for c in checks)} held); "
        f"{len(budgeted)} figures with a budget, {asserted} of them asserted by their check.",
        "",
        "| scenario | check or figure | required | measured |",
        "| --- | --- | --- | --- |",
    ]
    for finding in sorted(findings, key=lambda f: f["test"]):
        name = _short(finding["test"])
        lines.append(
            f"| `{name}` | outcome | | {finding['outcome']}, wall {format_value(finding.get('wall_s'), 's')} |"
        )
        for check in finding.get("checks") or []:
            mark = "✅" if check["held"] else "❌"
            lines.append(f"| | {mark} `{check['name']}` | {check['requirement']} | {check['measured']} |")
        checked = {c["name"] for c in finding.get("checks") or []}
        for figure in finding.get("figures") or [] if figures else []:
            if figure.get("name") in checked or figure.get("value") is None:
                continue
            value = format_value(figure["value"], figure.get("unit") or "")
            lines.append(f"| | `{figure['name']}` | | {value[:80]} |")
    return "\n".join(line.replace("\n", " ") for line in lines) + "\n"


def refresh_readme(readme: Path, *, root: Path = EVIDENCE_DIR, write: bool = True) -> list[str]:
    """Rewrite every evidence block of ``readme`` from its run's file; the runs whose block changed."""
    text = readme.read_text()
    changed: list[str] = []

    def rendered(match: re.Match[str]) -> str:
        run = match.group("run")
        source = root / run / "findings.json"
        if not source.exists():
            raise UsageError(f"README quotes run {run!r} but {source} is missing", hint="kindchaos evidence save")
        body = table(source)
        if body != match.group("body"):
            changed.append(run)
        return f"{match.group(1)}{body}{match.group(4)}"

    updated = BLOCK.sub(rendered, text)
    if write and updated != text:
        readme.write_text(updated)
    return changed
