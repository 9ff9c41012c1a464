"""The plugin's options, markers, selection and report files, through pytester (no cluster)."""

import json

import pytest

pytest_plugins = ["pytester"]

SCENARIOS = """
import pytest

@pytest.mark.question("etcd-failure")
@pytest.mark.component("etcd")
def test_member_lost():
    pass

@pytest.mark.question("control-plane-failure")
@pytest.mark.component("kube-scheduler")
def test_scheduler_down():
    pass
"""


def test_question_and_component_markers_select_with_m_and_k(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_cat=SCENARIOS)
    by_question = pytester.runpytest("-m", "question(id='etcd-failure')", "-p", "no:cacheprovider")
    by_question.assert_outcomes(passed=1, deselected=1)
    by_component = pytester.runpytest("-m", "component(name='kube-scheduler')")
    by_component.assert_outcomes(passed=1, deselected=1)
    by_keyword = pytester.runpytest("-k", "etcd")
    by_keyword.assert_outcomes(passed=1, deselected=1)


def test_an_unknown_question_id_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile('import pytest\n@pytest.mark.question("nope")\ndef test_x():\n    pass\n')
    result = pytester.runpytest()
    assert result.ret != 0
    assert "unknown question id 'nope'" in result.stdout.str() + result.stderr.str()


@pytest.mark.parametrize("value", ["0", "-1", "fast"])
def test_a_bad_budget_scale_is_a_one_line_usage_error(pytester: pytest.Pytester, value: str) -> None:
    pytester.makepyfile("def test_x():\n    pass\n")
    result = pytester.runpytest(f"--budget-scale={value}")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"*--budget-scale must be a positive number, got '{value}'*"])


