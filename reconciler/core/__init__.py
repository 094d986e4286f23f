"""The pure core, in the pipeline's order from the bottom up: the state and the changes (with
their payloads, errors, ARNs), `policy/` (documents and trust policies), `kinds/` (one
declaration per kind of change), `diff/` (what to change) and `access/` (who can do what),
`plan/` (the changes in apply's order, judged), `render/` (text and Markdown). Each layer
imports only those below it (`make lint`: the core-layers contract).

No module here reaches AWS, the terminal or the file system (`make lint` enforces it).
"""
