"""Targets reuse the catalogue's own fixtures, so a sabotaged run differs from the real one only in its fault."""

from scenarios.conftest import workload, workload_namespace

__all__ = ["workload", "workload_namespace"]
