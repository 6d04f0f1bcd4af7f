#!/usr/bin/env python3
"""kill -9 under load: concurrent imports, pushes, sharing decisions and audited lookups
against `shuqiao serve --demo`, the server killed with SIGKILL at a random moment of each
trial, then restarted and checked:

  * every receipt a client received is in the log: the server's inclusion proof at the new
    size names the receipt's leaf hash at its index, and the receipt's own proof leads to the
    checkpoint it came with;
  * every checkpoint a client saw (in a receipt or from GET /api/v1/audit/checkpoint) is
    consistent with the new head (RFC 9162 consistency proof, checked here);
  * every batch is whole: an acknowledged import or push has all its rows, one that was not
    acknowledged has all or none of them;
  * every acknowledged sharing decision (a need stated, a need confirmed) is there;
  * `shuqiao audit verify` passes.

Standard library only. Prints one line per trial and a summary; exits non-zero on any loss.
Usage: kill_trials.py --bin BIN --database DB --work DIR --trials N [--persons P] [--seed S]
"""
import argparse
import base64
import hashlib
import http.client
import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse

RESOURCE = "101001-000001"
PUSH_ROWS = 20
IMPORT_ROWS = 200
LOOKUP_WORKERS = 4
# What a client sees of a server killed mid-answer.
NET_ERRORS = (OSError, http.client.HTTPException)


# --------------------------------------------------------------------------- RFC 9162 proofs
def node(left, right):
    return hashlib.sha256(b"\x01" + left + right).digest()


def verify_inclusion(index, size, leaf, proof, root):
    """RFC 9162 2.1.3.2."""
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node(p, r)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(first, second, root1, root2, proof):
    """RFC 9162 2.1.4.2."""
    if first == second:
        return not proof and root1 == root2
    if first == 0 or first > second or not proof:
        return first == 0
    if first & (first - 1) == 0:
        proof = [root1] + proof
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = proof[0]
    for c in proof[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node(c, fr), node(c, sr)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node(sr, c)
        fn >>= 1
        sn >>= 1
    return fr == root1 and sr == root2 and sn == 0


def parse_checkpoint(note):
    """(size, root) of a C2SP signed note: origin, size, base64 root."""
    lines = note.split("\n")
    return int(lines[1]), base64.b64decode(lines[2])


# --------------------------------------------------------------------------- HTTP
class Client:
    """One keep-alive connection; any transport error raises."""

    def __init__(self, port, auth=None):
        self.port, self.auth, self.conn = port, auth, None

    def call(self, method, path, body=None, ctype="application/json", timeout=30):
        if self.conn is None:
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        headers = {}
        if self.auth:
            headers["Authorization"] = "Bearer " + self.auth
        if body is not None:
            headers["Content-Type"] = ctype
            if isinstance(body, (dict, list)):
                body = json.dumps(body).encode()
        try:
            self.conn.request(method, path, body=body, headers=headers)
            resp = self.conn.getresponse()
            data = resp.read()
        except Exception:
            self.conn.close()
            self.conn = None
            raise
        if resp.getheader("Connection", "").lower() == "close":
            self.conn.close()
            self.conn = None
        try:
            return resp.status, json.loads(data) if data else None
        except ValueError:
            return resp.status, data.decode("utf-8", "replace")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


# --------------------------------------------------------------------------- the server
class Server:
    def __init__(self, args, port):
        self.args, self.port, self.proc = args, port, None

    def start(self):
        log = open(os.path.join(self.args.work, "server.log"), "ab")
        cmd = [self.args.bin, "serve", "--demo", "--database", self.args.database,
               "--listen", f"127.0.0.1:{self.port}", "--persons", str(self.args.persons),
               "--companies", str(self.args.companies),
               # The grant's rate limit is not under test: set far above what the clients send.
               "--exchange-rate", "10000000"]
        self.proc = subprocess.Popen(cmd, cwd=self.args.work, stdout=log, stderr=log)
        deadline = time.time() + self.args.start_timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"kill-trials: the server exited with {self.proc.returncode} "
                                 f"(see {self.args.work}/server.log)")
            try:
                if Client(self.port).call("GET", "/api/v1/ready", timeout=2)[0] == 200:
                    return
            except NET_ERRORS:
                pass
            time.sleep(0.1)
        raise SystemExit("kill-trials: the server did not become ready")

    def kill9(self):
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.kill9()


