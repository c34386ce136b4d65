"""/readyz says not ready when no file can be written in the data directory (read-only, full):
reports' uploads, evidence and audit checkpoints would fail there while everything else answers
(docs/operations.md, Watching it)."""

from __future__ import annotations


def test_ready_when_the_data_dir_takes_a_file(client, settings):
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["checks"]["data_dir"] is True
    assert [p.name for p in settings.data_dir.iterdir() if p.name.startswith(".ready")] == []


def test_not_ready_when_the_data_dir_takes_no_file(client, app, settings, tmp_path):
    # Tests run as root, whom file modes do not stop: a data_dir that is a file takes none either.
    blocked = tmp_path / "not-a-directory"
    blocked.write_bytes(b"")
    app.state.settings = settings.model_copy(update={"data_dir": blocked})
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert ready.json() == {
        "ready": False,
        "checks": {"database": True, "data_dir": False, "index": True},
    }
