"""POST /v1/scan end to end, A/B: `takedown serve` from a git revision against the working tree,
started in turn, round after round, each on a database migrated by its own code.

    .venv/bin/python bench/scan_server_ab.py --rev 5c9882a~2 [--rounds 3] [--requests 100]
        [--bank-size 100000]

The machine is shared and its load drifts by up to 2x within minutes, so a change to the scan
path is judged by pairs measured back to back, not by runs far apart. Each round starts each tree's
server with 1 and then 2 processes and measures, with bench/scan_api.py's own client, the p50 of
`--requests` serial scans and the scans/s with 2 x processes in flight (2 x `--requests`
requests). The revision is checked out into a temporary git worktree, removed afterwards; its
server runs with that tree first on PYTHONPATH.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))

import scan_api  # noqa: E402
from takedown.settings import Settings  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rev", required=True, help="the baseline revision")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--bank-size", type=int, default=100_000)
    args = parser.parse_args()

    data = scan_api.one_megapixel_jpeg()
    with tempfile.TemporaryDirectory() as tmp:
        baseline = Path(tmp) / "baseline"
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "add", "--detach", str(baseline), args.rev],
            check=True,
            capture_output=True,
        )
        try:
            trees = {"working tree": ROOT / "src", f"{args.rev}": baseline / "src"}
            # A database per tree, migrated by that tree's own code (a revision cannot start on
            # a schema newer than it knows), each with the same key-and-bank setup.
            urls = {
                name: f"sqlite:///{Path(tmp) / f'takedown-{n}.db'}" for n, name in enumerate(trees)
            }
            keys = {}
            for name, source in trees.items():
                subprocess.run(
                    [sys.executable, "-m", "takedown.cli.main", "db", "upgrade"],
                    env={
                        **os.environ,
                        "PYTHONPATH": str(source),
                        "TAKEDOWN_DATABASE_URL": urls[name],
                        "TAKEDOWN_DATA_DIR": tmp,
                    },
                    check=True,
                    capture_output=True,
                )
                keys[name] = scan_api.prepare(urls[name], args.bank_size, migrate=False)
            results: dict[str, dict[int, list[str]]] = {name: {1: [], 2: []} for name in trees}
            for _ in range(args.rounds):
                for name, source in trees.items():
                    url, key = urls[name], keys[name]
                    settings = Settings(data_dir=Path(tmp), database_url=url)
                    env = {
                        **os.environ,
                        "PYTHONPATH": str(source),
                        "TAKEDOWN_DATABASE_URL": url,
                        "TAKEDOWN_DATA_DIR": tmp,
                        "TAKEDOWN_RUN_BACKGROUND_JOBS": "true",
                    }
                    for workers in (1, 2):
                        port = scan_api.free_port()
                        server = scan_api.run_server(workers, env, port)
                        try:
                            serial = scan_api.measure_serial(
                                port, key, data, args.requests, settings
                            )
                            loaded = scan_api.measure_loaded(
                                port, key, data, 2 * args.requests, in_flight=2 * workers
                            )
                        finally:
                            scan_api.stop_server(server)
                        results[name][workers].append(
                            f"{serial['p50'] * 1000:.1f} / {loaded['rps']:.0f}"
                        )
        finally:
            subprocess.run(
                ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(baseline)],
                check=False,
                capture_output=True,
            )
    command = (
        f".venv/bin/python bench/scan_server_ab.py --rev {args.rev} --rounds {args.rounds} "
        f"--requests {args.requests} --bank-size {args.bank_size}"
    )
    print(
        f"- Date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; machine: {scan_api.machine()}; "
        f"load average at the end {os.getloadavg()[0]:.1f}"
    )
    print(f"- Command: `{command}`")
    print()
    print(
        f"| server | 1 process: p50 ms / scans/s, rounds 1-{args.rounds} "
        f"| 2 processes: p50 ms / scans/s, rounds 1-{args.rounds} |"
    )
    print("|---|---|---|")
    for name, by_workers in results.items():
        print(f"| {name} | {', '.join(by_workers[1])} | {', '.join(by_workers[2])} |")


if __name__ == "__main__":
    main()
