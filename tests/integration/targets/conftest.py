"""Targets reuse the catalogue's own fixtures, so a sabotaged run differs from the real one only in its fault."""

from scenarios.conftest import workload

__all__ = ["workload"]
