"""A claim is made of checks: every clause names one, and every named check is one the scenario's code runs."""

import ast
from pathlib import Path

import pytest

from kindchaos.claims import CHECK_KINDS, budgeted_figures, check_calls, claim_problems, parse_claim, scenario_sources
from kindchaos.evidence.checks import CheckBook

REPO = Path(__file__).resolve().parents[2]
SCENARIOS = REPO / "scenarios"

BACKED = """While it is down new pods stay Pending [pending]; they are bound within 30 s
of its return [bound, running].

ko: 내려가 있는 동안 새 파드는 Pending으로 남고 [pending], 돌아오면 30초 안에 바인딩됩니다 [bound, running].
"""


def catalogue() -> dict[str, tuple[Path, str]]:
    found = {}
    for path in sorted(SCENARIOS.rglob("test_*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
                found[f"{path.relative_to(SCENARIOS)}::{node.name}"] = (path, ast.get_docstring(node) or "")
    return found


def test_a_claim_splits_into_clauses_with_their_checks() -> None:
    claim = parse_claim(BACKED)
    assert claim.sentences["en"] == (
        "While it is down new pods stay Pending; they are bound within 30 s of its return."
    )
    assert [c.checks for c in claim.clauses["en"]] == [("pending",), ("bound", "running")]
    assert claim.clauses["en"][1].text == "they are bound within 30 s of its return"
    assert claim.checks("ko") == ["pending", "bound", "running"]
    assert claim_problems(BACKED) == []


def test_a_clause_with_no_check_is_unbacked() -> None:
    unbacked = BACKED.replace("[bound, running].\n\nko", ", and nothing is lost.\n\nko")
    problems = claim_problems(unbacked)
    assert any("states a clause with no check behind it" in p for p in problems), problems
    assert any("ko names checks" in p for p in problems), problems


def test_a_claim_naming_no_check_at_all_is_unbacked() -> None:
    problems = claim_problems("Everything recovers.\n\nko: 모두 회복됩니다.")
    assert "en: no clause names a check (end each clause with [check_name])" in problems
    assert "ko: '모두 회복됩니다.' states a clause with no check behind it" in problems


def test_check_calls_are_found_by_their_literal_names() -> None:
    source = 'chaos.check.within("bound", 1.0, budget=30, what="x")\ncheck.stays("pending", f, during=1, expected="")'
    assert check_calls(source) == {"bound", "pending"}
    assert check_calls('chaos.figure("bound", 1.0)') == set()


def test_the_check_kinds_are_the_check_books_own() -> None:
    """The static test looks for calls to these names: the list must be CheckBook's checks, no more, no less."""
    public = {name for name in vars(CheckBook) if not name.startswith("_")}
    assert public - {"names", "missing", "together"} == CHECK_KINDS


def test_a_budget_on_a_plain_figure_is_found() -> None:
    assert budgeted_figures('chaos.figure("x", 1.0, budget=30)\nchaos.figure("y", 2)') == [1]


@pytest.mark.parametrize(("test", "where"), sorted(catalogue().items()))
def test_every_catalogue_clause_is_backed_by_a_check_its_code_runs(test: str, where: tuple[Path, str]) -> None:
    path, doc = where
    problems = claim_problems(doc)
    assert not problems, f"{test}: unbacked claim: " + "; ".join(problems)
    ran = set().union(*(check_calls(source) for source in scenario_sources(path, REPO)))
    named = parse_claim(doc).checks("en")
    missing = [name for name in named if name not in ran]
    assert not missing, f"{test}: the claim names checks its code never runs: {missing}"


def test_no_figure_carries_a_budget_that_no_check_asserts() -> None:
    found = {}
    for path in [*SCENARIOS.rglob("*.py"), *(REPO / "src" / "kindchaos").rglob("*.py")]:
        lines = budgeted_figures(path.read_text())
        if lines:
            found[str(path.relative_to(REPO))] = lines
    assert not found, f"figures with a budget outside chaos.check.within: {found}"


def literal_waits(source: str) -> list[int]:
    """Lines of eventually/reaches/settles calls whose deadline is a bare number."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name | ast.Attribute):
            name = node.func.id if isinstance(node.func, ast.Name) else node.func.attr
            if name in {"eventually", "reaches", "settles"}:
                for keyword in node.keywords:
                    if keyword.arg in {"within", "budget"} and isinstance(keyword.value, ast.Constant):
                        lines.append(node.lineno)
    return lines


def test_every_scenario_deadline_is_a_named_budget_or_fixed_wait() -> None:
    found = {}
    for path in SCENARIOS.rglob("*.py"):
        lines = literal_waits(path.read_text())
        if lines:
            found[str(path.relative_to(REPO))] = lines
    assert not found, f"name each deadline (a budget constant, or a fixed wait with a comment): {found}"
