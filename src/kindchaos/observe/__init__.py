"""Watching a cluster while it is broken: timelines, probes and the history of operations on its objects."""
