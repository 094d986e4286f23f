"""One declaration per kind of change (and its describers): what generic code loops over."""
