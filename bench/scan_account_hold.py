"""In-process cost of holding struck accounts' uploads (TAKEDOWN_HOLD_UPLOADS_AFTER_STRIKE_DAYS):
`scan_upload` and its commit on SQLite with the setting off and on, in interleaved rounds (each
first in half of them), for an account with no strike (the common case: on, each scan of an
account asks for its strikes), on a database holding 10,000 struck accounts; then the strikes
query alone (bench/RESULTS.md, POST /v1/scan, eighteenth session).

    .venv/bin/python bench/scan_account_hold.py [--rounds 6] [--scans 60]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))

import scan_api  # noqa: E402
from takedown import clock  # noqa: E402
from takedown.accounts.holds import strike_holding_uploads  # noqa: E402
from takedown.accounts.models import Account, Strike  # noqa: E402
from takedown.index.service import load_index  # noqa: E402
from takedown.scan.flows import scan_upload  # noqa: E402
from takedown.settings import Settings  # noqa: E402
from takedown.signals.service import warm_up  # noqa: E402
from takedown.store.db import session_scope  # noqa: E402

STRUCK_ACCOUNTS = 10_000


def _strike_accounts(url: str) -> None:
    now = clock.now()
    with session_scope(url) as db_session:
        for n in range(STRUCK_ACCOUNTS):
            account_id = f"struck-{n}"
            db_session.add(Account(id=account_id, strike_count=1, created_at=now, updated_at=now))
            db_session.add(
                Strike(
                    id=f"stk_bench_{n}",
                    account_id=account_id,
                    case_id=f"case_bench_{n}",
                    policy="ncii",
                    category="non_consensual_intimate_imagery",
                    created_at=now,
                )
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--scans", type=int, default=60)
    args = parser.parse_args()
    data = scan_api.one_megapixel_jpeg()
    medians: dict[str, list[float]] = {"hold off": [], "hold on (30 days)": []}
    with tempfile.TemporaryDirectory() as tmp:
        servers = {}
        for n, name in enumerate(medians):
            url = f"sqlite:///{tmp}/ledger-{n}.db"
            scan_api.prepare(url, 10_000)
            _strike_accounts(url)
            settings = Settings(
                data_dir=Path(tmp) / str(n),
                database_url=url,
                hold_uploads_after_strike_days=30 if "on" in name else 0,
            )
            warm_up(settings)
            servers[name] = (settings, load_index(settings))
        for round_number in range(args.rounds):
            order = list(servers.items())
            if round_number % 2:  # each goes first in half the rounds
                order.reverse()
            for name, (settings, index) in order:
                times = []
                for n in range(args.scans):
                    started = time.perf_counter()
                    with session_scope(settings.resolved_database_url) as db_session:
                        answer = scan_upload(
                            db_session=db_session,
                            settings=settings,
                            index=index,
                            data=data,
                            content_id=f"post-{round_number}-{n}",
                            account_id=f"clean-{n}",
                        )
                    times.append(time.perf_counter() - started)
                    assert answer.case_id is None
                medians[name].append(statistics.median(times) * 1000)
        settings, _ = servers["hold on (30 days)"]
        with session_scope(settings.resolved_database_url) as db_session:
            started = time.perf_counter()
            for n in range(1000):
                strike_holding_uploads(db_session, f"clean-{n}", 30)
            alone = (time.perf_counter() - started) / 1000 * 1000
    print(f"the strikes query alone (no strike found): {alone:.3f} ms")
    off = statistics.median(medians["hold off"])
    for name, values in medians.items():
        rounds = " ".join(f"{v:.2f}" for v in values)
        median = statistics.median(values)
        print(f"{name}: {rounds} ms; median {median:.2f} ms; ratio to off {median / off:.3f}")


if __name__ == "__main__":
    main()
