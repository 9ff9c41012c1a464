"""`kindchaos report` and `kindchaos answers` on the evidence of a real catalogue scenario run."""

import json
import re
from pathlib import Path

import pytest

from kindchaos.answers.render import format_value
from kindchaos.cli import main
from kindchaos.cluster.lifecycle import Cluster
from kindchaos.evidence.allure_report import generate, report_cases, scenario_uid
from kindchaos.evidence.report_browser import look_at
from kindchaos.host.doctor import allure_bin
from tests.integration.test_engine_runs import REPO, child_pytest

pytestmark = [pytest.mark.integration, pytest.mark.topology("single"), pytest.mark.disruptive]

SCENARIO = REPO / "scenarios" / "control_plane" / "test_scheduler.py"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def scenario_run(single_cluster: Cluster, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The scheduler scenarios file run with `-k crash`: one scenario run, one deselected."""
    results = tmp_path_factory.mktemp("evidence")
    child = child_pytest(str(SCENARIO), results, extra=["-k", "crash"])
    out, _ = child.communicate(timeout=600)
    assert child.returncode == 0, out
    return results


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == PNG_SIGNATURE, f"{path} is not a PNG"
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def test_the_report_holds_the_scenario_with_its_steps_and_evidence(scenario_run: Path, tmp_path: Path) -> None:
    report = tmp_path / "report"
    first = generate(scenario_run / "allure", report, allure=allure_bin())
    (case,) = report_cases(report)
    assert (case["name"], case["status"]) == ("test_scheduler_crash", "passed")
    steps = [step["name"] for step in case["testStage"]["steps"]]
    for phase in ("inject:", "proven:", "restore:"):
        assert any(step.startswith(phase) for step in steps), f"no {phase} step in {steps}"
    attached = {a["name"] for stage in case["afterStages"] for a in stage.get("attachments", [])}
    assert {"figures", "timeline chart", "timeline.json", "events during the run"} <= attached, attached
    assert first.statistic["passed"] == first.statistic["total"] == 1
    assert first.history_runs == 1
    second = generate(scenario_run / "allure", report, allure=allure_bin())
    assert second.history_runs == 2, "the trend must carry the earlier run"


def test_the_report_reads_in_a_browser(scenario_run: Path, tmp_path: Path) -> None:
    report, shots = tmp_path / "report", tmp_path / "shots"
    assert main(["report", "--results", str(scenario_run / "allure"), "--output", str(report)]) == 0
    view = look_at(report, shots, test_uid=scenario_uid(report, "test_scheduler_crash"))
    assert re.search(r"\b1\s+test case\b", view.overview_text), view.overview_text[:500]
    for shown in ("test_scheduler_crash", "inject:", "figures", "crash_to_new_container_s", "timeline chart"):
        assert shown in view.scenario_text, f"{shown!r} not on the scenario page"
    assert png_size(view.overview_png) == (1400, 1000)
    assert png_size(view.scenario_png)[0] == 1400


def test_the_answer_sheets_state_the_measured_figure_and_what_did_not_run(scenario_run: Path, tmp_path: Path) -> None:
    findings = scenario_run / "findings.json"
    by_test = {f["test"].rsplit("::", 1)[1]: f for f in json.loads(findings.read_text())["findings"]}
    crash, outage = by_test["test_scheduler_crash"], by_test["test_scheduler_outage"]
    assert crash["outcome"] == "passed" and outage["outcome"] == "not run"
    figure = next(f for f in crash["figures"] if f["name"] == "crash_to_new_container_s")
    for lang, confirmed, not_run in (("en", "✅ **Confirmed**", "not run"), ("ko", "✅ **확인됨**", "실행되지 않음")):
        assert main(["answers", "--findings", str(findings), "--lang", lang, "--output", str(tmp_path)]) == 0
        sheet = (tmp_path / f"answers.{lang}.md").read_text()
        claim = crash["claim"]["sentences"][lang]
        block = sheet[sheet.index(claim) :]
        assert confirmed in block.splitlines()[1]
        assert f"`crash_to_new_container_s` = {format_value(figure['value'], figure['unit'])}" in block
        assert f"`{crash['test']}`" in block
        killed = next(c for c in crash["checks"] if c["name"] == "old_container_killed")
        assert killed["held"] and killed["measured"] == "137", killed
        held = "held: required" if lang == "en" else "통과: 요구"
        assert f"✅ `old_container_killed` {held} the killed container's exit code = 137; " in block, block[:1500]
        outage_claim = outage["claim"]["sentences"][lang]
        assert f"**{outage_claim}**" not in sheet, "a claim that did not run is stated as fact"
        assert not_run in sheet[sheet.index(outage_claim) :].splitlines()[1]
        assert (tmp_path / f"answers.{lang}.html").read_text().count("<h2>") == 6
