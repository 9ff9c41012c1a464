"""The sheet's fixed wording in each language; the claims themselves come from the scenarios."""

from __future__ import annotations

WORDS: dict[str, dict[str, str]] = {
    "en": {
        "title": "What happens when a component fails: answers measured on real clusters",
        "source": "Written by `kindchaos answers` from `{source}`.",
        "run": "Last run: {started} to {finished} (UTC), node image `{image}`, {selected} scenario(s) selected.",
        "shards": "The run was {count} shards merged into one: {shards}.",
        "no_run": "The findings file does not say which run wrote it; each claim gives the date of its own run.",
        "tally": "Claims: {confirmed} confirmed, {failed} failed, {skipped} skipped, "
        "{not_run} not run in the last run.",
        "legend": "Only a claim marked ✅ was confirmed by the last run: the scenario passed and every check its "
        "clauses name ran and held. Any other claim is what the scenario checks, not a fact this run established.",
        "question": "Question",
        "confirmed": "✅ **Confirmed** in the run of {date}.",
        "failed": "❌ **Not confirmed: the scenario failed** in the run of {date}.",
        "skipped": "⚪ **Not confirmed: skipped** in the last run.",
        "not run": "⚪ **Not confirmed: not run** in the last run.",
        "earlier": "An earlier run ({date}) {outcome}.",
        "earlier_passed": "passed",
        "earlier_failed": "failed",
        "reason": "Reason",
        "unconfirmed": "Unconfirmed claim",
        "untranslated": "(no Korean text for this claim yet; the English sentence is shown)",
        "measured": "Measured",
        "budget": "budget",
        "no_figures": "no figures recorded",
        "test": "Test",
        "no_claims": "No scenario of the catalogue answers this question yet.",
        "checks": "Checks, clause by clause",
        "check_held": "held",
        "check_failed": "failed",
        "check_not_run": "did not run in the last run",
        "required": "required",
        "measured_value": "measured",
        "failed_check": "Failed check",
        "also_checked": "also checked:",
        "layouts_title": "Stacked or external etcd: the same faults on both HA layouts",
        "layouts_legend": "kubeadm's two HA layouts, each with three control planes behind haproxy: `ha` runs an etcd "
        "member on every control-plane node (stacked), `ha-external` runs three members outside the nodes "
        "(`etcd.external`). Each table sets the figures of the same fault side by side, as the findings file holds "
        "them; ✅ marks a check that held in that run, ❌ one that failed, — a figure the test did not record.",
        "layouts_measure": "measured",
        "layouts_stacked": "stacked (`ha`)",
        "layouts_external": "external (`ha-external`)",
        "layouts_missing": "no finding yet",
        "layouts_source": "{outcome} in the run of {date}",
        "layouts_recovery": "the run's recovery",
    },
    "ko": {
        "title": "구성 요소가 장애를 일으키면: 실제 클러스터에서 측정한 답변",
        "source": "`kindchaos answers`가 `{source}`에서 만들었습니다.",
        "run": "마지막 실행: {started} ~ {finished} (UTC), 노드 이미지 `{image}`, 선택된 시나리오 {selected}개.",
        "shards": "이 실행은 샤드 {count}개를 하나로 합친 것입니다: {shards}.",
        "no_run": "findings 파일에 어느 실행이 기록했는지 정보가 없습니다. "
        "각 주장에는 그 주장을 실행한 날짜가 표시됩니다.",
        "tally": "주장: 확인됨 {confirmed}, 실패 {failed}, 건너뜀 {skipped}, 마지막 실행에서 실행 안 됨 {not_run}.",
        "legend": "✅ 표시가 있는 주장만 마지막 실행에서 확인된 사실입니다. 시나리오가 통과하고 각 절이 가리키는 "
        "검사가 모두 실행되어 통과했다는 뜻입니다. 다른 주장은 시나리오가 검사하는 내용일 뿐, 이번 실행으로 "
        "확인된 사실이 아닙니다.",
        "question": "질문",
        "confirmed": "✅ **확인됨**: {date} 실행.",
        "failed": "❌ **확인되지 않음: 시나리오 실패** ({date} 실행).",
        "skipped": "⚪ **확인되지 않음: 마지막 실행에서 건너뜀**.",
        "not run": "⚪ **확인되지 않음: 마지막 실행에서 실행되지 않음**.",
        "earlier": "이전 실행({date})에서는 {outcome}.",
        "earlier_passed": "통과했습니다",
        "earlier_failed": "실패했습니다",
        "reason": "이유",
        "unconfirmed": "확인되지 않은 주장",
        "untranslated": "(이 주장의 한국어 문장이 아직 없어 영어 문장을 보여 줍니다)",
        "measured": "측정값",
        "budget": "허용 한도",
        "no_figures": "기록된 측정값 없음",
        "test": "테스트",
        "no_claims": "이 질문에 답하는 시나리오가 카탈로그에 아직 없습니다.",
        "checks": "절마다의 검사",
        "check_held": "통과",
        "check_failed": "실패",
        "check_not_run": "마지막 실행에서 실행되지 않음",
        "required": "요구",
        "measured_value": "측정",
        "failed_check": "실패한 검사",
        "also_checked": "그 밖에 검사한 것:",
        "layouts_title": "stacked etcd와 external etcd: 두 HA 구성에서 같은 장애",
        "layouts_legend": "kubeadm의 두 HA 구성은 모두 haproxy 뒤에 컨트롤 플레인 세 개를 둡니다. `ha`는 컨트롤 플레인 "
        "노드마다 etcd 멤버를 하나씩 돌리고(stacked), `ha-external`은 노드 밖에서 멤버 세 개를 돌립니다"
        "(`etcd.external`). 표마다 같은 장애의 측정값을 findings 파일에 있는 그대로 나란히 놓았습니다. ✅는 그 "
        "실행에서 통과한 검사, ❌는 실패한 검사, —는 테스트가 기록하지 않은 값입니다.",
        "layouts_measure": "측정 항목",
        "layouts_stacked": "stacked (`ha`)",
        "layouts_external": "external (`ha-external`)",
        "layouts_missing": "아직 결과 없음",
        "layouts_source": "{date} 실행에서 {outcome}",
        "layouts_recovery": "그 실행의 복구",
    },
}


def words(lang: str) -> dict[str, str]:
    return WORDS[lang]
