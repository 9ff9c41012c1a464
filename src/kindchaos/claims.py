"""A scenario's claim, clause by clause, each clause naming the checks behind it.

The docstring is the claim: the English sentence first, then a paragraph starting ``ko:`` with the same claim
in Korean. Each clause ends with the names of its checks in brackets::

    While kube-scheduler is down, running pods keep running [running_pods_unchanged] and new pods stay
    Pending [new_pods_pending]; they are bound within 30 s of its return [bound_after_return].

A clause without a name, text after the last name, or a language naming other checks than English is an
unbacked clause: ``claim_problems`` says which, and the catalogue's unit test runs it on every scenario.
``check_calls`` finds the names a module's code checks (``chaos.check.<kind>("name", ...)``), so the same
test fails when a clause names a check no code runs.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

KOREAN_PREFIX = "ko:"
TAG = re.compile(r"\s*\[([a-z][a-z0-9_]*(?:\s*,\s*[a-z][a-z0-9_]*)*)\]")
# The CheckBook methods a scenario calls: the first argument is the check's name.
CHECK_KINDS = frozenset({"within", "at_most", "at_least", "between", "equals", "that", "stays", "reaches"})


@dataclass(frozen=True)
class Clause:
    text: str
    checks: tuple[str, ...]


@dataclass(frozen=True)
class ClaimText:
    """The claim per language: the plain sentence (no brackets) and its clauses."""

    sentences: dict[str, str] = field(default_factory=dict)
    clauses: dict[str, list[Clause]] = field(default_factory=dict)
    trailing: dict[str, str] = field(default_factory=dict)  # text after the last named check, per language

    def checks(self, lang: str = "en") -> list[str]:
        """The check names the claim declares, in the order its clauses state them."""
        return list(dict.fromkeys(name for clause in self.clauses.get(lang, []) for name in clause.checks))


def _paragraphs(docstring: str | None) -> dict[str, str]:
    english: list[str] = []
    korean: list[str] = []
    for paragraph in (docstring or "").split("\n\n"):
        text = " ".join(paragraph.split())
        if text.startswith(KOREAN_PREFIX):
            korean.append(text.removeprefix(KOREAN_PREFIX).strip())
        elif text:
            english.append(text)
    found = {"en": " ".join(english), "ko": " ".join(korean)}
    return {lang: text for lang, text in found.items() if text}


def _clauses(text: str) -> tuple[list[Clause], str]:
    clauses: list[Clause] = []
    start = 0
    for match in TAG.finditer(text):
        names = tuple(name.strip() for name in match.group(1).split(","))
        clauses.append(Clause(text[start : match.start()].strip().lstrip(",;:.").strip(), names))
        start = match.end()
    return clauses, text[start:].strip()


def parse_claim(docstring: str | None) -> ClaimText:
    """The docstring split per language into its sentence and its clauses."""
    sentences: dict[str, str] = {}
    clauses: dict[str, list[Clause]] = {}
    trailing: dict[str, str] = {}
    for lang, text in _paragraphs(docstring).items():
        clauses[lang], trailing[lang] = _clauses(text)
        sentences[lang] = " ".join(TAG.sub("", text).split())
    return ClaimText(sentences=sentences, clauses=clauses, trailing=trailing)


def claim_sentences(docstring: str | None) -> dict[str, str]:
    """A scenario docstring split into its claim per language, without check names: ``{"en": ..., "ko": ...}``."""
    return parse_claim(docstring).sentences


def claim_problems(docstring: str | None) -> list[str]:
    """What makes a claim unbacked: a clause with no check, text after the last check, languages that differ."""
    claim = parse_claim(docstring)
    problems: list[str] = []
    if "en" not in claim.sentences:
        return ["the claim has no English sentence"]
    for lang, clauses in claim.clauses.items():
        if not clauses:
            problems.append(f"{lang}: no clause names a check (end each clause with [check_name])")
        if re.search(r"\w", claim.trailing.get(lang, "")):
            problems.append(f"{lang}: {claim.trailing[lang]!r} states a clause with no check behind it")
        problems += [f"{lang}: a check name with no clause before it: {c.checks}" for c in clauses if not c.text]
    if "ko" in claim.clauses and set(claim.checks("ko")) != set(claim.checks("en")):
        problems.append(f"ko names checks {sorted(claim.checks('ko'))}, en names {sorted(claim.checks('en'))}")
    return problems


def check_calls(source: str) -> set[str]:
    """The literal names of ``<x>.check.<kind>("name", ...)`` (or ``check.<kind>(...)``) calls in ``source``."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        if node.func.attr not in CHECK_KINDS or not node.args:
            continue
        receiver = node.func.value
        named_check = (isinstance(receiver, ast.Attribute) and receiver.attr == "check") or (
            isinstance(receiver, ast.Name) and receiver.id == "check"
        )
        first = node.args[0]
        if named_check and isinstance(first, ast.Constant) and isinstance(first.value, str):
            found.add(first.value)
    return found


def budgeted_figures(source: str) -> list[int]:
    """Lines of ``.figure(..., budget=...)`` calls: a budget is only ever shown by ``check.within``."""
    return [
        node.lineno
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "figure"
        and any(keyword.arg == "budget" for keyword in node.keywords)
    ]


def scenario_sources(path: Path, root: Path) -> list[str]:
    """A scenario module's source and that of the in-repository modules it imports (its drills and helpers)."""
    sources = [path.read_text()]
    for node in ast.walk(ast.parse(sources[0])):
        if isinstance(node, ast.ImportFrom) and node.module:
            parts = node.module.split(".")
            modules = [parts, *([*parts, alias.name] for alias in node.names)]  # `from pkg import module` too
            for base in (root, root / "src"):
                for module in modules:
                    candidate = base.joinpath(*module).with_suffix(".py")
                    if candidate.is_file() and candidate != path:
                        sources.append(candidate.read_text())
    return sources
