"""Every TAKEDOWN_* setting is in the README's settings table, and the table names no setting
that does not exist."""

import re
from pathlib import Path

from takedown.settings import Settings

README = Path(__file__).resolve().parent.parent / "README.md"


def test_readme_settings_table_matches_the_settings_class():
    documented = set(re.findall(r"^\| `TAKEDOWN_([A-Z0-9_]+)` \|", README.read_text(), re.M))
    fields = {name.upper() for name in Settings.model_fields}
    assert fields - documented == set(), "settings missing from the README table"
    assert documented - fields == set(), "README documents settings that do not exist"
