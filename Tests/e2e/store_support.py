"""Reading a module's gz.store from the tests: the SQLite file in its data
folder (`<GIZMO_DATA_DIR>/<module>/store.sqlite`), opened read-only with
Python's sqlite3, so a test sees what the server made durable, not what a
page shows."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from pathlib import Path

MISSING = object()  # no such key (or no store file yet)


def store_file(data_dir: Path, module: str) -> Path:
    return Path(data_dir) / module / "store.sqlite"


def open_read_only(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)


def read_key(data_dir: Path, module: str, key: str):
    """The key's value as gz.store.get answers it (a list key as the list of its
    items, oldest first), or MISSING. Read-only: it never creates the file."""
    path = store_file(data_dir, module)
    if not path.exists():
        return MISSING
    with closing(open_read_only(path)) as db:
        row = db.execute("SELECT kind, json FROM entry WHERE key = ?", (key,)).fetchone()
        if row is None or row[0] == 0:  # kind 0: deleted
            return MISSING
        if row[0] == 1:
            return json.loads(row[1])
        items = db.execute("SELECT json FROM item WHERE key = ? ORDER BY seq", (key,)).fetchall()
        return [json.loads(item) for (item,) in items]


def integrity(data_dir: Path, module: str) -> str:
    """SQLite's own check of the file: "ok" when nothing is damaged."""
    with closing(open_read_only(store_file(data_dir, module))) as db:
        return db.execute("PRAGMA integrity_check").fetchone()[0]
