"""Bank import and export in python-threatexchange's formats.

- csv: what `tx dataset -P --csv` prints: a header, then
  `signal_type,signal_str,collab,category,tags`
- text: the local_file exchange's format, `<signal_type> <signal>` a line
- text with a signal type given: bare hashes, one a line (local_file with `signal_type` set)

Import is idempotent (entries already in the bank are skipped by the database's unique key) and
keeps going past bad lines, reporting each by line number.
"""

from __future__ import annotations

import csv
import enum
import functools
import io
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from sqlalchemy import text
from sqlalchemy.orm import Session

from takedown.audit.service import record as audit
from takedown.banks.models import Bank
from takedown.banks.service import (
    INSERT_BATCH,
    AddResult,
    NewEntry,
    insert_batches,
    iter_entries,
    normalise_entry,
)
from takedown.errors import InvalidInput

CSV_FIELDS = ["signal_type", "signal_str", "collab", "category", "tags"]
MAX_BAD_LINES_KEPT = 1_000  # a file of garbage must not fill memory with error reports


class BankFormat(enum.StrEnum):
    CSV = "csv"
    TEXT = "text"


@dataclass(frozen=True)
class BadLine:
    line: int
    reason: str


@dataclass
class ImportReport:
    lines: int = 0
    added: int = 0
    skipped: int = 0
    bad_count: int = 0
    bad: list[BadLine] = field(default_factory=list)
    entry_ids: list[int] = field(default_factory=list, repr=False)

    def as_dict(self) -> dict[str, object]:
        return {
            "lines": self.lines,
            "added": self.added,
            "skipped": self.skipped,
            "bad_count": self.bad_count,
            "bad_lines": [{"line": b.line, "reason": b.reason} for b in self.bad],
        }


ParsedLine = tuple[int, NewEntry | None, str | None]  # (line number, entry, error)


@functools.lru_cache(maxsize=1024)  # a file repeats a handful of (collab, category, tags)
def _tx_note(collab: str, category: str, tags: str) -> str:
    """Keep the CSV's own metadata so an export gives it back unchanged."""
    if not (collab or category or tags):
        return ""
    return json.dumps({"tx": {"collab": collab, "category": category, "tags": tags}})


def _tx_fields(note: str) -> tuple[str, str, str] | None:
    if not note.startswith('{"tx"'):
        return None
    try:
        tx = json.loads(note)["tx"]
        return str(tx["collab"]), str(tx["category"]), str(tx["tags"])
    except (ValueError, KeyError, TypeError):
        return None


def parse_csv(lines: Iterable[str]) -> Iterator[ParsedLine]:
    reader = csv.reader(lines)
    header_seen = False
    for row in reader:
        line_no = reader.line_num
        if not row or all(not cell.strip() for cell in row):
            continue
        if not header_seen and row[0].strip().lower() == "signal_type":
            header_seen = True
            continue
        header_seen = True
        if len(row) < 2:
            yield line_no, None, "expected signal_type,signal_str,collab,category,tags"
            continue
        padded = [*row, "", "", ""]
        try:
            signal_type, value = normalise_entry(padded[0], padded[1])
        except InvalidInput as exc:
            yield line_no, None, exc.detail
            continue
        note = _tx_note(padded[2].strip(), padded[3].strip(), padded[4].strip())
        yield line_no, NewEntry(signal_type, value, None, note), None


def parse_text(lines: Iterable[str], signal_type: str | None) -> Iterator[ParsedLine]:
    for line_no, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if signal_type is None:
            kind, _, value = line.partition(" ")
            if not value.strip():
                yield line_no, None, "expected '<signal_type> <signal>'"
                continue
        else:
            kind, value = signal_type, line
        try:
            kind, value = normalise_entry(kind, value)
        except InvalidInput as exc:
            yield line_no, None, exc.detail
            continue
        yield line_no, NewEntry(kind, value), None


