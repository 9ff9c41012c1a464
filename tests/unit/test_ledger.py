"""The write ledger's check is strict: a lost, altered or reordered acknowledged write is reported."""

from kindchaos.observe.ledger import Acknowledged, check


def history(count: int) -> list[Acknowledged]:
    return [Acknowledged(seq, f"ledger-{seq:05d}", str(100 + seq), float(seq)) for seq in range(1, count + 1)]


def stored_from(acks: list[Acknowledged]) -> dict[str, dict[str, str]]:
    return {a.name: {"seq": str(a.seq)} for a in acks}


def test_an_intact_history_passes() -> None:
    acks = history(5)
    report = check(acks, stored_from(acks), failed=3)
    assert report.intact and report.acknowledged == 5 and report.failed == 3


def test_a_lost_acknowledged_write_is_caught() -> None:
    acks = history(5)
    stored = stored_from(acks)
    del stored["ledger-00003"]
    report = check(acks, stored)
    assert not report.intact
    assert report.missing == ["ledger-00003"]


def test_a_failed_write_that_is_absent_is_not_a_loss() -> None:
    acks = history(5)
    stored = stored_from(acks)
    acknowledged = [a for a in acks if a.seq != 4]  # seq 4 was never acknowledged, and is not stored
    del stored["ledger-00004"]
    assert check(acknowledged, stored, failed=1).intact


def test_an_altered_value_is_caught() -> None:
    acks = history(3)
    stored = stored_from(acks)
    stored["ledger-00002"] = {"seq": "7"}
    assert check(acks, stored).wrong_value == ["ledger-00002: {'seq': '7'}"]


def test_a_resource_version_going_back_is_caught() -> None:
    acks = [*history(2), Acknowledged(3, "ledger-00003", "101", 3.0)]
    report = check(acks, stored_from(acks))
    assert report.regressions == ["ledger-00003 rv=101 after ledger-00002 rv=102"]
    assert not report.intact
