"""Judging what the sources said: the expected set, the status rules, and whether a run uploads."""