def parse(
    lines: Iterable[str], *, fmt: str, signal_type: str | None = None
) -> Iterator[ParsedLine]:
    if fmt == BankFormat.CSV:
        if signal_type:
            raise InvalidInput(
                "--signal-type applies to the text format only", code="invalid_format"
            )
        return parse_csv(lines)
    if fmt == BankFormat.TEXT:
        return parse_text(lines, signal_type)
    raise InvalidInput(f"unknown format {fmt!r}; use csv or text", code="invalid_format")


def guess_format(filename: str | None) -> str:
    return BankFormat.CSV if (filename or "").lower().endswith(".csv") else BankFormat.TEXT


def import_lines(
    *,
    db_session: Session,
    bank: Bank,
    lines: Iterable[str],
    fmt: str,
    signal_type: str | None = None,
    added_by: str,
    on_progress: Callable[[int], None] | None = None,
    source_name: str = "",
) -> ImportReport:
    """Import hashes into `bank` in batches, in the caller's transaction; bad lines are reported."""
    report = ImportReport()
    _bulk_cache(db_session, on=True)
    counted = _counting(lines, on_progress) if on_progress else lines
    result = AddResult()

    def batches() -> Iterator[list[NewEntry]]:
        batch: list[NewEntry] = []
        for line_no, entry, error in parse(counted, fmt=fmt, signal_type=signal_type):
            report.lines = line_no
            if entry is None:
                report.bad_count += 1
                if len(report.bad) < MAX_BAD_LINES_KEPT:
                    report.bad.append(BadLine(line_no, error or "invalid line"))
                continue
            batch.append(entry)
            if len(batch) >= INSERT_BATCH:
                yield batch
                batch = []
        if batch:
            yield batch

    insert_batches(
        db_session=db_session, bank_id=bank.id, batches=batches(), added_by=added_by, into=result
    )
    _bulk_cache(db_session, on=False)
    report.added, report.skipped, report.entry_ids = result.added, result.skipped, result.entry_ids
    audit(
        db_session=db_session,
        actor=added_by,
        action="bank.import",
        subject=f"bank:{bank.name}",
        details={
            "source": source_name,
            "format": str(fmt),
            "added": report.added,
            "skipped": report.skipped,
            "bad": report.bad_count,
        },
    )
    return report


def _bulk_cache(db_session: Session, *, on: bool) -> None:
    """SQLite: a big page cache while loading. The unique key on a hash digest is written in
    random order, so with the default 2 MB cache a million-row load thrashes pages."""
    if db_session.get_bind().dialect.name == "sqlite":
        db_session.execute(text(f"PRAGMA cache_size={-262_144 if on else -2_000}"))


def _counting(lines: Iterable[str], on_progress: Callable[[int], None]) -> Iterator[str]:
    """Pass lines through, telling `on_progress` how many characters went by (every ~64 KiB)."""
    pending = 0
    for line in lines:
        pending += len(line)
        if pending >= 65_536:
            on_progress(pending)
            pending = 0
        yield line
    if pending:
        on_progress(pending)


def check_export(fmt: str, signal_type: str | None) -> None:
    if fmt not in (BankFormat.CSV, BankFormat.TEXT):
        raise InvalidInput(f"unknown format {fmt!r}; use csv or text", code="invalid_format")
    if fmt == BankFormat.CSV and signal_type:
        raise InvalidInput("--signal-type applies to the text format only", code="invalid_format")


def export_lines(
    *, db_session: Session, bank: Bank, fmt: str, signal_type: str | None = None
) -> Iterator[str]:
    """The bank's enabled entries as lines of `fmt` (each ending in a newline)."""
    check_export(fmt, signal_type)
    if fmt == BankFormat.CSV:
        yield _csv_line(CSV_FIELDS)
    for _, kind, value, _external_id, note in iter_entries(db_session=db_session, bank=bank):
        if fmt == BankFormat.TEXT:
            if signal_type is None:
                yield f"{kind} {value}\n"
            elif kind == signal_type:
                yield f"{value}\n"
            continue
        collab, category, tags = _tx_fields(note) or (bank.name, bank.category, "")
        yield _csv_line([kind, value, collab, category, tags])


def _csv_line(cells: list[str]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(cells)
    return buffer.getvalue()
