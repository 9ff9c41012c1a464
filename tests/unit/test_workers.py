"""pytest-xdist workers of one session: their findings land in one file as one run, and a worker count or a
distribution the machine cannot hold is refused before any worker starts."""

from __future__ import annotations

import json

import pytest

pytest_plugins = ["pytester"]

CLAIMED = """
import pytest

@pytest.mark.question("etcd-failure")
@pytest.mark.topology("single")
def test_{n}():
    '''Claim {n}.

    ko: 주장 {n}.'''
"""


def _catalogue(pytester: pytest.Pytester, count: int) -> None:
    for n in range(count):
        pytester.makepyfile(**{f"test_c{n}": CLAIMED.format(n=n)})
    pytester.makepyfile(test_left="import pytest\n@pytest.mark.question('upgrade')\ndef test_left():\n    '''L.'''\n")


def test_two_workers_findings_are_one_run_with_none_lost(pytester: pytest.Pytester) -> None:
    _catalogue(pytester, 6)
    result = pytester.runpytest_subprocess(
        "-n", "2", "-k", "not left", "--findings=findings.json", "-p", "no:cacheprovider"
    )
    result.assert_outcomes(passed=6)
    document = json.loads((pytester.path / "findings.json").read_text())
    started = document["run"]["started"]
    ran = [f for f in document["findings"] if f["run_started"] == started]
    assert sorted(f["test"] for f in ran) == [f"test_c{n}.py::test_{n}" for n in range(6)]
    assert all(f["outcome"] == "passed" for f in ran)
    assert len(document["run"]["selected"]) == 6
    (left,) = [f for f in document["findings"] if f["run_started"] != started]
    assert left["test"] == "test_left.py::test_left" and left["outcome"] == "not run"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-n", "3"], "-n 3 needs 3 clusters at once; this machine's capacity holds 2 (fix: -n 2, *"),
        (["-n", "2", "--dist", "loadfile"], "--dist loadfile can send a worker back * (fix: leave --dist *"),
        (["--kindchaos-capacity=0"], "*--kindchaos-capacity must be a whole number of 1 or more, got '0'*"),
    ],
)
def test_what_the_machine_cannot_hold_is_refused_in_one_line(
    pytester: pytest.Pytester, args: list[str], message: str
) -> None:
    _catalogue(pytester, 1)
    result = pytester.runpytest_subprocess(*args, "--findings=findings.json", "-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"ERROR: {message}"])
    assert not (pytester.path / "findings.json").exists()


def test_a_bigger_machine_raises_the_capacity_from_the_ini(pytester: pytest.Pytester) -> None:
    _catalogue(pytester, 3)
    pytester.makeini("[pytest]\nkindchaos_capacity = 3\n")
    result = pytester.runpytest_subprocess("-n", "3", "-k", "not left", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=3)
