"""The access model: who can do what."""
