"""Runbooks: the multi-step procedures scenarios share (a kubeadm upgrade, a lost node's chain of reactions).

A scenario module states its claim and calls one runbook; the runbook does the steps, records the figures and
runs the checks the claim names. Sabotaged targets replace one step of a runbook, never pass it a flag.
"""
