"""The plan: changes in apply's order with their verdicts, secrets' destinations, findings."""
