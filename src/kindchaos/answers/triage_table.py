"""The "cluster failure" section's procedure and its accuracy: ``kindchaos triage`` run while each fault of the
last run held, whether its first finding named that fault, and how long it took.

The records come from the findings of the last run only (``finding["triage"]``); a finding from an earlier run
is left out, so the table never mixes runs.
"""

from __future__ import annotations

import statistics
from typing import Any

PROCEDURE = {
    "en": [
        "Run `kindchaos triage --cluster NAME` (or `--kubeconfig PATH`); read-only, every request time-limited, "
        "30 s for the whole run. It looks, in this order:",
        "the API through the kubeconfig's server (`/livez`, `/readyz?verbose`) and each apiserver directly, with "
        "the certificates they present and the kubeconfig's own",
        "nodes: Ready, pressure, cordon and the age of each node's lease; kube-system pods (restarts, waiting "
        "reasons, last exit), CoreDNS, warning events of the last 10 minutes, componentstatuses (deprecated), "
        "the scheduler's and controller-manager's leader leases, admission webhooks and their backends, API "
        "Priority and Fairness over the run's own window",
        "etcd from a control plane with the apiserver's own client certificate: member list, each member's "
        "health, status (leader, db size) and the alarm list; an external member's container",
        "each node's machine (kind: `docker exec`): powered, frozen, kubelet and containerd units, static-pod "
        "manifests, containers, stopped processes, each component's health endpoint, whether the node reaches "
        "the API server, and the last log lines of what is down",
        "It names the broken part root cause first (certificates, machines, etcd, node agents, the control "
        "plane, then what the API shows), with the lines that show it and the runbook step that fixes it; exit "
        "0 healthy, 3 degraded, 4 down. Without node access it says what it could not see.",
    ],
    "ko": [
        "`kindchaos triage --cluster NAME`(또는 `--kubeconfig PATH`)를 실행합니다. 읽기 전용이고 모든 요청에 시간 "
        "제한이 있으며 전체 실행은 30초입니다. 다음 순서로 살펴봅니다:",
        "kubeconfig의 서버를 통한 API(`/livez`, `/readyz?verbose`)와 각 apiserver 직접 호출, 그리고 그들이 내미는 "
        "인증서와 kubeconfig 자신의 인증서",
        "노드: Ready, 압박 상태, cordon, 노드 lease의 나이. kube-system 파드(재시작, 대기 사유, 마지막 종료), "
        "CoreDNS, 최근 10분의 경고 이벤트, componentstatuses(사용 중단), scheduler와 controller-manager의 리더 "
        "lease, admission webhook과 그 백엔드, 실행 구간 동안의 API Priority and Fairness",
        "컨트롤 플레인에서 apiserver 자신의 클라이언트 인증서로 본 etcd: 멤버 목록, 멤버별 health, status(리더, DB "
        "크기), 알람 목록. 외부 멤버는 컨테이너 상태까지",
        "각 노드의 머신(kind: `docker exec`): 전원, 동결, kubelet과 containerd 유닛, static pod 매니페스트, "
        "컨테이너, 정지된 프로세스, 구성 요소별 health 엔드포인트, 노드가 API 서버에 닿는지, 내려간 것의 마지막 로그",
        "근본 원인부터(인증서, 머신, etcd, 노드 에이전트, 컨트롤 플레인, 그다음 API가 보여 주는 것) 고장 난 부분을 "
        "그것을 보여 주는 줄과 고치는 런북 단계와 함께 알려 줍니다. 종료 코드는 정상 0, 저하 3, 중단 4입니다. 노드에 "
        "접근할 수 없으면 보지 못한 것을 말합니다.",
    ],
}

WORDS = {
    "en": {
        "procedure": "**The procedure, as a command.**",
        "accuracy": "**Measured against the faults of the last run:** {correct} of {tried} faults named by the "
        "first finding; {healthy} triage runs on a healthy cluster with {alarms} false alarm(s); time to "
        "diagnosis median {median:.1f} s, longest {longest:.1f} s.",
        "header": "| fault held | expected | first finding | named | s |",
        "none": "*No triage ran in the last run (run the scenarios with `--kindchaos-triage=on`).*",
        "healthy": "(no fault: a healthy cluster)",
    },
    "ko": {
        "procedure": "**명령으로 만든 절차.**",
        "accuracy": "**마지막 실행의 장애로 측정한 결과:** {tried}개 장애 중 {correct}개를 첫 번째 진단이 "
        "가리켰습니다. 정상 클러스터에서 triage {healthy}회 실행, 오탐 {alarms}건. 진단까지 걸린 시간 중앙값 "
        "{median:.1f}초, 최장 {longest:.1f}초.",
        "header": "| 유지된 장애 | 기대한 진단 | 첫 번째 진단 | 일치 | 초 |",
        "none": "*마지막 실행에서 triage가 실행되지 않았습니다(`--kindchaos-triage=on`으로 시나리오를 실행하세요).*",
        "healthy": "(장애 없음: 정상 클러스터)",
    },
}


def records(document: dict[str, Any]) -> list[dict[str, Any]]:
    """Every triage record of the last run, in the order the scenarios ran them."""
    run = document.get("run") if isinstance(document.get("run"), dict) else None
    started = run.get("started") if run else None
    found = []
    for finding in document.get("findings") or []:
        if not isinstance(finding, dict) or (started is not None and finding.get("run_started") != started):
            continue
        found += [dict(r, test=finding["test"]) for r in finding.get("triage") or [] if isinstance(r, dict)]
    return sorted(found, key=lambda r: (r.get("test", ""),))


def tally(found: list[dict[str, Any]]) -> dict[str, Any]:
    faulted = [r for r in found if r.get("fault")]
    healthy = [r for r in found if not r.get("fault")]
    seconds = [float(r.get("seconds") or 0) for r in found]
    return {
        "tried": len(faulted),
        "correct": sum(bool(r.get("correct")) for r in faulted),
        "healthy": len(healthy),
        "alarms": sum(not r.get("correct") for r in healthy),
        "median": statistics.median(seconds) if seconds else 0.0,
        "longest": max(seconds, default=0.0),
    }


def _cell(text: str) -> str:
    return " ".join(str(text).replace("|", "/").split())


def to_markdown(document: dict[str, Any], lang: str) -> list[str]:
    """The section's procedure and accuracy table, as Markdown lines."""
    w = WORDS.get(lang, WORDS["en"])
    steps = PROCEDURE.get(lang, PROCEDURE["en"])
    lines = ["", w["procedure"], "", steps[0], ""]
    lines += [f"{number}. {step}" for number, step in enumerate(steps[1:-1], start=1)]
    lines += ["", steps[-1], ""]
    found = records(document)
    if not found:
        return [*lines, w["none"]]
    lines += [w["accuracy"].format(**tally(found)), "", w["header"], "| --- | --- | --- | --- | --- |"]
    for record in found:
        fault = _cell(record.get("fault") or w["healthy"])
        mark = "✅" if record.get("correct") else "❌"
        lines.append(
            f"| {fault} | {_cell(record.get('expected', ''))} | {_cell(record.get('diagnosis', ''))[:160]} | "
            f"{mark} | {float(record.get('seconds') or 0):.1f} |"
        )
    return lines
