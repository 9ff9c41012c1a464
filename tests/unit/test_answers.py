"""The answer sheet states only what the last run confirmed, with its figure and test id."""

import json
from pathlib import Path
from typing import Any

import pytest

from kindchaos.answers.render import format_value, to_html, to_markdown
from kindchaos.answers.sheet import CONFIRMED, FAILED, NOT_RUN, SKIPPED, build_sheet, load_sheet
from kindchaos.errors import UsageError

RUN = 1_790_000_000.0
CAUGHT_UP = {"name": "catch_up_s", "requirement": "caught up ≤ 60.00 s", "measured": "0.99 s", "held": True}


def finding(test: str, outcome: str, *, question: str = "etcd-failure", run: float | None = RUN, **extra: Any) -> dict:
    return {
        "test": test,
        "outcome": outcome,
        "claim": {
            "question": "ignored",
            "question_id": question,
            "sentence": f"{test} holds.",
            "sentences": {"en": f"{test} holds.", "ko": f"{test} 성립."},
            "clauses": {
                "en": [{"text": f"{test} holds", "checks": ["catch_up_s"]}],
                "ko": [{"text": f"{test} 성립", "checks": ["catch_up_s"]}],
            },
        },
        "figures": [{"name": "catch_up_s", "value": 0.987, "unit": "s", "budget": 60.0, "note": ""}],
        "checks": extra.pop("checks", [CAUGHT_UP]),
        "finished": RUN + 100,
        "run_started": run,
        "message": extra.pop("message", ""),
        **extra,
    }


def document(*findings: dict) -> dict:
    return {"run": {"started": RUN, "finished": RUN + 900, "selected": ["a"], "node_image": "kindchaos/node:x"},
            "findings": list(findings)}  # fmt: skip


def claims(sheet: Any) -> dict[str, Any]:
    return {claim.test: claim for section in sheet.sections for claim in section.claims}


def test_each_outcome_of_the_last_run_gets_its_status() -> None:
    doc = document(
        finding("passed", "passed"),
        finding("failed", "failed", message="E   AssertionError: quorum did not return\nmore"),
        finding("skipped", "skipped"),
        finding("earlier", "passed", run=RUN - 86400),
        finding("never", "not run", run=None),
    )
    found = claims(build_sheet(doc, lang="en"))
    assert {test: claim.status for test, claim in found.items()} == {
        "passed": CONFIRMED, "failed": FAILED, "skipped": SKIPPED, "earlier": NOT_RUN, "never": NOT_RUN,
    }  # fmt: skip
    assert found["failed"].reason == "AssertionError: quorum did not return"
    assert found["earlier"].earlier == "passed"


def test_a_failed_or_not_run_claim_is_never_stated_as_fact() -> None:
    doc = document(finding("ok", "passed"), finding("bad", "failed"), finding("old", "passed", run=RUN - 1))
    text = to_markdown(build_sheet(doc, lang="en"))
    assert "- **ok holds.**" in text
    assert "- *Unconfirmed claim:* bad holds." in text and "**bad holds.**" not in text
    assert "- *Unconfirmed claim:* old holds." in text and "An earlier run" in text
    assert "Claims: 1 confirmed, 1 failed, 0 skipped, 1 not run in the last run." in text


def test_each_claim_carries_its_figure_budget_and_test_id_in_korean() -> None:
    text = to_markdown(build_sheet(document(finding("scenarios/etcd/x.py::t", "passed")), lang="ko"))
    assert "- **scenarios/etcd/x.py::t 성립.**" in text
    assert "✅ `catch_up_s` 통과: 요구 caught up ≤ 60.00 s; 측정 0.99 s" in text
    assert "`catch_up_s` = 0.987 s" not in text, "a check's own figure is shown once, with the check"
    assert "테스트: `scenarios/etcd/x.py::t`" in text
    assert "## 3. etcd 멤버 하나가 장애를 일으키면 어떻게 되나요?" in text


def test_every_question_gets_a_section_even_without_claims() -> None:
    sheet = build_sheet(document(finding("t", "passed", question="upgrade")), lang="en")
    assert [len(s.claims) for s in sheet.sections] == [0, 0, 0, 0, 1, 0]
    assert "No scenario of the catalogue answers this question yet." in to_markdown(sheet)


def test_a_claim_without_korean_text_says_so() -> None:
    bare = finding("t", "passed")
    bare["claim"]["sentences"] = {"en": "English only."}
    (claim,) = claims(build_sheet(document(bare), lang="ko")).values()
    assert claim.sentence == "English only." and not claim.translated
    assert "한국어 문장이 아직 없어" in to_markdown(build_sheet(document(bare), lang="ko"))


def test_html_is_the_same_sheet_with_its_language() -> None:
    sheet = build_sheet(document(finding("t", "passed")), lang="ko")
    page = to_html(sheet)
    assert page.startswith("<!doctype html>") and '<html lang="ko">' in page
    assert "<strong>t 성립.</strong>" in page and "<code>catch_up_s</code>" in page


