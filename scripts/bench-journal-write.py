#!/usr/bin/env python3
"""What one durable batch write costs on this disk, three ways, measured in the same run.

The audit sequencer makes every batch durable before any caller gets its receipt. Today that
is a SQLite commit of one journal row (WAL mode, synchronous=FULL, a passive checkpoint every
128 commits, as `shuqiao-audit-journal.db` does). This measures that against the candidate
replacements: a preallocated plain file written with pwrite + fdatasync, and the same with
O_DIRECT | O_DSYNC. For each: wall time per write (p50, p90) and the process's CPU time per
write (user + system, from getrusage), and the ratios against the SQLite commit.

    python3 scripts/bench-journal-write.py                 # 2,000 writes of 16 KiB, in ./target
    python3 scripts/bench-journal-write.py --kib 4 --n 500 --dir /var/lib/shuqiao

16 KiB is about one batch of 32 lookups (their canonical entries and the nodes they complete).
Run it on the filesystem that holds the database (--dir): the device's flush is most of it.
Bounded: N writes each; everything it creates is removed at the end.
"""
import argparse
import mmap
import os
import resource
import sqlite3
import tempfile
import time


def cpu_seconds():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def measure(write, n):
    """Calls write(i) n times; returns (sorted wall seconds, CPU seconds per write)."""
    lat = []
    c0 = cpu_seconds()
    for i in range(n):
        t = time.perf_counter()
        write(i)
        lat.append(time.perf_counter() - t)
    lat.sort()
    return lat, (cpu_seconds() - c0) / n


def sqlite_commit(d, blob, n):
    con = sqlite3.connect(os.path.join(d, "journal.db"), isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=FULL")
    con.execute("PRAGMA wal_autocheckpoint=0")
    con.execute("CREATE TABLE audit_journal (size INTEGER PRIMARY KEY, body BLOB)")

    def write(i):
        con.execute("BEGIN")
        con.execute("INSERT INTO audit_journal VALUES (?, ?)", (i, blob))
        # The spreader keeps the journal short: rows leave once the audit file holds them.
        con.execute("DELETE FROM audit_journal WHERE size < ?", (i - 64,))
        con.execute("COMMIT")
        if i % 128 == 127:
            con.execute("PRAGMA wal_checkpoint(PASSIVE)")

    try:
        return measure(write, n)
    finally:
        con.close()


SLOTS = 1024


def preallocated(d, size):
    """A file of `size` bytes, allocated and written once, so that later writes change no
    metadata (an fdatasync then flushes data alone)."""
    path = os.path.join(d, "journal.log")
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    os.posix_fallocate(fd, 0, size)
    os.pwrite(fd, b"\0" * size, 0)
    os.fsync(fd)
    os.close(fd)
    return path


def plain_file(path, blob, n):
    fd = os.open(path, os.O_RDWR)

    def write(i):
        os.pwrite(fd, blob, (i % SLOTS) * len(blob))
        os.fdatasync(fd)

    try:
        return measure(write, n)
    finally:
        os.close(fd)


def direct_dsync(path, blob, n):
    fd = os.open(path, os.O_RDWR | os.O_DIRECT | os.O_DSYNC)
    buf = mmap.mmap(-1, len(blob))  # page-aligned, as O_DIRECT needs
    buf.write(blob)

    def write(i):
        os.pwritev(fd, [buf], (i % SLOTS) * len(blob))

    try:
        return measure(write, n)
    finally:
        os.close(fd)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=2000, help="writes per way (default 2000)")
    ap.add_argument("--kib", type=int, default=16, help="bytes per write, KiB (default 16)")
    ap.add_argument("--dir", default="target", help="where to write (default ./target)")
    a = ap.parse_args()
    os.makedirs(a.dir, exist_ok=True)
    blob = os.urandom(a.kib * 1024)
    with tempfile.TemporaryDirectory(prefix="bench-journal-write-", dir=a.dir) as d:
        results = [("SQLite WAL commit, synchronous=FULL", sqlite_commit(d, blob, a.n))]
        path = preallocated(d, SLOTS * len(blob))
        results.append(("plain file, pwrite + fdatasync", plain_file(path, blob, a.n)))
        results.append(("plain file, O_DIRECT | O_DSYNC", direct_dsync(path, blob, a.n)))
    print(f"bench-journal-write: {a.n} writes of {a.kib} KiB each in {os.path.abspath(a.dir)}")
    ref_wall, ref_cpu = None, None
    for name, (lat, cpu) in results:
        p50, p90 = lat[len(lat) // 2], lat[int(len(lat) * 0.9)]
        if ref_wall is None:
            ref_wall, ref_cpu = p50, cpu
        print(
            f"  {name:38s} p50 {p50 * 1e6:6.0f} µs  p90 {p90 * 1e6:6.0f} µs  "
            f"CPU {cpu * 1e6:6.1f} µs/write  "
            f"(÷ SQLite: wall {p50 / ref_wall:.2f}, CPU {cpu / ref_cpu:.2f})"
        )


if __name__ == "__main__":
    main()
