#!/usr/bin/env python3
"""Monitoring end to end (docs/monitoring.md): the REST API of `eddy local
--web-ui 127.0.0.1:0` and of a cluster, against a job that runs for a while.

Modes (all by default):
  local    every endpoint once the job runs: Flink's fields, vertex ids, metric
           ids and aggregates, checkpoints, exceptions, task managers, health
           and events; unknown
           job, vertex and metric answer 404 JSON naming what exists; GET
           /metrics parses as Prometheus text (prometheus_client when installed,
           else a strict parser here); /sample's rows are among what the file
           sink wrote; /stacks shows an activity and frames for each subtask;
           `eddy sample` and `eddy stacks` print the same.
  restart  a failure injected mid-run: /exceptions lists it, /events has
           JOB_RESTARTED, /metrics numRestarts 1, and the restored attempt's
           subtasks report metrics again.
  cluster  `eddy jobmanager` and two `eddy taskmanager` processes: /stacks and
           /sample gather subtasks from both task managers, /metrics names them;
           a rule of the cluster config's monitor: section opens an event.

Usage: run_monitoring.py EDDY [--modes local,restart,cluster] [--keep]
"""
import argparse
import json
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "cluster"))
sys.path.insert(0, os.path.join(HERE, ".."))
from run_cluster import SECRET, Cluster, start_jobmanager, start_taskmanager, task_managers, wait_until  # noqa: E402
from modes import run_modes  # noqa: E402

PIPELINE = """name: monitored
parallelism: 2
sources:
  - name: gen
    type: datagen
    rows: {rows}
    rows_per_second: {rate}
    fields:
      id:   {{ kind: sequence, start: 0, step: 1 }}
      k:    {{ kind: random, type: int64, min: 1, max: 50 }}
      tag:  {{ kind: choice, values: [a, b, c] }}
operators:
  - name: evens
    input: gen
    filter: "id % 2 = 0"
sinks:
  - name: out
    input: evens
    type: file
    path: {outdir}
    format: jsonl
    key_by: [k]
checkpoints:
  interval: 1s
  dir: {ckdir}
"""


def get(port, path, timeout=30):
    """(status, body): JSON parsed unless the path is /metrics."""
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            data = r.read().decode()
            return r.status, data if path == "/metrics" else json.loads(data)
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def ok(port, path):
    status, body = get(port, path)
    assert status == 200, (path, status, body)
    return body


def write_pipeline(work, rows, rate):
    outdir, ckdir = os.path.join(work, "out"), os.path.join(work, "ck")
    path = os.path.join(work, "monitored.yaml")
    with open(path, "w") as f:
        f.write(PIPELINE.format(rows=rows, rate=rate, outdir=outdir, ckdir=ckdir))
    return path, outdir


# -- Prometheus text --------------------------------------------------------------------

SAMPLE = re.compile(r'([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*",?)*\})? '
                    r'(-?[0-9.eE+-]+|NaN|[+-]Inf)')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\.)*)"')


def parse_prometheus(text):
    """{name: [labels dict]}; with prometheus_client when it is installed."""
    out = {}
    try:
        from prometheus_client.parser import text_string_to_metric_families
        for family in text_string_to_metric_families(text):
            assert family.type == "gauge", family
            for s in family.samples:
                out.setdefault(s.name, []).append(dict(s.labels))
        return out, "prometheus_client"
    except ImportError:
        pass
    for line in text.splitlines():
        if line.startswith("# HELP ") or re.fullmatch(r"# TYPE [a-zA-Z_:][a-zA-Z0-9_:]* gauge", line):
            continue
        m = SAMPLE.fullmatch(line)
        assert m, f"not Prometheus text: {line!r}"
        out.setdefault(m.group(1), []).append(dict(LABEL.findall(m.group(2) or "")))
    return out, "a strict parser"


def check_prometheus(port, job, vertex_names, expect_tms=None):
    status, text = get(port, "/metrics")
    assert status == 200
    series, parser = parse_prometheus(text)
    for name in ("flink_jobmanager_numRegisteredTaskManagers", "flink_jobmanager_job_numberOfCompletedCheckpoints",
                 "flink_taskmanager_job_task_busyTimeMsPerSecond", "flink_taskmanager_job_task_numRecordsOut",
                 "flink_taskmanager_job_task_operator_numRecordsOut"):
        assert name in series, (name, sorted(series)[:50])
    busy = series["flink_taskmanager_job_task_busyTimeMsPerSecond"]
    assert {s["job_id"] for s in busy} == {job}, busy
    assert {s["task_name"] for s in busy} == set(vertex_names), busy
    assert all(len(s["task_id"]) == 32 and s["subtask_index"].isdigit() for s in busy), busy
    if expect_tms is not None:
        assert {s["tm_id"] for s in busy} == expect_tms, (busy, expect_tms)
    return len(series), parser