def shuqiao(args, *argv):
    return subprocess.run([args.bin, *argv, "--database", args.database], cwd=args.work,
                          capture_output=True, text=True, timeout=600)


# --------------------------------------------------------------------------- the load
class Seen:
    """What clients were told, shared by the workers of one trial."""

    def __init__(self):
        self.lock = threading.Lock()
        self.receipts = []     # receipt objects from exchange answers
        self.checkpoints = {}  # size -> (root, note)
        self.batches = []      # (kind, marker, keys, acknowledged)
        self.needs = []        # [id, the status its acknowledged confirmation answered, or None]
        self.unknown = 0       # operations whose answer never came
        self.refused = []      # unexpected answers: (what, status, body)

    def add_checkpoint(self, note):
        size, root = parse_checkpoint(note)
        with self.lock:
            old = self.checkpoints.get(size)
            if old and old[0] != root:
                self.refused.append(("two roots for one size", size, note))
            self.checkpoints[size] = (root, note)


def lookups(port, token, keys, seen, stop, rnd):
    c = Client(port, token)
    while not stop.is_set():
        key = rnd.choice(keys)
        try:
            status, body = c.call("GET", f"/api/v1/exchange/{RESOURCE}/records/{key}")
        except NET_ERRORS:
            with seen.lock:
                seen.unknown += 1
            return
        if status == 200:
            r = body["receipt"]
            seen.add_checkpoint(r["checkpoint"])
            with seen.lock:
                seen.receipts.append(r)
        elif status not in (429, 503):
            with seen.lock:
                seen.refused.append(("lookup", status, body))


def batches(port, session, kind, worker, trial, slices, seen, stop):
    c = Client(port, session)
    n = 0
    while not stop.is_set():
        keys = slices.take(PUSH_ROWS if kind == "push" else IMPORT_ROWS)
        if keys is None:
            return
        marker = f"KT{trial}-{kind}{worker}-{n}"
        n += 1
        try:
            if kind == "push":
                body = {"batch_id": f"{marker}-{os.getpid()}",
                        "upserts": [{"GMSFHM": k, "HJDZ": marker} for k in keys]}
                status, resp = c.call("POST", f"/api/v1/collect/resources/{RESOURCE}/batches", body)
            else:
                csv = "公民身份号码,户籍地址\n" + "".join(f"{k},{marker}\n" for k in keys)
                status, resp = c.call(
                    "POST", f"/api/v1/collect/resources/{RESOURCE}/imports?filename=kt.csv",
                    csv.encode(), "text/csv")
        except NET_ERRORS:
            with seen.lock:
                seen.batches.append((kind, marker, keys, False))
                seen.unknown += 1
            return
        acknowledged = status in (200, 201) and isinstance(resp, dict) and resp.get("status") == "applied"
        with seen.lock:
            seen.batches.append((kind, marker, keys, acknowledged))
            if not acknowledged:
                seen.refused.append((kind, status, resp))


def decisions(port, consumer, admin, trial, seen, stop):
    user, op = Client(port, consumer), Client(port, admin)
    n = 0
    while not stop.is_set():
        n += 1
        try:
            status, need = user.call("POST", "/api/v1/share/needs", {
                "title": f"断电试验需求 {trial}-{n}", "description": "kill trial"})
        except NET_ERRORS:
            with seen.lock:
                seen.unknown += 1
            return
        if status != 201:
            with seen.lock:
                seen.refused.append(("need", status, need))
            return
        entry = [need["id"], None]
        with seen.lock:
            seen.needs.append(entry)
        try:
            status, body = op.call("POST", f"/api/v1/share/needs/{need['id']}/confirm",
                                   {"resource": RESOURCE})
        except NET_ERRORS:
            with seen.lock:
                seen.unknown += 1
            return
        if status == 200:
            entry[1] = body["status"]
        else:
            with seen.lock:
                seen.refused.append(("confirm", status, body))


def watch_checkpoints(port, seen, stop):
    c = Client(port)
    while not stop.is_set():
        try:
            status, body = c.call("GET", "/api/v1/audit/checkpoint")
        except NET_ERRORS:
            return
        if status == 200:
            seen.add_checkpoint(body)
        time.sleep(0.05)


