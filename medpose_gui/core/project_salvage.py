"""Reading around damaged pages of an SQLite file: which errors mean damage, and reading a
table by key ranges that skip the pages that cannot be read.

Damaged pages make SQLite raise ``SQLITE_CORRUPT`` for any query that touches them, so a
plain ``SELECT`` of a table with one bad page returns nothing. :func:`read_ranges` reads the
table by ranges of its key, halving the ranges that fail, and so keeps every row stored on
a readable page (used by :mod:`medpose_gui.core.project_read`).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

# SQLite primary result codes that mean "this part of the file cannot be read"
# (sqlite.org/rescode.html): IOERR, CORRUPT, NOTADB.
_DAMAGE_CODES = {10, 11, 26}
ROWID_MIN, ROWID_MAX = -(1 << 63), (1 << 63) - 1
_MAX_SALVAGE_QUERIES = 50_000  # ~1 s of small queries; a damaged root page fails them all


def is_damage(exc: sqlite3.Error) -> bool:
    """Whether ``exc`` says the file (not the caller) is at fault."""
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return (code & 0xFF) in _DAMAGE_CODES
    text = str(exc)
    return "malformed" in text or "not a database" in text or "disk I/O" in text


def read_ranges(conn: sqlite3.Connection, select: str, key: str,
                on_lost: Callable[[int, int, str], None],
                lo: int = ROWID_MIN, hi: int = ROWID_MAX) -> list[tuple]:
    """All rows of ``select WHERE key BETWEEN lo AND hi`` (``key``: the row id, or an
    integer primary key) that can be read, in key order.

    A range whose query fails is halved; single keys are read with ``key = ?`` (a range
    query steps one row past its end, into the damaged page after the last good row). So
    a damaged page loses only the rows stored on it, at about 2 x 64 queries for its
    edges plus one per key it spans. ``on_lost(first, last, message)`` is called once per
    unreadable run of keys; after :data:`_MAX_SALVAGE_QUERIES` the rest is reported lost
    (a damaged root page fails every query).
    """
    between, equal = f"{select} WHERE {key} BETWEEN ? AND ?", f"{select} WHERE {key} = ?"
    rows: list[tuple] = []
    stack = [(lo, hi)]
    lost: list[tuple[int, int, str]] = []
    queries = 0

    def mark(a: int, b: int, message: str) -> None:
        if lost and lost[-1][1] == a - 1:
            lost[-1] = (lost[-1][0], b, lost[-1][2])
        else:
            lost.append((a, b, message))

    while stack:
        a, b = stack.pop()
        queries += 1
        if queries > _MAX_SALVAGE_QUERIES:
            mark(a, b, "gave up reading around the damage")
            continue
        try:
            rows.extend(conn.execute(*((equal, (a,)) if a == b else (between, (a, b))))
                        .fetchall())
        except sqlite3.DatabaseError as exc:
            if not is_damage(exc):
                raise
            if a == b:
                mark(a, b, str(exc))
                continue
            mid = a + (b - a) // 2
            stack.append((mid + 1, b))  # popped after the lower half: keys stay in order
            stack.append((a, mid))
    for first, last, message in lost:
        on_lost(first, last, message)
    return rows
