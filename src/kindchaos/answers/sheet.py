"""The answer sheet's content, read from reports/findings.json: one section per interview question.

A claim is stated as fact only when the last run confirmed it: the scenario passed and every check its
clauses name ran and held. A scenario that failed, was skipped, or was not selected in the last run keeps
its sentence, marked with what happened (and which check failed), never as a fact. Under each claim every
clause is listed with its checks: what was required, what was measured, held or not.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kindchaos.answers import layouts, triage_table
from kindchaos.errors import UsageError
from kindchaos.questions import LANGUAGES, question_id_of, question_text

DEFAULT_FINDINGS = Path("reports/findings.json")
# The interview questions, in the order a candidate meets them; "engine" is the library's own check.
SECTIONS = ("components", "control-plane-failure", "etcd-failure", "etcd-backup", "upgrade", "cluster-failure")
CONFIRMED, FAILED, SKIPPED, NOT_RUN = "confirmed", "failed", "skipped", "not run"
HELD, CHECK_FAILED, NOT_CHECKED = "held", "check failed", "not checked"
RUN_FIRST = "run the scenarios first: scripts/catalogue (it writes reports/findings.json)"


@dataclass(frozen=True)
class FigureLine:
    name: str
    value: Any
    unit: str
    budget: float | None
    note: str


@dataclass(frozen=True)
class CheckLine:
    """One check of a clause as the last run recorded it (or ``NOT_CHECKED`` when it never ran)."""

    name: str
    status: str
    requirement: str = ""
    measured: str = ""


@dataclass(frozen=True)
class ClauseLine:
    text: str
    checks: list[CheckLine]

    @property
    def held(self) -> bool:
        return all(check.status == HELD for check in self.checks)


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
    clauses: list[ClauseLine] = field(default_factory=list)
    extra_checks: list[CheckLine] = field(default_factory=list)  # checks that ran but no clause names

    def failed_checks(self) -> list[CheckLine]:
        return [check for clause in self.clauses for check in clause.checks if check.status == CHECK_FAILED]


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
    layouts: list[str] = field(default_factory=list)  # the stacked-vs-external section, as Markdown lines
    triage: list[str] = field(default_factory=list)  # the cluster-failure section's procedure and accuracy table

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


def _check_line(name: str, record: dict[str, Any] | None) -> CheckLine:
    """A check as the last run recorded it, or ``NOT_CHECKED`` when it has no record."""
    if record is None:
        return CheckLine(name, NOT_CHECKED)
    status = HELD if record.get("held") else CHECK_FAILED
    return CheckLine(name, status, str(record.get("requirement")), str(record.get("measured")))


def _clause_lines(claim: dict[str, Any], lang: str, ran: dict[str, dict[str, Any]]) -> list[ClauseLine]:
    clauses = claim.get("clauses") or {}
    chosen = clauses.get(lang) or clauses.get("en") or []
    lines = []
    for clause in chosen:
        checks = [_check_line(name, ran.get(name)) for name in clause.get("checks") or []]
        lines.append(ClauseLine(str(clause.get("text") or ""), checks))
    return lines


def _entry(finding: dict[str, Any], lang: str, run_started: float | None) -> ClaimEntry:
    claim = finding.get("claim") or {}
    sentences = claim.get("sentences") or {}
    sentence = sentences.get(lang) or ""
    translated = bool(sentence)
    if not sentence:
        sentence = sentences.get("en") or claim.get("sentence") or finding["test"]
    status, earlier = _status(finding, run_started)
    this_run = status != NOT_RUN
    ran = {c["name"]: c for c in finding.get("checks") or [] if isinstance(c, dict) and "name" in c} if this_run else {}
    clauses = _clause_lines(claim, lang, ran)
    named = {check.name for clause in clauses for check in clause.checks}
    extra = [_check_line(name, record) for name, record in ran.items() if name not in named]
    reason = _first_line(finding.get("message", "")) if status in (FAILED, SKIPPED, NOT_RUN) else ""
    if status == CONFIRMED and not all(clause.held for clause in clauses):
        # A pass whose clauses did not all hold is not a fact (a findings file from before checks, or edited).
        status = FAILED
        unchecked = [c.name for clause in clauses for c in clause.checks if c.status != HELD]
        reason = f"checks that did not run or hold: {', '.join(unchecked)}"
    if status == CONFIRMED and not clauses:
        status, reason = FAILED, "the claim names no checks"
    figures = [
        FigureLine(f.get("name", "?"), f.get("value"), f.get("unit") or "", f.get("budget"), f.get("note") or "")
        for f in finding.get("figures") or []
        if isinstance(f, dict) and f.get("name") not in ran  # a check's own figure is shown with the check
    ]
    return ClaimEntry(
        test=finding["test"],
        sentence=sentence,
        translated=translated or lang == "en",
        status=status,
        finished=finding.get("finished"),
        figures=figures,
        reason=reason,
        earlier=earlier,
        clauses=clauses,
        extra_checks=extra,
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
    return Sheet(
        lang=lang,
        source=source,
        run=run,
        sections=sections,
        layouts=layouts.to_markdown(document, lang),
        triage=triage_table.to_markdown(document, lang),
    )


def load_sheet(path: Path, *, lang: str) -> Sheet:
    if lang not in LANGUAGES:
        raise UsageError(f"unknown language {lang!r}", hint="use --lang en or --lang ko")
    return build_sheet(read_findings(path), lang=lang, source=path)
