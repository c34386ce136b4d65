"""Rule: the README's one command that runs the product, `takedown demo`, seeds and then serves:
the console's sign-in page and the public report form answer, and the demo's printed login signs
in. (It crashed after seeding once `serve` gained an option the demo did not pass: the seeding
tests run it with --no-serve.)"""

from __future__ import annotations

import re

import httpx

from tests.review_support import free_port, run_server, server_env, stop_server


def test_the_readmes_demo_command_serves(tmp_path, database_url):  # type: ignore[no-untyped-def]
    port = free_port()
    env = server_env(database_url, tmp_path / "data", port)
    process = run_server(env, tmp_path / "demo.log", command="demo")
    try:
        base = f"http://127.0.0.1:{port}"
        assert httpx.get(f"{base}/report", timeout=10).status_code == 200
        sign_in = httpx.get(f"{base}/console/login", timeout=10)
        assert sign_in.status_code == 200
        printed = (tmp_path / "demo.log").read_text()
        username, password = re.search(r"^login: (\S+) (\S+) \(admin\)$", printed, re.M).groups()  # type: ignore[union-attr]
        with httpx.Client(base_url=base, timeout=10) as browser:
            page = browser.get("/console/login")
            token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
            signed_in = browser.post(
                "/console/login",
                data={"username": username, "password": password, "csrf_token": token},
            )
            assert signed_in.status_code in (200, 303), signed_in.text
            assert browser.get("/console/queue").status_code == 200
    finally:
        stop_server(process)
