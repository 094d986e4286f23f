"""Deciding what to change: the diff of two states, prune, name spelling, the human steps."""
