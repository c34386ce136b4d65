"""How a benchmark writes its entry in bench/RESULTS.md: a heading, the date, machine and exact
command, then its table; printed, and appended to the file when asked."""

from __future__ import annotations

import os
import platform
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"


def publish(title: str, command: str, notes: str, table: list[str], *, append: bool) -> None:
    entry = [
        f"\n## {title}\n",
        f"- Date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}",
        f"- Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}; load average {os.getloadavg()[0]:.1f}",
        f"- Command: `{command}`; {notes}\n",
        *table,
    ]
    text = "\n".join(entry) + "\n"
    print(text)
    if append:
        with RESULTS.open("a", encoding="utf-8") as results:
            results.write(text)