# -- the checks ---------------------------------------------------------------------------

def wait_running(port):
    def running():
        jobs = ok(port, "/jobs")["jobs"]
        return jobs[0]["id"] if jobs and jobs[0]["state"] == "RUNNING" else None
    return wait_until("a running job", running, timeout=30)


def check_errors(port, job, vid):
    status, body = get(port, "/jobs/0123456789abcdef/plan")
    assert status == 404 and "no job with id 0123456789abcdef" in body["errors"][0], body
    status, body = get(port, f"/jobs/{job}/vertices/nope")
    assert status == 404 and "no vertex 'nope'" in body["errors"][0] and vid in body["errors"][0], body
    status, body = get(port, f"/jobs/{job}/vertices/{vid}/metrics?get=0.noSuchMetric")
    assert status == 404 and "no metric '0.noSuchMetric'" in body["errors"][0] \
        and "busyTimeMsPerSecond" in body["errors"][0], body
    status, body = get(port, f"/jobs/{job}/vertices/{vid}/subtasks/metrics?get=nope")
    assert status == 404 and "numRecordsIn" in body["errors"][0], body
    status, body = get(port, "/taskmanagers/nobody")
    assert status == 404 and "task managers:" in body["errors"][0], body


def wait_metrics(port, job, vid):
    """Until the job master has two samples of the vertex's subtasks (rates need two)."""
    def has_rates():
        m = ok(port, f"/jobs/{job}/vertices/{vid}/metrics?get=0.busyTimeMsPerSecond,1.busyTimeMsPerSecond")
        return len(m) == 2
    wait_until(f"busyTimeMsPerSecond of vertex {vid}", has_rates, timeout=20, step=0.2)


def check_job(port, job):
    """The Flink-shaped endpoints of a running job; returns its plan's nodes."""
    for node in ok(port, f"/jobs/{job}/plan")["plan"]["nodes"]:
        wait_metrics(port, job, node["id"])
    assert ok(port, "/config")["flink-version"].startswith("eddy")
    overview = ok(port, "/overview")
    assert overview["jobs-running"] == 1 and overview["taskmanagers"] >= 1, overview
    assert ok(port, "/jobs/overview")["jobs"][0]["jid"] == job
    details = ok(port, f"/jobs/{job}")
    assert details["jid"] == job and details["state"] == "RUNNING" and details["operators"], details
    nodes = ok(port, f"/jobs/{job}/plan")["plan"]["nodes"]
    assert len(nodes) == 2 and nodes[1]["inputs"][0]["ship_strategy"] == "HASH", nodes
    assert nodes[1]["inputs"][0]["id"] == nodes[0]["id"] and len(nodes[0]["id"]) == 32, nodes
    assert "/jobs/{id}/vertices/{vid}/stacks" in " ".join(ok(port, "/api")["endpoints"])
    for node in nodes:
        vid = node["id"]
        v = ok(port, f"/jobs/{job}/vertices/{vid}")
        assert v["id"] == vid and len(v["subtasks"]) == node["parallelism"], v
        assert all(s["taskmanager-id"] for s in v["subtasks"]), v
        bp = ok(port, f"/jobs/{job}/vertices/{vid}/backpressure")
        assert bp["backpressure-level"] in ("ok", "low", "high") and len(bp["subtasks"]) == 2, bp
        wm = ok(port, f"/jobs/{job}/vertices/{vid}/watermarks")
        assert [w["id"] for w in wm] == ["0.currentInputWatermark", "1.currentInputWatermark"], wm
        ids = [m["id"] for m in ok(port, f"/jobs/{job}/vertices/{vid}/metrics")]
        assert "0.busyTimeMsPerSecond" in ids and "1.numRecordsOut" in ids, ids
        values = ok(port, f"/jobs/{job}/vertices/{vid}/metrics?get=0.numRecordsOut,1.busyTimeMsPerSecond")
        assert all(isinstance(m["value"], str) for m in values) and values, values
        agg = ok(port, f"/jobs/{job}/vertices/{vid}/subtasks/metrics?get=numRecordsOut&agg=min,max,sum,skew")
        assert agg and set(agg[0]) == {"id", "min", "max", "sum", "skew"}, agg
        hist = ok(port, f"/jobs/{job}/vertices/{vid}/history?get=numRecordsOut")
        points = hist["metrics"][0]["subtasks"][0]["points"]
        assert hist["interval-ms"] > 0 and points and len(points[-1]) == 2, hist
    health = ok(port, f"/jobs/{job}/health")
    assert health["status"] in ("ok", "warn", "fatal") and {v["id"] for v in health["vertices"]} == \
        {n["id"] for n in nodes}, health
    assert isinstance(ok(port, f"/jobs/{job}/events")["events"], list)
    tms = ok(port, "/taskmanagers")["taskmanagers"]
    assert ok(port, "/taskmanagers/" + urllib.request.quote(tms[0]["id"], safe=""))["slotsNumber"] >= 1
    return nodes


