"""Test helpers shared by the three tiers: servers, the ways a command is run, captured answers."""
