"""`make bench`: measures how the cost of a plan grows with pages and changes, not users."""
