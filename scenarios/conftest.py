"""Scenario catalogue configuration; fixtures come from the kindchaos pytest plugin."""
