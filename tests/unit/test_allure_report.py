"""`kindchaos report` refuses a missing, empty or damaged results folder, or a test two shards both ran, with a
message naming the fix."""

import json
from pathlib import Path

import pytest

from kindchaos.errors import UsageError
from kindchaos.evidence.allure_report import generate, refuse_shared_tests, result_files


def test_a_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"no Allure results folder at .*fix: run the scenarios first"):
        result_files(tmp_path / "absent")


def test_a_file_instead_of_a_folder(tmp_path: Path) -> None:
    (tmp_path / "results").write_text("x")
    with pytest.raises(UsageError, match="is not a folder of Allure results"):
        result_files(tmp_path / "results")


def test_an_empty_folder(tmp_path: Path) -> None:
    (tmp_path / "some-attachment.txt").write_text("x")
    with pytest.raises(UsageError, match=r"holds no test results \(\*-result.json\)"):
        result_files(tmp_path)


def test_a_damaged_result(tmp_path: Path) -> None:
    (tmp_path / "1-result.json").write_text("{not json")
    with pytest.raises(UsageError, match=r"is not a readable Allure result .*--clean-alluredir"):
        result_files(tmp_path)


def test_a_missing_allure_command_line(tmp_path: Path) -> None:
    (tmp_path / "1-result.json").write_text("{}")
    with pytest.raises(UsageError, match=r"Allure command line is not installed .*kindchaos doctor --fix"):
        generate(tmp_path, tmp_path / "report", allure=tmp_path / "no-allure")


def _result(folder: Path, name: str, history_id: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}-result.json").write_text(json.dumps({"fullName": name, "historyId": history_id}))


def test_shards_with_disjoint_tests_pass(tmp_path: Path) -> None:
    _result(tmp_path / "a", "scenarios.x#test_one", "h1")
    _result(tmp_path / "b", "scenarios.y#test_two", "h2")
    refuse_shared_tests([tmp_path / "a", tmp_path / "b"])


def test_a_test_in_two_shards_is_named(tmp_path: Path) -> None:
    _result(tmp_path / "a", "scenarios.x#test_one", "h1")
    _result(tmp_path / "b", "scenarios.x#test_one", "h1")
    with pytest.raises(UsageError, match=r"scenarios.x#test_one has results in two folders: .*a and .*b.*disjoint"):
        refuse_shared_tests([tmp_path / "a", tmp_path / "b"])


def test_one_folder_given_twice(tmp_path: Path) -> None:
    _result(tmp_path / "a", "scenarios.x#test_one", "h1")
    with pytest.raises(UsageError, match="the same results folder is given twice"):
        generate([tmp_path / "a", tmp_path / "a"], tmp_path / "report", allure=tmp_path / "no-allure")
