"""The embedded store's record of what its last writes of the incidents file changed.

`incidents-writes.json`, beside the incidents file, replaced atomically by every write of it
(`IncidentStore._write`, under the store lock), holds the last few writes: the file's stat before
and after (`Stat`: what `IncidentStore.version` compares), its rows after, the event_ids the
write touched (revised, added, deleted, removed) and how many rows it appended at the end. Every
write leaves the file as the rows before minus the ids touched, in order, then the rows
appended; so from a reader's write to the file's, the rows changed are the file's last rows
(`followed`), read without reading the rest.

A write records itself before its rename: a reader walks back from the write that made the file
it finds (`chain`), so a write recorded but not (yet, or ever: a crash) renamed into place is
never followed. Anything this cannot vouch for (no log, an unreadable or oversized one, a write
of an older version that left no record, a write of too many ids, a gap in the chain) is `None`:
the reader reads the file again.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

WRITES_FILE = "incidents-writes.json"
FORMAT = "sahel-incident-writes/1"
# The writes kept, and the ids they hold at most (older writes are dropped first).
WRITES_KEPT = 8
IDS_KEPT = 50_000
# A write touching more ids is recorded without them: readers read the file again.
TOUCHED_MOST = 20_000
# A log larger than this is not read (it cannot be one this module wrote).
LOG_MOST_BYTES = 16 * 1024 * 1024

Stat = tuple[int, int, int]  # (st_mtime_ns, st_size, st_ino) of the incidents file


@dataclass(frozen=True)
class Write:
    """One write of the incidents file: `before` (None: no file) and `after` its stats, `rows`
    the rows after; `touched` the ids written or taken out (None: not said, read it all again),
    the last `appended` of which are the file's last rows, in order."""

    id: str
    before: Stat | None
    after: Stat
    rows: int
    touched: tuple[str, ...] | None
    appended: int


def stat_key(found: os.stat_result) -> Stat:
    """Return what identifies a file's content for readers: mtime (ns), size, inode."""
    return found.st_mtime_ns, found.st_size, found.st_ino


def read_writes(directory: Path) -> tuple[Write, ...] | None:
    """Return the writes recorded in `directory`, oldest first; None without a log this module
    can vouch for (missing, too large, not JSON, not its format, any field of the wrong kind)."""
    path = directory / WRITES_FILE
    try:
        with open(path, "rb") as stream:
            data = stream.read(LOG_MOST_BYTES + 1)
    except OSError:
        return None
    if len(data) > LOG_MOST_BYTES:
        return None
    try:
        document = json.loads(data)
        writes = tuple(_write_of(entry) for entry in document["writes"]) \
            if isinstance(document, dict) and document.get("format") == FORMAT else None
    except (ValueError, TypeError, KeyError, RecursionError):
        return None
    if writes is None or len({w.id for w in writes}) != len(writes):
        return None
    return writes


def recorded(writes: Sequence[Write] | None, new: Write) -> bytes:
    """Return the log's bytes with `new` after `writes`: the last WRITES_KEPT, IDS_KEPT ids at
    most (the newest write is always kept; one touching over TOUCHED_MOST ids says none)."""
    if new.touched is not None and len(new.touched) > TOUCHED_MOST:
        new = Write(new.id, new.before, new.after, new.rows, None, 0)
    kept = [*(writes or ()), new][-WRITES_KEPT:]
    while len(kept) > 1 and sum(len(w.touched or ()) for w in kept) > IDS_KEPT:
        kept.pop(0)
    entries = [{"id": w.id, "before": w.before, "after": w.after, "rows": w.rows,
                "touched": None if w.touched is None else list(w.touched),
                "appended": w.appended} for w in kept]
    return json.dumps({"format": FORMAT, "writes": entries}, ensure_ascii=False).encode()


def chain(writes: Sequence[Write], since: str | None, now: Stat) -> list[Write] | None:
    """Return the writes from the one with id `since` (left out; None: from no file) to the one
    that made the file at `now`, oldest first ([]: that is `since`); None when the log cannot
    say.

    Walked back from the last write whose `after` is `now`: each write's predecessor is the
    last one before it whose `after` is its `before`. A write recorded but never renamed into
    place is thus left out; a write no record made (an older version's) breaks the chain.
    """
    at = _last_after(writes, now, len(writes))
    found: list[Write] = []
    while at is not None:
        write = writes[at]
        if write.id == since:
            break
        found.append(write)
        if write.before is None:  # written into no file: from nothing, whatever came before
            if since is not None:
                return None
            break
        at = _last_after(writes, write.before, at)
    else:
        return None
    found.reverse()
    return found


def position(writes: Sequence[Write] | None, now: Stat | None) -> str | None:
    """Return the id of the write that made the file at `now` (None: none recorded)."""
    if writes is None or now is None:
        return None
    at = _last_after(writes, now, len(writes))
    return None if at is None else writes[at].id


def followed(writes: Sequence[Write]) -> tuple[tuple[str, ...], list[str]] | None:
    """Return the ids the writes touched (first touch order) and the ids of the file's last
    rows they leave, in file order; None when a write did not say what it touched."""
    touched: dict[str, None] = {}
    tail: list[str] = []
    for write in writes:
        if write.touched is None:
            return None
        gone = set(write.touched)
        tail = [i for i in tail if i not in gone]
        tail.extend(write.touched[len(write.touched) - write.appended:])
        touched.update(dict.fromkeys(write.touched))
    return tuple(touched), tail


def _last_after(writes: Sequence[Write], stat: Stat, end: int) -> int | None:
    """Return the index of the last write before `end` whose `after` is `stat`."""
    for index in range(end - 1, -1, -1):
        if writes[index].after == stat:
            return index
    return None


def _write_of(entry: object) -> Write:
    """Return one recorded write; TypeError/ValueError for anything not exactly as written."""
    if not isinstance(entry, dict):
        raise TypeError("a write is an object")
    touched = entry["touched"]
    if touched is not None:
        if not isinstance(touched, list) or not all(isinstance(i, str) for i in touched):
            raise TypeError("touched: a list of ids")
        touched = tuple(touched)
        if len(set(touched)) != len(touched):
            raise ValueError("touched: each id once")
    ident, rows, appended = entry["id"], entry["rows"], entry["appended"]
    if not isinstance(ident, str) or not ident:
        raise TypeError("id: text")
    if not _count(rows) or not _count(appended):
        raise TypeError("rows, appended: counts")
    if appended > (len(touched) if touched is not None else 0) or appended > rows:
        raise ValueError("appended: at most the ids touched and the rows")
    before = None if entry["before"] is None else _stat(entry["before"])
    after = _stat(entry["after"])
    if before == after:
        raise ValueError("a write that left the file's stat as it was says nothing")
    return Write(ident, before, after, rows, touched, appended)


def _count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _stat(value: object) -> Stat:
    if not isinstance(value, list) or len(value) != 3 or not all(_count(v) for v in value):
        raise TypeError("a stat: three counts")
    return value[0], value[1], value[2]
