"""The reviewer web console (/console): server-rendered Jinja2 pages with htmx, login sessions,
CSRF protection. Other concerns add pages with `require_console_user` and `console/base.html`."""