def check_checkpoints(port, job):
    def completed():
        c = ok(port, f"/jobs/{job}/checkpoints")
        return c if c["counts"]["completed"] >= 1 else None
    c = wait_until("a completed checkpoint", completed, timeout=20)
    assert c["latest"]["completed"]["status"] == "COMPLETED" and c["history"][0]["id"] >= 1, c
    entries = ok(port, f"/jobs/{job}/exceptions")["exceptionHistory"]["entries"]
    assert entries == [], entries
    return c["counts"]["completed"]


def sample_rows(port, job, vid, rows=50):
    """Arms the taps, waits for rows, returns the answer."""
    get(port, f"/jobs/{job}/vertices/{vid}/sample?rows={rows}")
    def rows_now():
        s = ok(port, f"/jobs/{job}/vertices/{vid}/sample?rows={rows}")
        return s if len(s["rows"]) >= 5 else None
    return wait_until("sampled rows", rows_now, timeout=15, step=0.3)


def check_stacks(port, job, vid, parallelism):
    s = ok(port, f"/jobs/{job}/vertices/{vid}/stacks")["subtasks"]
    assert [x["subtask"] for x in s] == list(range(parallelism)), s
    for x in s:
        assert x["activity"] and x["detail"] and x["thread"] != "0", x
        assert x["stack"] and any("eddy" in f or "caf" in f for f in x["stack"]), x
    return s


def written_rows(outdir):
    rows = set()
    for root, _, files in os.walk(outdir):
        for name in files:
            with open(os.path.join(root, name)) as f:
                for line in f:
                    if line.strip():
                        o = json.loads(line)
                        rows.add((o["id"], o["k"], o["tag"]))
    return rows


def mode_local(eddy, work):
    path, outdir = write_pipeline(work, rows=450000, rate=15000)
    log = open(os.path.join(work, "local.log"), "w+")
    p = subprocess.Popen([eddy, "local", path, "-q", "--web-ui", "127.0.0.1:0"], stdout=log, stderr=subprocess.STDOUT)
    try:
        def url():
            log.seek(0)
            m = re.search(r"web UI and REST API on http://127\.0\.0\.1:(\d+)", log.read())
            assert p.poll() is None, open(log.name).read()
            return m and int(m.group(1))
        port = wait_until("the --web-ui line", url, timeout=20)
        job = wait_running(port)
        nodes = check_job(port, job)
        check_errors(port, job, nodes[0]["id"])
        completed = check_checkpoints(port, job)
        n_series, parser = check_prometheus(port, job, [n["description"] for n in nodes])
        sink = nodes[1]["id"]
        sample = sample_rows(port, job, sink)
        assert sample["columns"] == ["id", "k", "tag"], sample
        assert all(r["op"] == "+I" and r["subtask"] in (0, 1) for r in sample["rows"]), sample
        stacks = check_stacks(port, job, nodes[0]["id"], 2)
        cli = subprocess.run([eddy, "sample", job, "out", "-m", f"127.0.0.1:{port}", "--rows", "5"],
                             capture_output=True, text=True, timeout=30)
        assert cli.returncode == 0 and cli.stdout.splitlines()[0].split()[:4] == ["OP", "SUBTASK", "TIME", "id"], cli
        assert len(cli.stdout.splitlines()) >= 2 and "+I" in cli.stdout, cli.stdout
        cli = subprocess.run([eddy, "stacks", job, "gen", "-m", f"127.0.0.1:{port}"],
                             capture_output=True, text=True, timeout=30)
        assert cli.returncode == 0 and "subtask 0 (thread " in cli.stdout and "subtask 1" in cli.stdout, cli
        assert p.wait(timeout=120) == 0, open(log.name).read()
        written = written_rows(outdir)
        sampled = [tuple(r["values"]) for r in sample["rows"]]
        missing = [r for r in sampled if r not in written]
        assert not missing, (missing[:5], len(written))
        print(f"local: {len(nodes)} vertices, every endpoint answered; {completed} checkpoints listed; /metrics: "
              f"{n_series} series, parsed by {parser}; {len(sampled)} sampled rows all in the file sink's output; "
              f"stacks of {len(stacks)} subtasks ({stacks[0]['activity']}, {len(stacks[0]['stack'])} frames); "
              "eddy sample and eddy stacks print them; unknown job, vertex, metric and task manager: 404 naming what exists")
    finally:
        if p.poll() is None:
            p.kill()
            p.wait(timeout=10)


