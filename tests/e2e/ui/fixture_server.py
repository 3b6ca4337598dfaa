#!/usr/bin/env python3
"""A stand-in for eddy's REST API while developing the web UI: canned JSON of the
shapes docs/monitoring.md fixes (Flink's fields), values that move with time, and
the assets read from web/ on every request. Two jobs: a small one whose third
vertex is the bottleneck, and one of 50 vertices at parallelism 16.

    python3 tests/e2e/ui/fixture_server.py --port 8099 --web web
"""
import argparse
import hashlib
import json
import math
import os
import random
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

START = int(time.time() * 1000) - 95_000
TYPES = {".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8",
         ".css": "text/css; charset=utf-8", ".svg": "image/svg+xml"}
STRATEGIES = ["FORWARD", "REBALANCE", "HASH", "BROADCAST"]


def vid_of(name):
    return hashlib.md5(name.encode()).hexdigest()


def make_job(jid, name, vertices):
    """vertices: [(name, parallelism, [(input name, ship strategy)])]"""
    ids = {v[0]: vid_of(jid + v[0]) for v in vertices}
    return {"jid": jid, "name": name, "ids": ids, "vertices": vertices}


SMALL = make_job("6a0f3c2d9b8e7f10", "slow-regex", [
    ("source: bids", 4, []),
    ("filter: price > 10 -> select", 4, [("source: bids", "FORWARD")]),
    ("filter: regexp(url, '(a+)+b')", 4, [("filter: price > 10 -> select", "HASH")]),
    ("sink: out", 2, [("filter: regexp(url, '(a+)+b')", "REBALANCE")]),
])


def big_vertices():
    rnd = random.Random(7)
    vs = []
    for s in range(5):
        vs.append(("source: topic_%d" % s, 16, []))
    names = [v[0] for v in vs]
    i = 0
    while len(vs) < 45:
        k = 2 if rnd.random() < 0.15 and len(names) > 3 else 1
        ins = rnd.sample(names[-8:], k)
        kind = "join" if k == 2 else rnd.choice(["filter", "select", "window", "aggregate", "lookup"])
        n = "%s: step_%02d" % (kind, i)
        vs.append((n, 16, [(x, rnd.choice(STRATEGIES[:3])) for x in ins]))
        names.append(n)
        i += 1
    for s in range(5):
        vs.append(("sink: out_%d" % s, 16, [(names[-1 - s * 3], "HASH")]))
    return vs


BIG = make_job("77c1d2e3f4a5b6c7", "fifty-operators", big_vertices())
JOBS = [SMALL, BIG]
BOTTLENECK = {SMALL["jid"]: "filter: regexp(url, '(a+)+b')", BIG["jid"]: BIG["vertices"][20][0]}


def now_ms():
    return int(time.time() * 1000)


def vertex_ratios(job, name, subtask=None):
    """busy, backpressured, in-pool, out-pool: upstream of the bottleneck is backpressured."""
    names = [v[0] for v in job["vertices"]]
    b = names.index(BOTTLENECK[job["jid"]])
    i = names.index(name)
    wobble = 0.03 * math.sin(time.time() / 3 + i + (subtask or 0))
    if i == b:
        return 0.95 + wobble, 0.0, 1.0, 0.1
    if i < b:
        return 0.15 + wobble, 0.7 + wobble, 0.3, 1.0
    return 0.2 + i % 5 * 0.1 + wobble, 0.0, 0.1, 0.05


def plan(job):
    nodes = []
    for n, p, ins in job["vertices"]:
        nodes.append({"id": job["ids"][n], "parallelism": p, "operator": "", "operator_strategy": "",
                      "description": n,
                      "inputs": [{"num": k, "id": job["ids"][x], "ship_strategy": s, "exchange": "pipelined_bounded"}
                                 for k, (x, s) in enumerate(ins)]})
    return {"plan": {"jid": job["jid"], "name": job["name"], "type": "STREAMING", "nodes": nodes}}


