"""The answer sheet's content, read from reports/findings.json: one section per interview question.

A claim is stated as fact only when the last run confirmed it. A scenario that failed, was skipped,
or was not selected in the last run keeps its sentence, marked with what happened, never as a fact.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kindchaos.errors import UsageError
from kindchaos.questions import LANGUAGES, question_id_of, question_text

DEFAULT_FINDINGS = Path("reports/findings.json")
# The interview questions, in the order a candidate meets them; "engine" is the library's own check.
SECTIONS = ("components", "control-plane-failure", "etcd-failure", "etcd-backup", "upgrade", "cluster-failure")
CONFIRMED, FAILED, SKIPPED, NOT_RUN = "confirmed", "failed", "skipped", "not run"
RUN_FIRST = "run the scenarios first: scripts/catalogue (it writes reports/findings.json)"


@dataclass(frozen=True)
class FigureLine:
    name: str
    value: Any
    unit: str
    budget: float | None
    note: str


@dataclass(frozen=True)
class ClaimEntry:
    """One scenario's claim as the sheet states it."""

    test: str
    sentence: str
    translated: bool
    status: str
    finished: float | None
    figures: list[FigureLine]
    reason: str = ""
    earlier: str = ""  # the outcome of an earlier run, when the last run did not run it


@dataclass
class Section:
    question_id: str
    question: str
    claims: list[ClaimEntry] = field(default_factory=list)


@dataclass
class Sheet:
    lang: str
    source: Path
    run: dict[str, Any] | None
    sections: list[Section]

    def count(self, status: str) -> int:
        return sum(1 for section in self.sections for claim in section.claims if claim.status == status)


def read_findings(path: Path) -> dict[str, Any]:
    """The findings document; a clear ``UsageError`` when it is missing, unreadable or empty."""
    if not path.exists():
        raise UsageError(f"no findings file at {path}", hint=RUN_FIRST)
    if not path.is_file():
        raise UsageError(f"{path} is not a findings file", hint="pass --findings reports/findings.json")
    try:
        document = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise UsageError(f"{path} is not valid JSON ({exc})", hint=f"delete it and {RUN_FIRST}") from None
    findings = document.get("findings") if isinstance(document, dict) else None
    if not isinstance(findings, list):
        raise UsageError(f"{path} has no 'findings' list", hint=f"delete it and {RUN_FIRST}")
    if not findings:
        raise UsageError(f"{path} holds no findings", hint=RUN_FIRST)
    for index, finding in enumerate(findings):
        if not isinstance(finding, dict) or not {"test", "outcome"} <= finding.keys():
            raise UsageError(f"{path}: finding {index} lacks 'test' or 'outcome'", hint=f"delete it and {RUN_FIRST}")
    checked: dict[str, Any] = document
    return checked


def _first_line(text: str) -> str:
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("E ")]
    chosen = (errors or lines or [""])[0].removeprefix("E").strip()
    return chosen[:240]


def _status(finding: dict[str, Any], run_started: float | None) -> tuple[str, str]:
    """(status, earlier outcome) of a finding relative to the last run."""
    outcome = finding["outcome"]
    this_run = run_started is None or finding.get("run_started") == run_started
    if not this_run:
        earlier = outcome if outcome in ("passed", "failed") else ""
        return NOT_RUN, earlier
    if outcome == "passed":
        return CONFIRMED, ""
    if outcome == "failed":
        return FAILED, ""
    if outcome == "skipped":
        return SKIPPED, ""
    return NOT_RUN, ""


def _entry(finding: dict[str, Any], lang: str, run_started: float | None) -> ClaimEntry:
    claim = finding.get("claim") or {}
    sentences = claim.get("sentences") or {}
    sentence = sentences.get(lang) or ""
    translated = bool(sentence)
    if not sentence:
        sentence = sentences.get("en") or claim.get("sentence") or finding["test"]
    status, earlier = _status(finding, run_started)
    figures = [
        FigureLine(f.get("name", "?"), f.get("value"), f.get("unit") or "", f.get("budget"), f.get("note") or "")
        for f in finding.get("figures") or []
        if isinstance(f, dict)
    ]
    return ClaimEntry(
        test=finding["test"],
        sentence=sentence,
        translated=translated or lang == "en",
        status=status,
        finished=finding.get("finished"),
        figures=figures,
        reason=_first_line(finding.get("message", "")) if status in (FAILED, SKIPPED, NOT_RUN) else "",
        earlier=earlier,
    )


def _question_id(finding: dict[str, Any]) -> str | None:
    claim = finding.get("claim") or {}
    return claim.get("question_id") or question_id_of(claim.get("question", ""))


def build_sheet(document: dict[str, Any], *, lang: str, source: Path = DEFAULT_FINDINGS) -> Sheet:
    """Group the findings' claims under the interview questions, in the sheet's language."""
    run = document.get("run") if isinstance(document.get("run"), dict) else None
    run_started = run.get("started") if run else None
    sections = [Section(qid, question_text(qid, lang)) for qid in SECTIONS]
    by_id = {section.question_id: section for section in sections}
    for finding in document["findings"]:
        qid = _question_id(finding)
        if qid in by_id:
            by_id[qid].claims.append(_entry(finding, lang, run_started))
    return Sheet(lang=lang, source=source, run=run, sections=sections)


def load_sheet(path: Path, *, lang: str) -> Sheet:
    if lang not in LANGUAGES:
        raise UsageError(f"unknown language {lang!r}", hint="use --lang en or --lang ko")
    return build_sheet(read_findings(path), lang=lang, source=path)
