"""Clusters: topologies as data, kind configs, create/reuse/delete, readiness."""
