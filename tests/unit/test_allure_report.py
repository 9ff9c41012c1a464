"""`kindchaos report` refuses a missing, empty or damaged results folder with a message naming the fix."""

from pathlib import Path

import pytest

from kindchaos.errors import UsageError
from kindchaos.evidence.allure_report import generate, result_files


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
