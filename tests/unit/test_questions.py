"""Every catalogue claim is stated in English and in Korean, from the scenario's own docstring."""

import ast
from pathlib import Path

import pytest

from kindchaos.claims import claim_sentences
from kindchaos.errors import UsageError
from kindchaos.questions import QUESTIONS, QUESTIONS_KO, question_id_of, question_text

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


def scenario_docstrings() -> dict[str, str]:
    found = {}
    for path in sorted(SCENARIOS.rglob("test_*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
                found[f"{path.relative_to(SCENARIOS)}::{node.name}"] = ast.get_docstring(node) or ""
    return found


def test_a_docstring_splits_into_english_and_korean() -> None:
    doc = "The leader is re-elected\nwithin 10 s.\n\nko: 리더는 10초 안에\n다시 뽑힙니다.\n"
    english, korean = "The leader is re-elected within 10 s.", "리더는 10초 안에 다시 뽑힙니다."
    assert claim_sentences(doc) == {"en": english, "ko": korean}


def test_a_docstring_without_korean_has_english_only() -> None:
    assert claim_sentences("Only English.") == {"en": "Only English."}
    assert claim_sentences(None) == {}


@pytest.mark.parametrize(("test", "doc"), sorted(scenario_docstrings().items()))
def test_every_catalogue_claim_has_english_and_korean(test: str, doc: str) -> None:
    sentences = claim_sentences(doc)
    assert set(sentences) == {"en", "ko"}, f"{test}: add a 'ko:' paragraph to its docstring"


def test_every_question_has_korean_text() -> None:
    assert set(QUESTIONS_KO) == set(QUESTIONS)
    assert question_text("etcd-backup", "ko") == QUESTIONS_KO["etcd-backup"]
    assert question_id_of(QUESTIONS["upgrade"]) == "upgrade"
    with pytest.raises(UsageError, match="unknown question id"):
        question_text("nope")
