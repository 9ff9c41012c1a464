"""The four-part fault contract, with a fake fault (pure logic; no cluster)."""

import pytest

from kindchaos.errors import FaultNotInjected, RestoreError
from kindchaos.faults.base import Fault
from kindchaos.observe.timeline import Timeline


class Recorded(Fault):
    """A fault that records its calls and fails where told to."""

    def __init__(self, *, fail: str = "", timeline: Timeline | None = None) -> None:
        super().__init__(timeline=timeline)
        self.fail = fail
        self.calls: list[str] = []

    @property
    def title(self) -> str:
        return "fake fault"

    def _step(self, name: str, exc: type[BaseException] = RuntimeError) -> None:
        self.calls.append(name)
        if self.fail == name:
            raise exc(f"{name} failed")

    def inject(self) -> None:
        self._step("inject")

    def prove(self) -> None:
        self._step("prove", AssertionError)

    def restore(self) -> None:
        self._step("restore")

    def prove_restored(self) -> None:
        self._step("prove_restored", AssertionError)


def test_a_clean_run_marks_all_four_phases_in_order() -> None:
    timeline = Timeline()
    with Recorded(timeline=timeline) as fault:
        assert fault.active and fault.calls == ["inject", "prove"]
    assert fault.calls == ["inject", "prove", "restore", "prove_restored"]
    assert [e.type for e in timeline.events("phase")] == ["inject", "proven", "restore", "restored"]
    assert set(fault.figures) == {"proven_after_s", "restored_after_s"} and not fault.active


@pytest.mark.parametrize("where", ["inject", "prove"])
def test_an_unproven_fault_is_undone_and_reported_as_not_injected(where: str) -> None:
    fault = Recorded(fail=where)
    with pytest.raises(FaultNotInjected, match=f"fault not injected: .*fake fault.*{where} failed"), fault:
        pytest.fail("the body must not run when the fault was not injected")
    assert fault.calls[-1] == "restore"


@pytest.mark.parametrize("body_error", [AssertionError, ValueError, KeyboardInterrupt])
def test_restore_runs_whatever_ends_the_body(body_error: type[BaseException]) -> None:
    fault = Recorded()
    with pytest.raises(body_error), fault:
        raise body_error("claim broken")
    assert fault.calls == ["inject", "prove", "restore", "prove_restored"]


def test_a_failed_restore_is_an_error_chained_to_the_body_failure() -> None:
    fault = Recorded(fail="prove_restored")
    with pytest.raises(RestoreError) as caught, fault:
        raise AssertionError("claim broken")
    assert "failed to restore fake fault: prove_restored failed" in str(caught.value)
    assert isinstance(caught.value.__cause__, AssertionError)


def test_a_proven_hook_runs_once_the_effect_is_proven() -> None:
    fault = Recorded()
    seen: list[tuple[list[str], bool]] = []
    fault.on_proven.append(lambda f: seen.append((list(f.calls), f.active)))
    with fault:
        pass
    assert seen == [(["inject", "prove"], True)]


def test_a_failing_proven_hook_is_recorded_and_never_fails_the_fault() -> None:
    fault = Recorded()

    def broken(_: Fault) -> None:
        raise RuntimeError("triage crashed")

    fault.on_proven.append(broken)
    with fault:
        assert fault.active
    assert any("broken failed: triage crashed" in line for line in fault.proof), fault.proof
    assert fault.calls[-2:] == ["restore", "prove_restored"]


def test_an_interrupt_in_a_proven_hook_still_restores_the_fault() -> None:
    """The block was never entered, so ``__exit__`` would not run: the hook's wrapper restores."""
    fault = Recorded()

    def interrupted(_: Fault) -> None:
        raise KeyboardInterrupt

    fault.on_proven.append(interrupted)
    with pytest.raises(KeyboardInterrupt), fault:
        pytest.fail("the body must not run")
    assert fault.calls == ["inject", "prove", "restore", "prove_restored"] and not fault.active


def test_a_fault_the_node_s_access_cannot_perform_is_unsupported_not_failed() -> None:
    from kindchaos.cluster.node_access import Unsupported

    class Powerless(Recorded):
        def inject(self) -> None:
            self.calls.append("inject")
            raise Unsupported("ssh root@vm:22 cannot power its machine off")

    fault = Powerless()
    with pytest.raises(Unsupported, match="cannot power its machine off"), fault:
        pytest.fail("the body must not run")
    assert fault.calls[-1] == "restore"  # whatever the attempt left is undone


def test_restore_seconds_is_asked_only_of_a_restored_fault() -> None:
    fault = Recorded()
    with pytest.raises(AssertionError, match="fake fault: not restored yet"):
        fault.restore_seconds()
    with fault:
        pass
    restore, restored = fault.at("restore"), fault.at("restored")
    assert restore is not None and restored is not None
    assert fault.restore_seconds() == restored - restore >= 0