@pytest.mark.parametrize(
    ("value", "unit", "shown"),
    [(0.98712, "s", "0.987 s"), (7.3412, "s", "7.34 s"), (1234.5, "s", "1234 s"), (1_280_000, "B", "1.28 MB"),
     (3, "", "3"), ("401", "", "401"), (None, "s", "None")],
)  # fmt: skip
def test_figures_are_shown_as_a_reader_wants_them(value: Any, unit: str, shown: str) -> None:
    assert format_value(value, unit) == shown


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (None, "no findings file at"),
        ("not json", "is not valid JSON"),
        ("{}", "has no 'findings' list"),
        ('{"findings": []}', "holds no findings"),
        ('{"findings": [{"test": "x"}]}', "finding 0 lacks 'test' or 'outcome'"),
    ],
)
def test_a_bad_findings_file_gets_a_clear_message(tmp_path: Path, content: str | None, says: str) -> None:
    path = tmp_path / "findings.json"
    if content is not None:
        path.write_text(content)
    with pytest.raises(UsageError, match=says) as raised:
        load_sheet(path, lang="en")
    assert raised.value.hint


def test_an_unknown_language_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "findings.json"
    path.write_text(json.dumps(document(finding("t", "passed"))))
    with pytest.raises(UsageError, match="unknown language 'fr'"):
        load_sheet(path, lang="fr")


def test_a_claim_with_a_failed_check_is_not_stated_and_names_the_check() -> None:
    late = {**CAUGHT_UP, "measured": "75.00 s", "held": False}
    doc = document(finding("late", "failed", checks=[late], message="E   BudgetBreached: budget breached: catch_up_s"))
    text = to_markdown(build_sheet(doc, lang="en"))
    assert "**late holds.**" not in text and "- *Unconfirmed claim:* late holds." in text
    assert "Failed check: `catch_up_s`" in text
    assert "❌ `catch_up_s` failed: required caught up ≤ 60.00 s; measured 75.00 s" in text


def test_a_passed_claim_whose_check_did_not_run_is_not_stated() -> None:
    (claim,) = claims(build_sheet(document(finding("silent", "passed", checks=[])), lang="en")).values()
    assert claim.status == FAILED and "catch_up_s" in claim.reason
    text = to_markdown(build_sheet(document(finding("silent", "passed", checks=[])), lang="en"))
    assert "**silent holds.**" not in text and "⚪ `catch_up_s` did not run in the last run" in text


def test_each_clause_is_listed_with_its_check_in_both_languages() -> None:
    for lang, words in (("en", "held: required"), ("ko", "통과: 요구")):
        text = to_markdown(build_sheet(document(finding("ok", "passed")), lang=lang))
        assert f"✅ `catch_up_s` {words} caught up ≤ 60.00 s" in text
        assert ("“ok holds”" if lang == "en" else "“ok 성립”") in text


def test_stacked_and_external_twins_are_set_side_by_side_with_their_outcomes() -> None:
    stacked = finding("scenarios/etcd/test_members.py::test_leader_lost", "passed")
    stacked["figures"] = [{"name": "new_leader_elected", "value": 7.68, "unit": "s"}]
    stacked["checks"] = [{"name": "new_leader_elected", "held": True}]
    external = finding("scenarios/etcd/test_external_etcd.py::test_external_leader_lost", "failed")
    external["figures"] = [{"name": "new_leader_elected", "value": 12.5, "unit": "s"}]
    external["checks"] = [{"name": "new_leader_elected", "held": False}]
    text = to_markdown(build_sheet(document(stacked, external), lang="en"))
    section = text[text.index("## Stacked or external etcd") :]
    assert "### The etcd leader down" in section
    assert "| new leader, from the stop (s) (`new_leader_elected`) | 7.68 ✅ | 12.50 ❌ |" in section
    assert (
        "external (`ha-external`): `scenarios/etcd/test_external_etcd.py::test_external_leader_lost`, failed" in section
    )
    assert "### Quorum lost" not in section  # neither twin ran
    korean = to_markdown(build_sheet(document(stacked), lang="ko"))
    assert "### etcd 리더가 내려감" in korean and "아직 결과 없음" in korean


def test_no_twin_in_the_findings_means_no_layouts_section() -> None:
    text = to_markdown(build_sheet(document(finding("a", "passed")), lang="en"))
    assert "Stacked or external etcd" not in text


def test_a_threshold_check_shows_its_own_value_in_the_layouts_table() -> None:
    """``at_least`` checks record their value on the check, not as a figure."""
    external = finding(
        "scenarios/etcd/test_external_etcd.py::test_control_plane_node_lost_keeps_every_member", "passed"
    )
    external["figures"] = []
    external["checks"] = [{"name": "api_success_ratio", "held": True, "value": 1.0}]
    text = to_markdown(build_sheet(document(external), lang="en"))
    assert "| share of API requests answered (`api_success_ratio`) | — | 1.00 ✅ |" in text, text