def job_detail(job):
    t = now_ms()
    el = t - START
    vs = []
    for n, p, ins in job["vertices"]:
        recs = el * 12 * p
        vs.append({"id": job["ids"][n], "name": n, "parallelism": p, "maxParallelism": 128, "status": "RUNNING",
                   "start-time": START, "end-time": -1, "duration": el, "tasks": {"RUNNING": p},
                   "metrics": {"read-bytes": recs * 40, "read-bytes-complete": True, "write-bytes": recs * 38,
                               "write-bytes-complete": True, "read-records": 0 if not ins else recs,
                               "read-records-complete": True, "write-records": 0 if n.startswith("sink") else recs,
                               "write-records-complete": True, "accumulated-busy-time": el // 2,
                               "accumulated-backpressured-time": el // 4, "accumulated-idle-time": el // 4}})
    return {"jid": job["jid"], "name": job["name"], "isStoppable": False, "state": "RUNNING",
            "job-type": "STREAMING", "start-time": START, "end-time": -1, "duration": el, "maxParallelism": 128,
            "now": t, "timestamps": {"RUNNING": START}, "status-counts": {"RUNNING": len(vs)},
            "plan": plan(job)["plan"], "vertices": vs}


def health(job):
    vs, flags = [], []
    b = BOTTLENECK[job["jid"]]
    for n, p, ins in job["vertices"]:
        busy, bp, inp, outp = vertex_ratios(job, n)
        f = []
        if n == b:
            f.append("bottleneck")
        if bp > 0.5:
            f.append("backpressured")
        skew = None
        if n.endswith("step_03") or n == "sink: out":
            f.append("skew")
            skew = {"metric": "numRecordsInPerSecond", "subtask": 1, "ratio": 3.4, "key-groups": [17, 42]}
            flags.append({"kind": "skew", "vertex": job["ids"][n], "subtask": 1,
                          "message": "%s: subtask 1 receives 3.4x the median input rate (key groups 17, 42)" % n})
        stall = None
        if n.endswith("step_11"):
            f.append("watermark-stalled")
            stall = {"input": 0, "channel": 3, "since": now_ms() - 41_000,
                     "message": "input 0 channel 3 has not advanced its watermark for 41 s"}
            flags.append({"kind": "watermark-stalled", "vertex": job["ids"][n], "subtask": 2,
                          "message": "%s: %s" % (n, stall["message"])})
        rate = 1200 * p * (1 + 0.05 * math.sin(time.time()))
        vs.append({"id": job["ids"][n], "name": n, "backpressure-level": "high" if bp > 0.5 else "ok",
                   "busy-ratio": busy, "backpressured-ratio": bp, "in-pool-usage": inp, "out-pool-usage": outp,
                   "input-records-per-second": 0 if not ins else rate,
                   "capacity-records-per-second": rate / max(busy, 0.01), "flags": f, "skew": skew,
                   "watermark-stall": stall})
    msg = "%s: busy 95%%, input queue full, output queue at 10%%; its upstream is backpressured" % b
    flags.insert(0, {"kind": "bottleneck", "vertex": job["ids"][b], "subtask": 2, "message": msg})
    return {"timestamp": now_ms(), "status": "warn",
            "bottleneck": {"vertex": job["ids"][b], "name": b, "subtask": 2, "message": msg},
            "vertices": vs, "flags": flags}


def vertex(job, n):
    p = dict((v[0], v[1]) for v in job["vertices"])[n]
    el = now_ms() - START
    subs = []
    for s in range(p):
        busy, bp, inp, outp = vertex_ratios(job, n, s)
        recs = el * 12 * (1 + (s == 1) * 2)
        subs.append({"subtask": s, "status": "RUNNING", "attempt": 0, "endpoint": "localhost:tm-%d" % (s % 2),
                     "start-time": START, "end-time": -1, "duration": el, "taskmanager-id": "tm-%d" % (s % 2),
                     "status-duration": {"RUNNING": el},
                     "metrics": {"read-bytes": recs * 40, "read-bytes-complete": True, "write-bytes": recs * 38,
                                 "write-bytes-complete": True, "read-records": recs, "read-records-complete": True,
                                 "write-records": recs, "write-records-complete": True,
                                 "accumulated-busy-time": int(el * busy),
                                 "accumulated-backpressured-time": int(el * bp),
                                 "accumulated-idle-time": int(el * max(0, 1 - busy - bp))}})
    return {"id": job["ids"][n], "name": n, "parallelism": p, "maxParallelism": 128, "now": now_ms(),
            "subtasks": subs}


def backpressure(job, n):
    p = dict((v[0], v[1]) for v in job["vertices"])[n]
    subs = []
    for s in range(p):
        busy, bp, _, _ = vertex_ratios(job, n, s)
        subs.append({"subtask": s, "attempt-number": 0, "backpressure-level": "high" if bp > 0.5 else "ok",
                     "ratio": bp, "busyRatio": busy, "idleRatio": max(0, 1 - busy - bp)})
    return {"status": "ok", "backpressure-level": "high" if subs[0]["ratio"] > 0.5 else "ok",
            "end-timestamp": now_ms(), "subtasks": subs}


def watermarks(job, n):
    p = dict((v[0], v[1]) for v in job["vertices"])[n]
    if n.startswith("source"):
        return [{"id": "%d.currentInputWatermark" % s, "value": "-9223372036854775808"} for s in range(p)]
    return [{"id": "%d.currentInputWatermark" % s, "value": str(now_ms() - 5000 - s * 300)} for s in range(p)]


def history(job, n, get):
    p = dict((v[0], v[1]) for v in job["vertices"])[n]
    t = now_ms() // 1000 * 1000
    metrics = []
    for m in get:
        subs = []
        for s in range(p):
            pts = []
            for k in range(300, 0, -1):
                x = t - k * 1000
                base = {"busyTimeMsPerSecond": 600, "backPressuredTimeMsPerSecond": 200,
                        "idleTimeMsPerSecond": 200}.get(m, 1000 if "PerSecond" in m else 0.5)
                v = base * (1 + 0.3 * math.sin(x / 20000 + s)) + (s == 1) * base * 0.5
                if m.startswith("buffers."):
                    v = min(1.0, max(0.0, v))
                pts.append([x, round(v, 3)])
            subs.append({"subtask": s, "points": pts})
        metrics.append({"id": m, "subtasks": subs})
    return {"interval-ms": 1000, "metrics": metrics}


def sample(job, n, rows):
    t = now_ms()
    out = []
    for r in range(rows):
        out.append({"op": "+I" if r % 7 else "-U", "subtask": r % 4, "time": t - r * 37,
                    "values": [1000 + r, "https://example.com/item/%d" % (t // 1000 % 97 + r), round(10.5 + r * 1.25, 2),
                               t - r * 40]})
    return {"columns": ["auction", "url", "price", "date_time"], "rows": out}


def stacks(job, n):
    p = dict((v[0], v[1]) for v in job["vertices"])[n]
    acts = ["processing", "backpressured", "idle", "aligning"]
    return {"subtasks": [{"subtask": s, "activity": acts[s % 4],
                          "detail": "waiting for credit on channel %d" % s if s % 4 == 1 else "batch of 1024 rows",
                          "thread": "caf.worker-%d" % (s % 2),
                          "stack": ["re2::RE2::PartialMatchN", "eddy::expr::eval_regexp",
                                    "eddy::FilterOperator::process", "eddy::TaskRunner::run_batch",
                                    "caf::scheduler::worker::run"]} for s in range(p)]}


def checkpoints(job):
    t = now_ms()
    n = (t - START) // 1000
    hist = []
    for k in range(min(10, n)):
        cid = n - k
        status = "IN_PROGRESS" if k == 0 else ("FAILED" if cid % 13 == 0 else "COMPLETED")
        hist.append({"id": cid, "status": status, "is_savepoint": False, "checkpoint_type": "CHECKPOINT",
                     "trigger_timestamp": t - k * 1000 - 500, "latest_ack_timestamp": t - k * 1000 - 380,
                     "state_size": 4_200_000 + cid * 1000, "checkpointed_size": 120_000 + cid * 10,
                     "end_to_end_duration": 120 + cid % 7 * 10, "alignment_buffered": 0, "processed_data": 0,
                     "persisted_data": 0, "num_subtasks": 14,
                     "num_acknowledged_subtasks": 9 if status == "IN_PROGRESS" else 14, "tasks": {}})
    done = [h for h in hist if h["status"] == "COMPLETED"]
    mm = {"min": 100, "max": 190, "avg": 140, "p50": 140, "p90": 180, "p95": 185, "p99": 190, "p999": 190}
    return {"counts": {"restored": 0, "total": n, "in_progress": 1, "completed": n - 1 - n // 13, "failed": n // 13},
            "summary": {"checkpointed_size": mm, "state_size": mm, "end_to_end_duration": mm,
                        "alignment_buffered": mm, "processed_data": mm, "persisted_data": mm},
            "latest": {"completed": done[0] if done else None, "savepoint": None,
                       "failed": {"id": 13, "failure_timestamp": START + 13_000,
                                  "failure_message": "checkpoint 13 expired after 10 s"} if n > 13 else None,
                       "restored": None},
            "history": hist}


def exceptions(job):
    return {"exceptionHistory": {"entries": [
        {"exceptionName": "eddy::RuntimeError", "timestamp": START + 30_000,
         "stacktrace": "filter: regexp(url, '(a+)+b') subtask 2: division by zero in 'price / qty'\n  at record 1,204 of bids.csv line 1205",
         "taskName": "filter: regexp(url, '(a+)+b') (3/4)", "endpoint": "localhost", "taskManagerId": "tm-0"}],
        "truncated": False}}


def events(job):
    b = BOTTLENECK[job["jid"]]
    return {"events": [
        {"id": 1, "rule": "BACKPRESSURE_HIGH", "level": "WARN", "state": "open", "vertex": job["ids"][b],
         "subtask": 2, "message": "%s backpressures its upstream for 60 s" % b, "opened": START + 20_000,
         "resolved": None, "count": 12, "actions": ["log"]},
        {"id": 2, "rule": "TASK_MANAGER_OPERATOR_DATA_SKEW", "level": "WARN", "state": "resolved",
         "vertex": job["ids"][b], "subtask": 1, "message": "subtask 1 receives 3.4x the median",
         "opened": START + 5_000, "resolved": START + 25_000, "count": 3, "actions": ["log", "webhook"]}]}


def taskmanagers():
    return {"taskmanagers": [{"id": "tm-%d" % i, "path": "local://tm-%d" % i, "dataPort": -1, "jmxPort": -1,
                              "timeSinceLastHeartbeat": now_ms() - 300, "slotsNumber": 16, "freeSlots": 4 - i,
                              "totalResource": {}, "freeResource": {},
                              "hardware": {"cpuCores": 2, "physicalMemory": 8 << 30, "freeMemory": 3 << 30,
                                           "managedMemory": 1 << 30},
                              "memoryConfiguration": {}, "blocked": False} for i in range(2)]}


class Handler(BaseHTTPRequestHandler):
    web = "web"

    def log_message(self, *a):
        pass

    def send(self, code, body, ctype="application/json"):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        u = urlparse(self.path)
        q = parse_qs(u.query)
        parts = [p for p in u.path.split("/") if p]
        if u.path in ("/", "/index.html") or (len(parts) == 1 and os.path.splitext(parts[0])[1] in TYPES):
            f = os.path.join(self.web, "index.html" if u.path == "/" else parts[0])
            if os.path.exists(f):
                return self.send(200, open(f, "rb").read(), TYPES[os.path.splitext(f)[1]])
        if parts == ["config"]:
            return self.send(200, {"refresh-interval": 2000, "timezone-name": "UTC", "timezone-offset": 0,
                                   "flink-version": "0.1.0-fixture", "features": {}})
        if parts == ["overview"]:
            return self.send(200, {"taskmanagers": 2, "slots-total": 32, "slots-available": 5, "jobs-running": 2,
                                   "jobs-finished": 1, "jobs-cancelled": 0, "jobs-failed": 0,
                                   "flink-version": "0.1.0-fixture", "flink-commit": ""})
        if parts == ["jobs", "overview"]:
            jobs = [{"jid": j["jid"], "name": j["name"], "state": "RUNNING", "start-time": START, "end-time": -1,
                     "duration": now_ms() - START, "last-modification": START,
                     "tasks": {"running": len(j["vertices"]), "total": len(j["vertices"])}} for j in JOBS]
            jobs.append({"jid": "0000000000000abc", "name": "nightly-backfill", "state": "FINISHED",
                         "start-time": START - 600_000, "end-time": START - 480_000, "duration": 120_000,
                         "last-modification": START - 480_000, "tasks": {"finished": 3, "total": 3}})
            return self.send(200, {"jobs": jobs})
        if parts == ["taskmanagers"]:
            return self.send(200, taskmanagers())
        if len(parts) >= 2 and parts[0] == "jobs":
            job = next((j for j in JOBS if j["jid"] == parts[1]), None)
            if not job:
                return self.send(404, {"errors": ["no job '%s'" % parts[1]]})
            rest = parts[2:]
            if not rest:
                return self.send(200, job_detail(job))
            simple = {"plan": plan, "health": health, "checkpoints": checkpoints, "exceptions": exceptions,
                      "events": events}
            if len(rest) == 1 and rest[0] in simple:
                return self.send(200, simple[rest[0]](job))
            if rest[0] == "vertices" and len(rest) >= 2:
                name = next((n for n, i in job["ids"].items() if i == rest[1] or n == rest[1]), None)
                if name is None:
                    return self.send(404, {"errors": ["no vertex '%s' in job %s" % (rest[1], job["jid"])]})
                sub = rest[2] if len(rest) > 2 else ""
                if sub == "":
                    return self.send(200, vertex(job, name))
                if sub == "backpressure":
                    return self.send(200, backpressure(job, name))
                if sub == "watermarks":
                    return self.send(200, watermarks(job, name))
                if sub == "history":
                    return self.send(200, history(job, name, q.get("get", ["busyTimeMsPerSecond"])[0].split(",")))
                if sub == "sample":
                    return self.send(200, sample(job, name, int(q.get("rows", ["20"])[0])))
                if sub == "stacks":
                    return self.send(200, stacks(job, name))
        self.send(404, {"errors": ["not found: " + u.path]})


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=8099)
    ap.add_argument("--web", default=os.path.join(os.path.dirname(__file__), "..", "..", "..", "web"))
    a = ap.parse_args()
    Handler.web = a.web
    srv = ThreadingHTTPServer(("127.0.0.1", a.port), Handler)
    print("fixture on http://127.0.0.1:%d" % srv.server_address[1], flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    main()
