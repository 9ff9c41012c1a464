"""Watching a cluster while it is broken: timelines, probes and a write ledger."""
