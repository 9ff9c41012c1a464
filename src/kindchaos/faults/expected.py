"""What ``kindchaos triage`` should name while a fault holds.

Each fault declares it (``Fault.triage_expects``) as the (part, where) pairs that would be a correct first
finding; ``where`` is "" for the cluster as a whole. Faults held at once are judged together: two etcd
members down out of three is quorum lost, which no single fault declares.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Expected:
    """The correct answers: any one of ``answers`` as the diagnosis' first finding."""

    answers: tuple[tuple[str, str], ...]

    def matches(self, part: str, where: str) -> bool:
        """Whether a first finding of ``part`` at ``where`` is a correct answer."""
        return (part, where) in self.answers

    def text(self) -> str:
        return " or ".join(f"{part}{' @ ' + where if where else ''}" for part, where in self.answers)


def expect(part: str, where: str = "", *more: tuple[str, str]) -> Expected:
    return Expected(((part, where), *more))


def held_together(expectations: Iterable[Expected]) -> Expected | None:
    """The expectation of every fault held at once: two or more etcd members lost is quorum lost."""
    found = list(expectations)
    if not found:
        return None
    answers = tuple(dict.fromkeys(answer for e in found for answer in e.answers))
    members = {where for part, where in answers if part == "etcd-member"}
    if len(members) >= 2:
        return expect("etcd-quorum")
    return Expected(answers)
