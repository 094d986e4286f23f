"""A plan for people: the terminal's text and a pull request's Markdown."""