def test_budget_scale_from_ini_is_applied_and_shown(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nbudget_scale = 2.5\n")
    pytester.makepyfile("from kindchaos.expect import budget_scale\ndef test_x():\n    assert budget_scale() == 2.5\n")
    result = pytester.runpytest()
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*budget scale 2.5*"])


def test_allure_categories_and_environment_are_written(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_x():\n    pass\n")
    result = pytester.runpytest("--alluredir=results")
    result.assert_outcomes(passed=1)
    categories = json.loads((pytester.path / "results" / "categories.json").read_text())
    assert [c["name"] for c in categories] == [
        "Fault not injected",
        "Restore failed",
        "Recovery budget breached",
        "Steady state violated",
        "Infrastructure error",
    ]
    environment = (pytester.path / "results" / "environment.properties").read_text()
    assert "Kubernetes=v1.34.12" in environment and "host.cores=" in environment


def test_categories_regexes_split_the_error_families() -> None:
    import re

    from kindchaos.evidence.report_files import CATEGORIES

    def category(status: str, message: str) -> list[str]:
        return [
            c["name"]
            for c in CATEGORIES
            if status in c["matchedStatuses"] and re.fullmatch(c.get("messageRegex", ".*"), message, re.S)
        ]

    not_injected = "kindchaos.errors.FaultNotInjected: fault not injected: failed to inject outage of x"
    assert category("failed", not_injected) == ["Fault not injected"]
    assert category("failed", "kindchaos.errors.BudgetBreached: budget breached: ...") == ["Recovery budget breached"]
    assert category("failed", "SteadyStateViolated: expected pods stay for 60s") == ["Steady state violated"]
    assert category("broken", "kindchaos.errors.ClusterError: failed to heal") == ["Infrastructure error"]
    restore = "kindchaos.errors.RestoreError: failed to restore kubeadm certificates on x: expected a verifying client"
    assert category("broken", restore) == ["Restore failed"]
    assert category("failed", restore) == ["Restore failed"]


def test_tests_run_grouped_by_topology_so_each_cluster_is_made_once(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_a='import pytest\n@pytest.mark.topology("ha")\ndef test_ha_first():\n    pass\n',
        test_b='import pytest\n@pytest.mark.topology("single")\ndef test_single():\n    pass\n'
        "def test_plain():\n    pass\n",
    )
    result = pytester.runpytest("-v")
    result.stdout.fnmatch_lines(["*test_plain PASSED*", "*test_single PASSED*", "*test_ha_first PASSED*"])


def test_findings_name_the_run_and_the_claims_it_did_not_run(pytester: pytest.Pytester) -> None:
    documented = 'def test_member_lost():\n    """Two of three.\n\n    ko: 셋 중 둘."""'
    pytester.makepyfile(test_cat=SCENARIOS.replace("def test_member_lost():", documented))
    pytester.runpytest("-k", "member", "--findings=findings.json", "-p", "no:cacheprovider").assert_outcomes(
        passed=1, deselected=1
    )
    document = json.loads((pytester.path / "findings.json").read_text())
    ran, not_selected = document["findings"]
    assert document["run"]["selected"] == ["test_cat.py::test_member_lost"]
    assert ran["outcome"] == "passed" and ran["run_started"] == document["run"]["started"]
    assert ran["claim"]["question_id"] == "etcd-failure"
    assert ran["claim"]["sentences"] == {"en": "Two of three.", "ko": "셋 중 둘."}
    assert not_selected["test"] == "test_cat.py::test_scheduler_down"
    assert not_selected["outcome"] == "not run" and not_selected["run_started"] is None


PHASED = """
from kindchaos.faults import phases

def test_phased():
    with phases.phase("inject: a fault"):
        pass
"""


def test_phase_changes_print_live_with_v_only(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_phased=PHASED)
    verbose = pytester.runpytest("-v", "-p", "no:cacheprovider")
    verbose.assert_outcomes(passed=1)
    verbose.stdout.re_match_lines([r"^    • inject: a fault \.\.\.$", r"^    ✓ inject: a fault \(\d+\.\ds\)$"])
    quiet = pytester.runpytest("-p", "no:cacheprovider")
    quiet.assert_outcomes(passed=1)
    assert "inject: a fault" not in quiet.stdout.str()


def test_only_a_session_that_runs_scenarios_writes_allure_results_by_default(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nkindchaos_alluredir = out/allure\n")
    pytester.mkdir("scenarios")
    pytester.mkdir("tests")
    (pytester.path / "scenarios" / "test_s.py").write_text("def test_s():\n    pass\n")
    (pytester.path / "tests" / "test_u.py").write_text("def test_u():\n    pass\n")
    pytester.runpytest("tests").assert_outcomes(passed=1)
    assert not (pytester.path / "out" / "allure").exists(), "a unit-test session wrote Allure results"
    pytester.runpytest("scenarios/test_s.py::test_s").assert_outcomes(passed=1)
    assert list((pytester.path / "out" / "allure").glob("*-result.json")), "a scenario session wrote none"


CLAIMED = '''
import pytest
from kindchaos.claims import parse_claim
from kindchaos.evidence.checks import CheckBook
from kindchaos.evidence.findings import Claim
from kindchaos.evidence.scenario import ChaosRun

DOC = "Pods stay Pending [pending]; they are bound after [bound]."


@pytest.fixture
def chaos():
    """A ChaosRun with only the claim and the checks (no cluster): the plugin's check after the call."""
    run = ChaosRun.__new__(ChaosRun)
    text = parse_claim(DOC)
    clauses = {"en": [{"text": c.text, "checks": list(c.checks)} for c in text.clauses["en"]]}
    run.claim = Claim(question="q", sentence=text.sentences["en"], clauses=clauses)
    run.figures, run.probes, run.histories = [], [], []
    run.check = CheckBook(run.figures)
    return run


def test_both(chaos):
    chaos.check.that("pending", True, "yes", what="pending")
    chaos.check.that("bound", True, "yes", what="bound")


def test_one_clause_unchecked(chaos):
    chaos.check.that("pending", True, "yes", what="pending")
'''


def test_a_passing_scenario_with_an_unchecked_clause_fails(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_claimed=CLAIMED)
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*ClaimViolated: claim clause without a check that ran: bound*"])


SIGTERM_SEEN = """
import signal
from kindchaos import signals


def test_handler():
    assert (signal.getsignal(signal.SIGTERM) is signals._raise_terminated) is {expected}
"""


def test_sigterm_unwinds_only_in_a_scenario_session_and_the_old_handler_comes_back(pytester: pytest.Pytester) -> None:
    import signal

    (pytester.path / "scenarios").mkdir()
    (pytester.path / "tests").mkdir()
    (pytester.path / "scenarios" / "test_s.py").write_text(SIGTERM_SEEN.format(expected=True))
    (pytester.path / "tests" / "test_u.py").write_text(SIGTERM_SEEN.format(expected=False))
    before = signal.getsignal(signal.SIGTERM)
    pytester.runpytest("tests", "-p", "no:cacheprovider").assert_outcomes(passed=1)
    assert signal.getsignal(signal.SIGTERM) is before
    pytester.runpytest("scenarios", "-p", "no:cacheprovider").assert_outcomes(passed=1)
    assert signal.getsignal(signal.SIGTERM) is before, "the scenario session left its SIGTERM handler behind"