def mode_cluster(eddy, work):
    c = Cluster(eddy, work, env={"EDDY_CLUSTER_SECRET": SECRET})
    try:
        # The cluster config's monitor: section holds the rules of jobs without their own.
        config = os.path.join(work, "jm.yaml")
        with open(config, "w") as f:
            f.write("monitor:\n  rules:\n    - name: cluster_rule\n      metric: busyTimeMsPerSecond\n"
                    "      condition: \">= 0\"\n      for: 1s\n      actions: [log]\n")
        jm, rpc, port = start_jobmanager(c, extra=["--config", config])
        start_taskmanager(c, "tm1", rpc)
        start_taskmanager(c, "tm2", rpc)
        wait_until("two task managers", lambda: len(task_managers(port)) == 2)
        path, _ = write_pipeline(work, rows=200000, rate=10000)
        r = subprocess.run([eddy, "run", path, "-m", f"127.0.0.1:{port}"], capture_output=True, text=True, timeout=60)
        assert r.returncode == 0, r.stderr
        job = r.stdout.strip().splitlines()[-1]
        wait_running(port)
        nodes = ok(port, f"/jobs/{job}/plan")["plan"]["nodes"]
        tms = {t["id"] for t in task_managers(port)}
        for node in nodes:
            wait_metrics(port, job, node["id"])
        n_series, parser = check_prometheus(port, job, [n["description"] for n in nodes], expect_tms=tms)
        stacks = check_stacks(port, job, nodes[0]["id"], 2)
        threads = {x["thread"] for x in stacks}
        sample = sample_rows(port, job, nodes[1]["id"])
        assert {r["subtask"] for r in sample["rows"]} <= {0, 1}, sample
        wait_until("the cluster config's rule opened an event",
                   lambda: any(e["rule"] == "cluster_rule" for e in ok(port, f"/jobs/{job}/events")["events"]))
        print("cluster: the cluster config's monitor rule opened an event")
        print(f"cluster: stacks of 2 subtasks on 2 task manager processes (threads {sorted(threads)}); "
              f"{len(sample['rows'])} sampled rows; /metrics: {n_series} series naming both task managers, parsed by {parser}")
    finally:
        c.stop_all()


def mode_restart(eddy, work):
    """A failure injected mid-run: the job restarts from its last checkpoint, and
    REST shows the failure in /exceptions, JOB_RESTARTED in /events,
    numRestarts in /metrics, and metrics of the new attempt."""
    path, _ = write_pipeline(work, rows=450000, rate=15000)
    log = open(os.path.join(work, "restart.log"), "w+")
    p = subprocess.Popen([eddy, "local", path, "-q", "--web-ui", "127.0.0.1:0", "--inject-failure", "evens:1:60000"],
                         stdout=log, stderr=subprocess.STDOUT)
    try:
        def url():
            log.seek(0)
            m = re.search(r"web UI and REST API on http://127\.0\.0\.1:(\d+)", log.read())
            assert p.poll() is None, open(log.name).read()
            return m and int(m.group(1))
        port = wait_until("the --web-ui line", url, timeout=20)
        job = wait_running(port)

        def failed_once():
            e = ok(port, f"/jobs/{job}/exceptions")["exceptionHistory"]["entries"]
            return e if e else None
        entries = wait_until("the injected failure in /exceptions", failed_once, timeout=40)
        assert "evens" in entries[0]["taskName"] and entries[0]["stacktrace"], entries
        wait_until("the job running again", lambda: ok(port, f"/jobs/{job}")["state"] == "RUNNING", timeout=30)
        wait_until("JOB_RESTARTED in /events", lambda: any(
            e["rule"] == "JOB_RESTARTED" for e in ok(port, f"/jobs/{job}/events")["events"]), timeout=20)
        wait_until("numRestarts 1 in /metrics", lambda: re.search(
            r"^flink_jobmanager_job_numRestarts\{[^}]*\} 1(\.0)?$", get(port, "/metrics")[1], re.M), timeout=20)
        for node in ok(port, f"/jobs/{job}/plan")["plan"]["nodes"]:
            wait_metrics(port, job, node["id"])  # the new attempt reports again
        print(f"restart: /exceptions has the failure of {entries[0]['taskName']}; JOB_RESTARTED, numRestarts 1, "
              "and every vertex reports again")
    finally:
        p.kill()
        p.wait(timeout=10)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("eddy")
    ap.add_argument("--modes", default="local,restart,cluster")
    ap.add_argument("--keep", action="store_true")
    args = ap.parse_args()
    eddy = os.path.abspath(args.eddy)
    modes = {"local": mode_local, "restart": mode_restart, "cluster": mode_cluster}

    def run(name, work):
        sub = os.path.join(work, name)
        os.makedirs(sub)
        modes[name](eddy, sub)
    run_modes(args.modes.split(","), run, "eddy-monitoring-", keep=args.keep)


if __name__ == "__main__":
    sys.exit(main())
