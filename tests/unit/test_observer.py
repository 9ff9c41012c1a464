"""An observer runs until stopped; one that ends first says why, so no ratio is computed from samples that stop."""

import threading

from kindchaos.observe.observer import Observer


class Loop(Observer):
    name = "test loop"

    def __init__(self, body: object) -> None:
        super().__init__()
        self.thread = threading.Thread(target=self._guarded(body))  # type: ignore[arg-type]


def test_a_loop_stopped_on_request_has_no_problem() -> None:
    loop: Loop

    def body() -> None:
        loop._stop.wait(5)

    loop = Loop(body)
    loop.thread.start()
    loop._stop.set()
    loop.thread.join(5)
    assert loop.ended is None


def test_a_loop_that_ends_early_or_raises_says_so() -> None:
    early = Loop(lambda: None)
    early.thread.start()
    early.thread.join(5)
    assert early.ended is not None and early.ended.startswith("test loop ended on its own after")

    def broken() -> None:
        raise ConnectionError("docker exec gone")

    failed = Loop(broken)
    failed.thread.start()
    failed.thread.join(5)
    assert failed.ended is not None and "ConnectionError('docker exec gone')" in failed.ended