class Slices:
    """Disjoint runs of keys within one trial, so each batch's rows are its own."""

    def __init__(self, keys):
        self.keys, self.next, self.lock = keys, 0, threading.Lock()

    def take(self, n):
        with self.lock:
            if self.next + n > len(self.keys):
                return None
            out = self.keys[self.next:self.next + n]
            self.next += n
            return out


# --------------------------------------------------------------------------- the checks
def check(port, auditor, steward, consumer, seen, problems):
    """Checks one trial's answers against the restarted server; returns the counts."""
    head_status, head = Client(port).call("GET", "/api/v1/audit/checkpoint")
    assert head_status == 200, head
    size, root = parse_checkpoint(head)
    c = Client(port, auditor)
    counts = {"receipts": 0, "checkpoints": 0, "batches": 0, "rows": 0, "decisions": 0,
              "unanswered_batches_applied": 0, "unanswered_batches_absent": 0}

    for r in seen.receipts:
        leaf = bytes.fromhex(r["leaf_hash"])
        csize, croot = parse_checkpoint(r["checkpoint"])
        proof = [bytes.fromhex(h) for h in r["inclusion_proof"]]
        if not verify_inclusion(r["index"], csize, leaf, proof, croot):
            problems.append(f"receipt {r['index']}: its own proof does not lead to its checkpoint")
        status, p = c.call("GET", f"/api/v1/audit/proofs/inclusion?index={r['index']}&size={size}")
        if status != 200 or p["leaf_hash"] != r["leaf_hash"]:
            problems.append(f"receipt {r['index']}: not in the log after the restart ({status} {p})")
        elif not verify_inclusion(r["index"], size, leaf,
                                  [bytes.fromhex(h) for h in p["proof"]], root):
            problems.append(f"receipt {r['index']}: inclusion proof at {size} fails")
        counts["receipts"] += 1

    for csize, (croot, _) in sorted(seen.checkpoints.items()):
        status, p = c.call("GET", f"/api/v1/audit/proofs/consistency?from={csize}&to={size}")
        proof = [bytes.fromhex(h) for h in p["proof"]] if status == 200 else None
        if proof is None or not verify_consistency(csize, size, croot, root, proof):
            problems.append(f"checkpoint {csize} is not consistent with the head {size} ({status})")
        counts["checkpoints"] += 1

    s = Client(port, steward)
    for kind, marker, keys, acknowledged in seen.batches:
        have = 0
        for k in keys:
            status, rec = s.call("GET", f"/api/v1/collect/resources/{RESOURCE}/records/{k}")
            if status == 200 and record_value(rec, "HJDZ") == marker:
                have += 1
        whole = have == len(keys) if acknowledged else have in (0, len(keys))
        if not acknowledged and whole:
            counts["unanswered_batches_applied" if have else "unanswered_batches_absent"] += 1
        if not whole:
            problems.append(f"{kind} {marker} ({'acknowledged' if acknowledged else 'unanswered'}): "
                            f"{have} of {len(keys)} rows")
        counts["batches"] += 1
        counts["rows"] += len(keys)

    u = Client(port, consumer)
    for need_id, confirmed in seen.needs:
        status, need = u.call("GET", f"/api/v1/share/needs/{need_id}")
        if status != 200:
            problems.append(f"need {need_id} acknowledged but missing ({status})")
        elif confirmed and need.get("status") != confirmed:
            problems.append(f"need {need_id}: confirmed as {confirmed}, now {need.get('status')}")
        counts["decisions"] += 1 + int(confirmed is not None)
    return size, counts


def record_value(rec, item):
    """An item's value in a collected record's answer, wherever the answer keeps it."""
    if not isinstance(rec, dict):
        return None
    for holder in (rec.get("data"), rec):
        if isinstance(holder, dict) and item in holder:
            v = holder[item]
            return v.get("value") if isinstance(v, dict) else v
    return None


