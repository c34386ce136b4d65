"""The shared server-rendered web layer: one Jinja2 environment, base layout and CSS."""
