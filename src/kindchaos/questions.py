"""The interview questions the catalogue answers; scenarios name them with ``@pytest.mark.question(id)``.

A scenario's docstring is its claim (``kindchaos.claims``), in English and Korean, so both answer sheets
are written from what the scenario itself says.
"""

from __future__ import annotations

from kindchaos.errors import UsageError

QUESTIONS = {
    "components": "Explain the Kubernetes components and their roles.",
    "control-plane-failure": "What happens if a control-plane component fails?",
    "etcd-failure": "What happens if an etcd member fails?",
    "etcd-backup": "What is your etcd backup and restore strategy?",
    "upgrade": "How do you upgrade a cluster (drain, upgrade, uncordon)?",
    "cluster-failure": "How do you respond to a cluster failure?",
    "pod-network": "How does pod-to-pod traffic cross nodes, and what happens when the CNI agent fails?",
    "engine": "Does the scenario engine prove, observe and restore its faults? (the library's own checks)",
}
QUESTIONS_KO = {
    "components": "쿠버네티스 구성 요소와 각각의 역할을 설명해 주세요.",
    "control-plane-failure": "컨트롤 플레인 구성 요소가 장애를 일으키면 어떻게 되나요?",
    "etcd-failure": "etcd 멤버 하나가 장애를 일으키면 어떻게 되나요?",
    "etcd-backup": "etcd 백업과 복구 전략은 무엇인가요?",
    "upgrade": "클러스터는 어떻게 업그레이드하나요 (drain, 업그레이드, uncordon)?",
    "cluster-failure": "클러스터 장애에는 어떻게 대응하나요?",
    "pod-network": "파드 간 트래픽은 노드를 어떻게 건너가며, CNI 에이전트가 장애를 일으키면 어떻게 되나요?",
    "engine": "시나리오 엔진은 장애를 증명하고, 관찰하고, 되돌리나요? (라이브러리 자체 검사)",
}
LANGUAGES = ("en", "ko")


def question_text(question_id: str, lang: str = "en") -> str:
    table = QUESTIONS_KO if lang == "ko" else QUESTIONS
    try:
        return table[question_id]
    except KeyError:
        raise UsageError(
            f"unknown question id {question_id!r}", hint=f"use one of {', '.join(sorted(QUESTIONS))}"
        ) from None


def question_id_of(text: str) -> str | None:
    """The id of a question given its English text (findings written before ids were recorded)."""
    return next((qid for qid, known in QUESTIONS.items() if known == text), None)
