"""The interview questions the catalogue answers; scenarios name them with ``@pytest.mark.question(id)``."""

from __future__ import annotations

from kindchaos.errors import UsageError

QUESTIONS = {
    "components": "Explain the Kubernetes components and their roles.",
    "control-plane-failure": "What happens if a control-plane component fails?",
    "etcd-failure": "What happens if an etcd member fails?",
    "etcd-backup": "What is your etcd backup and restore strategy?",
    "upgrade": "How do you upgrade a cluster (drain, upgrade, uncordon)?",
    "cluster-failure": "How do you respond to a cluster failure?",
    "engine": "Does the scenario engine prove, observe and restore its faults? (the library's own checks)",
}


def question_text(question_id: str) -> str:
    try:
        return QUESTIONS[question_id]
    except KeyError:
        raise UsageError(
            f"unknown question id {question_id!r}", hint=f"use one of {', '.join(sorted(QUESTIONS))}"
        ) from None
