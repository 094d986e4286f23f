"""The pure core: the model, policy documents, diff, plan, impact, findings and rendering.

No module here reaches AWS, the terminal or the file system (`make lint` enforces it).
"""
