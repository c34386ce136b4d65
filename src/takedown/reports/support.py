"""Where a reporter can find help beyond this platform, shown on the confirmation and tracking
pages for what they reported: removal services that reach other platforms too, and the
organisations that support victims and families.

The shipped list is for the United States (NCMEC's services, StopNCII.org, which works
worldwide). Operators elsewhere replace it with their own (TAKEDOWN_SUPPORT_RESOURCES_FILE):
their names and descriptions are translated like any message when their catalogue has them.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path

from takedown.cases.models import Category
from takedown.content_urls import is_web_address
from takedown.i18n import N_
from takedown.settings import Settings

CHILD = frozenset({Category.CHILD_SEXUAL_ABUSE.value, Category.CHILD_SEXUAL_EXPLOITATION.value})
INTIMATE = frozenset({Category.NON_CONSENSUAL_INTIMATE_IMAGERY.value})


@dataclass(frozen=True)
class SupportResource:
    name: str  # English msgid
    url: str
    description: str  # English msgid
    categories: frozenset[str]  # the report categories it helps with; empty: all

    def helps_with(self, category: str) -> bool:
        return not self.categories or category in self.categories


SHIPPED = (
    SupportResource(
        N_("Take It Down (NCMEC)"),
        "https://takeitdown.ncmec.org",
        N_(
            "Helps remove nude or sexual images or videos taken of you, or of your child, before "
            "the age of 18 from the online platforms that take part, without sending the images "
            "to anyone."
        ),
        CHILD | INTIMATE,
    ),
    SupportResource(
        N_("NCMEC CyberTipline"),
        "https://report.cybertip.org",
        N_(
            "The US National Center for Missing & Exploited Children: report the sexual "
            "exploitation of a child, including sextortion, and find support for victims and "
            "families."
        ),
        CHILD,
    ),
    SupportResource(
        N_("StopNCII.org"),
        "https://stopncii.org",
        N_(
            "For adults: helps stop intimate images of you being shared on the platforms that "
            "take part, without the images leaving your device."
        ),
        INTIMATE,
    ),
)


def support_for(settings: Settings, category: str) -> list[SupportResource]:
    return [r for r in _resources(settings.support_resources_file) if r.helps_with(category)]


def check_support_resources(settings: Settings) -> None:
    """Raise ValueError, naming the problem, if the operator's file cannot be used (at start)."""
    _resources(settings.support_resources_file)


@functools.cache
def _resources(path: Path | None) -> tuple[SupportResource, ...]:
    if path is None:
        return SHIPPED
    try:
        entries = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ValueError(f"TAKEDOWN_SUPPORT_RESOURCES_FILE {path}: {exc}") from None
    if not isinstance(entries, list):
        raise ValueError(f"TAKEDOWN_SUPPORT_RESOURCES_FILE {path}: expected a JSON list")
    known = {category.value for category in Category}
    resources = []
    for number, entry in enumerate(entries, start=1):
        where = f"TAKEDOWN_SUPPORT_RESOURCES_FILE {path}, entry {number}"
        if not isinstance(entry, dict) or not all(
            isinstance(entry.get(key), str) and entry[key].strip()
            for key in ("name", "url", "description")
        ):
            raise ValueError(f"{where}: needs name, url and description (text)")
        if not is_web_address(entry["url"]):
            raise ValueError(f"{where}: url must start with http:// or https://")
        categories = entry.get("categories", [])
        if not isinstance(categories, list) or not set(categories) <= known:
            raise ValueError(f"{where}: categories must be a list of {sorted(known)}")
        resources.append(
            SupportResource(
                entry["name"], entry["url"], entry["description"], frozenset(categories)
            )
        )
    return tuple(resources)