# --------------------------------------------------------------------------- main
def login(port, user, password):
    status, body = Client(port).call("POST", "/api/v1/auth/login",
                                     {"username": user, "password": password})
    assert status == 200, (user, status, body)
    return body["session"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--database", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--trials", type=int, default=5)
    ap.add_argument("--persons", type=int, default=20000)
    ap.add_argument("--companies", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=20261207)
    ap.add_argument("--min-load", type=float, default=0.3, help="seconds of load before a kill, at least")
    ap.add_argument("--max-load", type=float, default=3.0, help="seconds of load before a kill, at most")
    ap.add_argument("--start-timeout", type=float, default=600)
    ap.add_argument("--verify-every", type=int, default=1, help="run `audit verify` every Nth trial")
    args = ap.parse_args()
    rnd = random.Random(args.seed)
    port = free_port()
    server = Server(args, port)
    server.start()
    try:
        run(args, rnd, server, port)
    finally:
        server.stop()


def run(args, rnd, server, port):
    tokens = dict(l.split("\t")[:2] for l in shuqiao(args, "demo-tokens").stdout.splitlines() if "\t" in l)
    token = tokens["hi-rst-sbxt"]
    steward = login(port, "steward.gat", "Hainan-steward-2026")
    admin = login(port, "admin", "Hainan-admin-2026")
    auditor = login(port, "auditor", "Hainan-audit-2026")
    consumer = login(port, "user.rst", "Hainan-user-2026")
    keys = population_keys(args)
    totals = {"trials": 0, "receipts": 0, "checkpoints": 0, "batches": 0, "rows": 0,
              "decisions": 0, "unanswered": 0, "unanswered_batches_applied": 0,
              "unanswered_batches_absent": 0, "verify": 0}
    bad = 0
    started = time.time()
    for trial in range(1, args.trials + 1):
        seen, stop = Seen(), threading.Event()
        rnd.shuffle(keys)
        slices = Slices(keys)
        workers = [threading.Thread(target=lookups, args=(port, token, keys, seen, stop,
                                                          random.Random(rnd.random())))
                   for _ in range(LOOKUP_WORKERS)]
        workers += [threading.Thread(target=batches,
                                     args=(port, steward, kind, i, trial, slices, seen, stop))
                    for i, kind in enumerate(("push", "push", "import"))]
        workers.append(threading.Thread(target=decisions, args=(port, consumer, admin, trial, seen, stop)))
        workers.append(threading.Thread(target=watch_checkpoints, args=(port, seen, stop)))
        for w in workers:
            w.start()
        time.sleep(rnd.uniform(args.min_load, args.max_load))
        server.kill9()
        stop.set()
        for w in workers:
            w.join(60)
        server.start()
        problems = list(f"unexpected answer: {w} {s} {str(b)[:300]}" for w, s, b in seen.refused)
        size, counts = check(port, auditor, steward, consumer, seen, problems)
        verified = ""
        if trial % args.verify_every == 0 or trial == args.trials:
            v = shuqiao(args, "audit", "verify")
            totals["verify"] += 1
            verified = " verify ok"
            if v.returncode != 0:
                problems.append(f"audit verify failed: {v.stdout[-2000:]} {v.stderr[-2000:]}")
                verified = " verify FAILED"
        totals["trials"] += 1
        totals["unanswered"] += seen.unknown
        for k, v in counts.items():
            totals[k] += v
        acked = sum(1 for b in seen.batches if b[3])
        print(f"trial {trial:>3}: head {size:>7}  receipts {counts['receipts']:>5}  checkpoints "
              f"{counts['checkpoints']:>4}  batches {counts['batches']:>3} ({acked} acknowledged)  "
              f"decisions {counts['decisions']:>3}  unanswered {seen.unknown}{verified}"
              + ("" if not problems else "  PROBLEMS:"), flush=True)
        for p in problems:
            print("    " + p, flush=True)
        bad += len(problems)
    totals["seconds"] = round(time.time() - started, 1)
    totals["problems"] = bad
    print("kill-trials: " + json.dumps(totals), flush=True)
    if bad:
        sys.exit(1)


def population_keys(args):
    """ID numbers of the demo's people, from the files `demo-files` writes."""
    out = os.path.join(args.work, "files")
    if not os.path.isdir(out):
        r = subprocess.run([args.bin, "demo-files", "--persons", str(args.persons), "--out", out],
                           cwd=args.work, capture_output=True, text=True, timeout=600)
        if r.returncode != 0:
            raise SystemExit(f"kill-trials: demo-files failed: {r.stderr}")
    with open(os.path.join(out, "population.csv"), encoding="utf-8-sig") as f:
        next(f)
        return [line.split(",", 1)[0] for line in f if line.strip()]


if __name__ == "__main__":
    main()
