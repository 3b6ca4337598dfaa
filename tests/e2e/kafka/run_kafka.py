#!/usr/bin/env python3
"""The kafka connector against librdkafka's mock cluster (3 brokers, in a
process of its own: kafka_mock.py), with kcat producing and reading topics
independently of eddy. Checks: a 32-partition topic read whole (exact
multiset) in json, csv and raw; startup modes; malformed records skipped and
counted, or failing the job at once naming topic, partition and offset;
exactly-once of the source through SIGKILL of `eddy local` and --resume
(window results compared row for row with an undisturbed run); Kafka -> Kafka
at-least-once and exactly-once through SIGKILL (no record lost; the sink's
transaction calls counted); partitions of a topic created while the job runs
(topic-pattern discovery), with more subtasks than partitions; SQL (a
watermarked kafka table, a window into a keyed csv kafka table); Kafka ->
window -> PostgreSQL (jdbc sink, two-phase commit) through SIGKILL and
--resume; and bad input named (broker unreachable, topic missing) without
printing a password.

What the mock cannot show (docs/connectors.md, "Kafka"): it ignores
read_committed, so a reader also sees records of aborted transactions -- the
exactly-once sink is checked for its transaction calls and for no loss, and
duplicates are only counted; offsets_for_times answers -1, so the timestamp
startup mode starts at the end of every partition here.
Usage: run_kafka.py EDDY MOCK_BINARY [--kills N]"""

import argparse
import collections
import datetime
import json
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "servers"))
from kafka_mock import KafkaMock  # noqa: E402
from e2e_common import Check, free_port, run, write  # noqa: E402

RUN_TIMEOUT = 120
PASSWORD = "Kafka-Secret-4711"



def produce(kafka, topic, lines, partition=None):
    """Each line one message (kcat), to `partition` or spread by kcat's partitioner."""
    cmd = ["kcat", "-P", "-b", kafka.bootstrap, "-t", topic, "-X", "linger.ms=5"]
    if partition is not None:
        cmd += ["-p", str(partition)]
    code, out, err = run(cmd, stdin="".join(l + "\n" for l in lines))
    if code != 0:
        raise RuntimeError("kcat -P failed: " + err)


def consume(kafka, topic):
    """Every message of every partition, from the start to the current end (kcat)."""
    code, out, err = run(["kcat", "-C", "-b", kafka.bootstrap, "-t", topic, "-o", "beginning", "-e", "-q",
                          "-f", "%s\n"])
    if code != 0:
        raise RuntimeError("kcat -C failed: " + err)
    return [l for l in out.split("\n") if l]


def read_part_files(out_dir):
    rows = []
    for root, _, files in os.walk(out_dir):
        for name in files:
            if name.startswith(".") or "inprogress" in name or "pending" in name:
                continue
            with open(os.path.join(root, name)) as f:
                rows += [l for l in f.read().split("\n") if l]
    return rows


def source_keys(kafka, topic, extra=""):
    return ("    type: kafka\n    topic: %s\n    properties.bootstrap.servers: %s\n"
            "    scan.startup.mode: earliest-offset\n    scan.bounded.mode: latest-offset\n%s" % (topic, kafka.bootstrap, extra))


def events(n, keys=7):
    return [json.dumps({"id": i, "k": i % keys, "v": "x%d" % i, "ts": 1704067200000 + i * 10}, separators=(",", ":"))
            for i in range(n)]


def case_read_formats(eddy, kafka, work, check):
    n = 100000
    produce(kafka, "events", events(n))
    p = write(work, "json.yaml", """\
name: kafka-json
parallelism: 2
sources:
  - name: ev
%s    schema: { id: int64, k: int64, v: string, ts: int64 }
operators:
  - name: some
    input: ev
    filter: "k <> 3"
sinks:
  - name: out
    input: some
    type: file
    format: jsonl
    path: %s
""" % (source_keys(kafka, "events"), os.path.join(work, "json-out")))
    t0 = time.time()
    code, out, err = run([eddy, "local", p, "-q"])
    took = time.time() - t0
    check.expect(code == 0, "json: the job finished (exit %d) %s" % (code, err[-1500:] if code else ""))
    got = collections.Counter(json.loads(l)["id"] for l in read_part_files(os.path.join(work, "json-out")))
    want = collections.Counter(i for i in range(n) if i % 7 != 3)
    check.expect(got == want, "json: %d records of 32 partitions read, filtered: exactly the %d expected, each once "
                 "(%d lost, %d extra) in %.1fs" % (n, sum(want.values()), sum((want - got).values()),
                                                   sum((got - want).values()), took))

    produce(kafka, "csvt", ["%d,name %d,%d.5" % (i, i, i) for i in range(1000)])
    p = write(work, "csv.yaml", """\
name: kafka-csv
sources:
  - name: c
%s    format: csv
    schema: { id: int64, name: string, x: float64 }
sinks:
  - name: out
    input: c
    type: file
    format: csv
    path: %s
""" % (source_keys(kafka, "csvt"), os.path.join(work, "csv-out")))
    code, out, err = run([eddy, "local", p, "-q"])
    rows = sorted((l for l in read_part_files(os.path.join(work, "csv-out")) if l != "id,name,x"),
                  key=lambda l: int(l.split(",")[0]))
    check.expect(code == 0 and len(rows) == 1000 and rows[7] == "7,name 7,7.5",
                 "csv: 1000 records with their columns (exit %d, %d rows, %s) %s" % (code, len(rows), rows[7:8], err[-800:]))

    raw = ["plain text %d, with \"quotes\" and ,commas" % i for i in range(500)]
    produce(kafka, "rawt", raw)
    p = write(work, "raw.yaml", """\
name: kafka-raw
sources:
  - name: r
%s    format: raw
    schema: { line: string }
sinks:
  - name: out
    input: r
    type: file
    format: jsonl
    path: %s
""" % (source_keys(kafka, "rawt"), os.path.join(work, "raw-out")))
    code, out, err = run([eddy, "local", p, "-q"])
    got = sorted(json.loads(l)["line"] for l in read_part_files(os.path.join(work, "raw-out")))
    check.expect(code == 0 and got == sorted(raw), "raw: 500 messages, each the one string column, byte for byte "
                 "(exit %d, %d rows) %s" % (code, len(got), err[-800:]))


def bounded_count(eddy, kafka, work, name, topic, extra, parallelism=1):
    p = write(work, name + ".yaml", """\
name: kafka-%s
parallelism: %d
sources:
  - name: ev
    type: kafka
    topic: %s
    properties.bootstrap.servers: %s
    scan.bounded.mode: latest-offset
%s    schema: { id: int64, k: int64, v: string, ts: int64 }
sinks:
  - name: out
    input: ev
    type: file
    format: jsonl
    path: %s
""" % (name, parallelism, topic, kafka.bootstrap, extra, os.path.join(work, name + "-out")))
    code, out, err = run([eddy, "local", p])
    ids = [json.loads(l)["id"] for l in read_part_files(os.path.join(work, name + "-out"))]
    return code, ids, err


def case_startup_modes(eddy, kafka, work, check):
    # Partition 0 gets ids 0..99, partition 1 ids 100..149 (kcat -p).
    kafka.command("create modes 4")
    produce(kafka, "modes", events(100), partition=0)
    produce(kafka, "modes", events(150)[100:], partition=1)
    code, ids, err = bounded_count(eddy, kafka, work, "earliest", "modes", "    scan.startup.mode: earliest-offset\n", 3)
    check.expect(code == 0 and sorted(ids) == list(range(150)),
                 "earliest-offset, 3 subtasks on 4 partitions: all 150 (exit %d, %d) %s" % (code, len(ids), err[-500:]))
    code, ids, err = bounded_count(eddy, kafka, work, "latest", "modes", "    scan.startup.mode: latest-offset\n")
    check.expect(code == 0 and ids == [], "latest-offset with scan.bounded.mode latest-offset: nothing (exit %d, %d)"
                 % (code, len(ids)))
    code, ids, err = bounded_count(eddy, kafka, work, "specific", "modes",
                                   "    scan.startup.mode: specific-offsets\n"
                                   "    scan.startup.specific-offsets: partition:0,offset:40;partition:1,offset:45\n")
    want = list(range(40, 100)) + list(range(145, 150))
    check.expect(code == 0 and sorted(ids) == want,
                 "specific-offsets: partition 0 from 40, partition 1 from 45 (exit %d, %d of %d)" % (code, len(ids), len(want)))
    code, ids, err = bounded_count(eddy, kafka, work, "group", "modes",
                                   "    scan.startup.mode: group-offsets\n    properties.group.id: fresh-group\n")
    check.expect(code == 0 and sorted(ids) == list(range(150)),
                 "group-offsets of a group without commits: auto.offset.reset (eddy: earliest) (exit %d, %d)" % (code, len(ids)))
    code, ids, err = bounded_count(eddy, kafka, work, "ts", "modes",
                                   "    scan.startup.mode: timestamp\n    scan.startup.timestamp-millis: 0\n")
    check.expect(code == 0 and ids == [],
                 "timestamp: the mock's offsets_for_times answers -1, so reading starts at the end (exit %d, %d)"
                 % (code, len(ids)))


def case_group_commits(eddy, kafka, work, check):
    """Offsets of completed checkpoints are committed to the group (monitoring):
    a later job with scan.startup.mode group-offsets starts from them."""
    kafka.command("create commits 4")
    produce(kafka, "commits", events(40000))
    first = write(work, "commit1.yaml", """\
name: kafka-commits
checkpoints:
  interval: 100ms
  dir: %s
sources:
  - name: ev
%s    properties.group.id: g-commits
    properties.max.partition.fetch.bytes: 2048
    schema: { id: int64, k: int64, v: string, ts: int64 }
sinks:
  - name: out
    input: ev
    type: blackhole
""" % (os.path.join(work, "commits-ck"), source_keys(kafka, "commits")))
    slow(kafka, 50)  # long enough for checkpoints to complete, even on a loaded machine
    code, out, err = run([eddy, "local", first])
    slow(kafka, 0)
    completed = re.search(r"checkpoints: (\d+) completed", err)
    check.expect(code == 0 and completed and int(completed.group(1)) > 0,
                 "group commits: the first job finished after %s checkpoints (exit %d) %s" % (
                     completed.group(1) if completed else "no", code, err[-800:] if code else ""))
    code, ids, err = bounded_count(eddy, kafka, work, "commits2", "commits",
                                   "    scan.startup.mode: group-offsets\n    properties.group.id: g-commits\n")
    check.expect(code == 0 and 0 < 40000 - len(ids) and sorted(ids) == sorted(set(ids)),
                 "group commits: a job starting from the group's offsets skips the %d records the first job's "
                 "checkpoints committed (read %d of 40000)" % (40000 - len(ids), len(ids)))


def case_malformed(eddy, kafka, work, check):
    kafka.command("create bad 1")
    good = events(3)
    produce(kafka, "bad", [good[0], "{\"id\": not json", good[1], "{\"id\":\"seven\",\"k\":1,\"v\":\"a\",\"ts\":1}", good[2]],
            partition=0)
    code, ids, err = bounded_count(eddy, kafka, work, "skip", "bad", "    scan.startup.mode: earliest-offset\n"
                                                                    "    json.ignore-parse-errors: true\n")
    check.expect(code == 0 and sorted(ids) == [0, 1, 2] and "skipped 2 malformed records" in err,
                 "malformed records skipped and counted under json.ignore-parse-errors (exit %d, %s): %s"
                 % (code, ids, err.strip()[-300:]))
    t0 = time.time()
    code, ids, err = bounded_count(eddy, kafka, work, "fail", "bad", "    scan.startup.mode: earliest-offset\n")
    check.expect(code != 0 and "topic bad, partition 0, offset 1" in err and time.time() - t0 < 30,
                 "on_error fail: the job fails at once naming topic, partition and offset (exit %d, %.1fs): %s"
                 % (code, time.time() - t0, err.strip()[-400:]))


WINDOW_PIPELINE = """\
name: kafka-window-{name}
parallelism: 2
checkpoints:
  interval: 150ms
  dir: {ckdir}
sources:
  - name: ev
{source}    schema: {{ id: int64, k: int64, v: string, ts: timestamp }}
    event_time:
      column: ts
      max_out_of_orderness: 500ms
operators:
  - name: totals
    input: ev
    key_by: [k]
    window: {{ type: tumbling, size: 2s }}
    aggregate:
      n: count(*)
      s: sum(id)
sinks:
  - name: out
    input: totals
    type: file
    format: jsonl
    path: {out}
"""


def completed_checkpoints(ckdir):
    if not os.path.isdir(ckdir):
        return set()
    return {d for d in os.listdir(ckdir) if d.startswith("chk-") and os.path.exists(os.path.join(ckdir, d, "_metadata"))}


def kill_and_resume(eddy, pipeline, ckdir, check, label, kills, rng, env=None):
    """Runs `eddy local PIPELINE --resume` until it exits 0, SIGKILLing each of the
    first `kills` runs at a random moment after a new checkpoint of it completed."""
    killed, resumed, errs = 0, [], []
    for attempt in range(kills + 10):
        before = completed_checkpoints(ckdir)
        proc = subprocess.Popen([eddy, "local", pipeline, "--resume"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, start_new_session=True, env=env)
        if killed < kills:
            deadline = time.time() + RUN_TIMEOUT
            while proc.poll() is None and time.time() < deadline and not (completed_checkpoints(ckdir) - before):
                time.sleep(0.02)
            time.sleep(rng.uniform(0, 0.4))
            if proc.poll() is None:
                os.kill(proc.pid, signal.SIGKILL)
                killed += 1
        try:
            out, err = proc.communicate(timeout=RUN_TIMEOUT)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            out, err = proc.communicate()
            check.expect(False, "%s: a run did not end in %ds" % (label, RUN_TIMEOUT))
            return killed, resumed, errs
        errs.append(err)
        resumed += re.findall(r"resuming from checkpoint (\d+)", err)
        if proc.returncode == 0:
            return killed, resumed, errs
        if proc.returncode != -signal.SIGKILL:
            check.expect(False, "%s: run %d exited %d: %s" % (label, attempt, proc.returncode, err[-2000:]))
            return killed, resumed, errs
    return killed, resumed, errs


def slow(kafka, ms):
    for broker in (1, 2, 3):
        kafka.command("rtt %d %d" % (broker, ms))


def case_source_exactly_once(eddy, kafka, work, check, kills, rng):
    n = 300000
    base = datetime.datetime(2024, 1, 1)
    lines = [json.dumps({"id": i, "k": i % 13, "v": "v",
                         "ts": (base + datetime.timedelta(milliseconds=i)).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]},
                        separators=(",", ":")) for i in range(n)]
    produce(kafka, "win", lines)

    def pipeline(name, extra=""):
        return write(work, name + ".yaml", WINDOW_PIPELINE.format(
            name=name, ckdir=os.path.join(work, name + "-ck"), out=os.path.join(work, name + "-out"),
            source=source_keys(kafka, "win", extra)))
    ref = pipeline("ref")
    code, out, err = run([eddy, "local", ref, "-q"])
    check.expect(code == 0, "source exactly-once: the undisturbed run finished (exit %d) %s" % (code, err[-1500:]))
    want = collections.Counter(read_part_files(os.path.join(work, "ref-out")))
    total = sum(json.loads(l)["n"] * c for l, c in want.items()) if want else 0
    check.expect(total == n, "source exactly-once: the undisturbed run counted %d of %d records in its windows" % (total, n))
    # Small fetches from slow brokers: a run takes seconds, so the kills land mid-run.
    p = pipeline("kill", "    properties.max.partition.fetch.bytes: 4096\n")
    slow(kafka, 20)
    killed, resumed, _ = kill_and_resume(eddy, p, os.path.join(work, "kill-ck"), check, "source exactly-once", kills, rng)
    slow(kafka, 0)
    got = collections.Counter(read_part_files(os.path.join(work, "kill-out")))
    check.expect(killed >= kills and len(resumed) >= kills,
                 "source exactly-once: killed %d times, resumed from checkpoints %s" % (killed, ", ".join(resumed)))
    check.expect(got == want, "source exactly-once: %d window rows after %d kills vs %d undisturbed: %d lost, %d extra"
                 % (sum(got.values()), killed, sum(want.values()), sum((want - got).values()), sum((got - want).values())))
    # Rescaled: killed at parallelism 2 after a checkpoint, restored from it at 3 (partitions dealt anew).
    p = pipeline("resc", "    properties.max.partition.fetch.bytes: 4096\n")
    slow(kafka, 20)
    proc = subprocess.Popen([eddy, "local", p], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    deadline = time.time() + RUN_TIMEOUT
    while proc.poll() is None and time.time() < deadline and not completed_checkpoints(os.path.join(work, "resc-ck")):
        time.sleep(0.02)
    time.sleep(rng.uniform(0, 0.3))
    killed = proc.poll() is None
    if killed:
        os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    slow(kafka, 0)
    cks = sorted(completed_checkpoints(os.path.join(work, "resc-ck")), key=lambda d: int(d.split("-")[1]))
    if killed and cks:
        code, out, err = run([eddy, "local", p, "--from-savepoint", os.path.join(work, "resc-ck", cks[-1]), "-p", "3",
                              "-q"])
        got = collections.Counter(read_part_files(os.path.join(work, "resc-out")))
        check.expect(code == 0 and got == want,
                     "source exactly-once rescaled: killed at -p 2, restored from %s at -p 3 (exit %d): %d lost, %d "
                     "extra %s" % (cks[-1], code, sum((want - got).values()), sum((got - want).values()), err[-500:]))
    else:
        check.expect(False, "rescale: the run ended before it could be killed after a checkpoint")


K2K_PIPELINE = """\
name: kafka-to-kafka-{name}
parallelism: 2
checkpoints:
  interval: 200ms
  dir: {ckdir}
sources:
  - name: ev
{source}    schema: {{ id: int64, k: int64, v: string, ts: int64 }}
operators:
  - name: some
    input: ev
    filter: "k <> 3"
sinks:
  - name: out
    input: some
    type: kafka
    topic: {topic}
    properties.bootstrap.servers: {bootstrap}
    sink.delivery-guarantee: {guarantee}
{extra}"""


_k2k_produced = []


def k2k_input(kafka, n):
    """The input of the Kafka -> Kafka cases, produced once per run."""
    if not _k2k_produced:
        produce(kafka, "k2k-in", events(n))
        _k2k_produced.append(n)


def case_kafka_to_kafka(eddy, kafka, work, check, kills, rng):
    n = 100000
    k2k_input(kafka, n)
    want = set(i for i in range(n) if i % 7 != 3)
    for guarantee, extra in (("at-least-once", ""),
                             ("exactly-once", "    sink.transactional-id-prefix: eddy-test-eo\n")):
        topic = "out-" + guarantee
        kafka.command("create %s 8" % topic)
        p = write(work, topic + ".yaml", K2K_PIPELINE.format(
            name=guarantee, ckdir=os.path.join(work, topic + "-ck"), topic=topic, bootstrap=kafka.bootstrap,
            guarantee=guarantee, extra=extra,
            source=source_keys(kafka, "k2k-in", "    properties.max.partition.fetch.bytes: 4096\n")))
        slow(kafka, 50)
        t0 = time.time()
        killed, resumed, errs = kill_and_resume(eddy, p, os.path.join(work, topic + "-ck"), check, guarantee, kills, rng)
        took = time.time() - t0
        slow(kafka, 0)
        got = collections.Counter(json.loads(l)["id"] for l in consume(kafka, topic))
        lost = len(want - set(got))
        dups = sum(c - 1 for c in got.values() if c > 1)
        check.expect(lost == 0 and set(got) <= want and killed >= kills and len(resumed) >= kills,
                     "kafka -> kafka %s through %d kills (resumed from %s, %.1fs): no record lost (%d read back by kcat, "
                     "%d duplicates)" % (guarantee, killed, ",".join(resumed), took, sum(got.values()), dups))
        if guarantee == "exactly-once":
            calls = [tuple(map(int, m)) for e in errs for m in re.findall(
                r"(\d+) transactions begun, (\d+) committed, (\d+) records produced again", e)]
            committed = sum(c[1] for c in calls)
            check.expect(len(calls) >= 2 and committed >= 2,
                         "exactly-once: the last run's subtasks began and committed transactions (begun, committed, "
                         "replayed per subtask: %s)" % calls)


def case_k2k_rescale(eddy, kafka, work, check, rng):
    """Kafka -> Kafka exactly-once killed at parallelism 2 after a checkpoint,
    restored from it at 1: subtask 0 also takes over subtask 1's state, ends its
    open transaction (init_transactions with its id) and replays what it must."""
    n = 100000
    k2k_input(kafka, n)
    want = set(i for i in range(n) if i % 7 != 3)
    topic = "out-eo-rescaled"
    kafka.command("create %s 8" % topic)
    ckdir = os.path.join(work, topic + "-ck")
    p = write(work, topic + ".yaml", K2K_PIPELINE.format(
        name="rescaled", ckdir=ckdir, topic=topic, bootstrap=kafka.bootstrap, guarantee="exactly-once",
        extra="    sink.transactional-id-prefix: eddy-test-rescale\n",
        source=source_keys(kafka, "k2k-in", "    properties.max.partition.fetch.bytes: 4096\n")))
    slow(kafka, 50)
    proc = subprocess.Popen([eddy, "local", p], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    deadline = time.time() + RUN_TIMEOUT
    while proc.poll() is None and time.time() < deadline and not completed_checkpoints(ckdir):
        time.sleep(0.02)
    time.sleep(rng.uniform(0, 0.3))
    killed = proc.poll() is None
    if killed:
        os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    slow(kafka, 0)
    cks = sorted(completed_checkpoints(ckdir), key=lambda d: int(d.split("-")[1]))
    if not (killed and cks):
        check.expect(False, "k2k rescale: the run ended before it could be killed after a checkpoint")
        return
    code, out, err = run([eddy, "local", p, "--from-savepoint", os.path.join(ckdir, cks[-1]), "-p", "1", "-q"])
    got = collections.Counter(json.loads(l)["id"] for l in consume(kafka, topic))
    calls = re.findall(r"subtask (\d+): (\d+) transactions begun, (\d+) committed, (\d+) records produced again", err)
    check.expect(code == 0 and not (want - set(got)) and set(got) <= want,
                 "kafka -> kafka exactly-once killed at -p 2, restored from %s at -p 1 (exit %d): no record lost "
                 "(%d read back, %d duplicates; subtask, begun, committed, replayed: %s) %s"
                 % (cks[-1], code, sum(got.values()), sum(c - 1 for c in got.values() if c > 1), calls,
                    err[-500:] if code else ""))


def case_discovery(eddy, kafka, work, check):
    """An unbounded source on a topic pattern: a topic created while the job
    runs is found and read; 4 subtasks on 2 partitions: the idle ones stay."""
    kafka.command("create disc-a 2")
    produce(kafka, "disc-a", events(20))
    p = write(work, "disc.yaml", """\
name: kafka-discovery
parallelism: 4
sources:
  - name: ev
    type: kafka
    topic-pattern: "disc-.*"
    properties.bootstrap.servers: %s
    scan.startup.mode: earliest-offset
    scan.topic-partition-discovery.interval: 500ms
    schema: { id: int64, k: int64, v: string, ts: int64 }
sinks:
  - name: out
    input: ev
    type: print
""" % kafka.bootstrap)
    proc = subprocess.Popen([eddy, "local", p, "-q"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)
    seen = set()
    deadline = time.time() + 60
    created = False
    import selectors
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ)
    pending = b""
    while time.time() < deadline and len(seen) < 40 and proc.poll() is None:
        if len(seen) >= 20 and not created:
            kafka.command("create disc-b 3")
            produce(kafka, "disc-b", [json.dumps({"id": 1000 + i, "k": 0, "v": "b", "ts": 0}) for i in range(20)])
            created = True
        if sel.select(timeout=0.5):
            pending += os.read(proc.stdout.fileno(), 65536)
            *lines, pending = pending.split(b"\n")
            for line in lines:
                if line.strip().startswith(b"{"):
                    seen.add(json.loads(line)["id"])
    running = proc.poll() is None
    t0 = time.time()
    os.kill(proc.pid, signal.SIGTERM)  # an unbounded job ends by cancellation
    try:
        _, err = proc.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        _, err = proc.communicate()
    err = err.decode(errors="replace")
    check.expect(proc.returncode == 143, "discovery: SIGTERM cancels the unbounded job (exit %d, %.1fs)"
                 % (proc.returncode, time.time() - t0))
    check.expect(running and seen == set(range(20)) | set(range(1000, 1020)),
                 "discovery: the 20 records of disc-a, then the 20 of disc-b created while the job ran (%d seen, still "
                 "running: %s) %s" % (len(seen), running, err[-500:]))


def case_partitioners(eddy, kafka, work, check):
    """sink.partitioner: fixed (subtask i -> partition i % partitions),
    round-robin (even), default with key.fields (one partition per key)."""
    def run_sink(name, extra):
        kafka.command("create %s 4" % name)
        p = write(work, name + ".yaml", """\
name: kafka-%s
parallelism: 2
sources:
  - name: gen
    type: datagen
    rows: 10000
    fields:
      id: { kind: sequence, start: 0, step: 1 }
      k: { kind: choice, values: ["a", "b", "c", "d", "e", "f"] }
sinks:
  - name: out
    input: gen
    type: kafka
    topic: %s
    properties.bootstrap.servers: %s
%s""" % (name, name, kafka.bootstrap, extra))
        code, out, err = run([eddy, "local", p, "-q"])
        code2, out2, err2 = run(["kcat", "-C", "-b", kafka.bootstrap, "-t", name, "-o", "beginning", "-e", "-q",
                                 "-f", "%p|%k|%s\n"])
        rows = [l.split("|", 2) for l in out2.split("\n") if l]
        return code, rows, err
    code, rows, err = run_sink("part-fixed", "    sink.partitioner: fixed\n")
    parts = collections.Counter(r[0] for r in rows)
    check.expect(code == 0 and len(rows) == 10000 and set(parts) == {"0", "1"},
                 "sink.partitioner fixed: 2 subtasks write partitions 0 and 1 only (%s) %s" % (dict(parts), err[-300:]))
    code, rows, err = run_sink("part-rr", "    sink.partitioner: round-robin\n")
    parts = collections.Counter(r[0] for r in rows)
    check.expect(code == 0 and len(rows) == 10000 and len(parts) == 4 and max(parts.values()) - min(parts.values()) <= 4,
                 "sink.partitioner round-robin: 10000 messages evenly over 4 partitions (%s)" % dict(parts))
    code, rows, err = run_sink("part-key", "    key.fields: k\n    format: csv\n")
    by_key = collections.defaultdict(set)
    for p, key, value in rows:
        by_key[key].add(p)
    check.expect(code == 0 and len(rows) == 10000 and len(by_key) == 6 and all(len(v) == 1 for v in by_key.values())
                 and all(value.split(",")[1] == key for _, key, value in rows),
                 "key.fields: the key is the column's text, each key in one partition (%s)"
                 % {k: sorted(v) for k, v in sorted(by_key.items())})


def case_sql(eddy, kafka, work, check):
    """SQL: a kafka table with a watermark, a tumbling window written to a kafka
    table as csv with a key (key.fields), read back by kcat with the keys."""
    n = 20000
    base = datetime.datetime(2024, 1, 1)
    produce(kafka, "sql-in", [json.dumps({"id": i, "k": i % 5, "ts": (base + datetime.timedelta(milliseconds=i)).strftime(
        "%Y-%m-%d %H:%M:%S.%f")[:-3]}) for i in range(n)])
    kafka.command("create sql-out 4")
    p = write(work, "win.sql", """\
CREATE TABLE ev (id BIGINT, k BIGINT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '1' SECOND) WITH (
  'connector' = 'kafka', 'topic' = 'sql-in', 'properties.bootstrap.servers' = '%s',
  'scan.startup.mode' = 'earliest-offset', 'scan.bounded.mode' = 'latest-offset', 'format' = 'json');
CREATE TABLE totals (k BIGINT, window_start TIMESTAMP(3), n BIGINT) WITH (
  'connector' = 'kafka', 'topic' = 'sql-out', 'properties.bootstrap.servers' = '%s', 'format' = 'csv',
  'key.fields' = 'k');
INSERT INTO totals SELECT k, window_start, COUNT(*) FROM TABLE(TUMBLE(TABLE ev, DESCRIPTOR(ts), INTERVAL '5' SECOND))
GROUP BY k, window_start, window_end;
""" % (kafka.bootstrap, kafka.bootstrap))
    code, out, err = run([eddy, "local", p, "-q"])
    check.expect(code == 0, "sql: the job finished (exit %d) %s" % (code, err[-1500:] if code else ""))
    code, out, err = run(["kcat", "-C", "-b", kafka.bootstrap, "-t", "sql-out", "-o", "beginning", "-e", "-q",
                          "-f", "%k|%s\n"])
    rows = sorted(l for l in out.split("\n") if l)
    want = sorted("%d|%d,2024-01-01 00:00:%02d.000,%d" % (k, k, w * 5, 1000) for k in range(5) for w in range(4))
    check.expect(rows == want, "sql: 20 window counts, each keyed by its k (%d rows, e.g. %s)" % (len(rows), rows[:2]))


PG_PIPELINE = """\
name: kafka-window-pg
parallelism: 2
checkpoints:
  interval: 150ms
  dir: {ckdir}
sources:
  - name: ev
{source}    schema: {{ id: int64, k: int64, v: string, ts: timestamp }}
    event_time:
      column: ts
      max_out_of_orderness: 500ms
operators:
  - name: totals
    input: ev
    key_by: [k]
    window: {{ type: tumbling, size: 2s }}
    aggregate:
      n: count(*)
      s: sum(id)
sinks:
  - name: pg
    input: totals
    type: jdbc
    url: {url}
    table-name: totals
    username: {user}
    password: ${{env:EDDY_TEST_PG_PASSWORD}}
"""


def case_postgres(eddy, kafka, work, check, kills, rng):
    """Kafka -> tumbling window -> jdbc sink (two-phase commit) through SIGKILL
    and --resume: the table holds every window result exactly once."""
    try:
        from pg_server import PASSWORD as PG_PASSWORD, USER, PgServer
        pg = PgServer().start()
    except Exception as e:  # noqa: BLE001
        print("  skipped: no PostgreSQL server (%s)" % e)
        return
    try:
        n = 300000
        base = datetime.datetime(2024, 1, 1)
        produce(kafka, "pg-in", [json.dumps({"id": i, "k": i % 13, "v": "v", "ts": (base + datetime.timedelta(
            milliseconds=i)).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]}, separators=(",", ":")) for i in range(n)])
        pg.sql("CREATE TABLE totals (k bigint, window_start timestamp, window_end timestamp, n bigint, s bigint)")
        p = write(work, "pg.yaml", PG_PIPELINE.format(
            ckdir=os.path.join(work, "pg-ck"), url=pg.url(), user=USER,
            source=source_keys(kafka, "pg-in", "    properties.max.partition.fetch.bytes: 4096\n")))
        env = dict(os.environ)
        env["EDDY_TEST_PG_PASSWORD"] = PG_PASSWORD
        slow(kafka, 20)
        killed, resumed, _ = kill_and_resume(eddy, p, os.path.join(work, "pg-ck"), check, "kafka -> postgres", kills,
                                             rng, env=env)
        slow(kafka, 0)
        want = collections.Counter()
        sums = collections.Counter()
        for i in range(n):
            want[(i % 13, i // 2000)] += 1
            sums[(i % 13, i // 2000)] += i
        expected = sorted("%d %d %d %d" % (k, w, c, sums[(k, w)]) for (k, w), c in want.items())
        rows = pg.sql("SELECT k, (extract(epoch FROM window_start - timestamp '2024-01-01') / 2)::bigint, n, s "
                      "FROM totals")
        got = sorted(" ".join(r) for r in rows)
        lost = len(set(expected) - set(got))
        check.expect(got == expected and killed >= kills and len(resumed) >= kills,
                     "kafka -> window -> postgres (2PC) through %d kills, resumed from %s: %d rows vs %d expected, "
                     "%d missing, %d duplicated" % (killed, ",".join(resumed), len(got), len(expected), lost,
                                                    len(got) - len(set(got))))
        left = pg.sql("SELECT gid FROM pg_prepared_xacts")
        check.expect(not left, "kafka -> postgres: no prepared transaction left (%s)" % left)
    finally:
        pg.stop()


def read_ids_until(proc, seen, want, timeout):
    """Adds the ids printed on proc's stdout to `seen` until it holds `want` (or timeout)."""
    import selectors
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ)
    pending = b""
    deadline = time.time() + timeout
    while time.time() < deadline and not want <= seen and proc.poll() is None:
        if sel.select(timeout=0.5):
            pending += os.read(proc.stdout.fileno(), 65536)
            *lines, pending = pending.split(b"\n")
            for line in lines:
                if line.strip().startswith(b"{"):
                    seen.add(json.loads(line)["id"])
    sel.close()


def case_idle_subtasks(eddy, kafka, work, check):
    """An unbounded source with more subtasks (4) than partitions (2), event time
    and a tumbling window: the subtasks without a partition are idle and do not
    hold the watermark back, so windows fire while the job runs."""
    kafka.command("create idle-t 2")
    base = datetime.datetime(2024, 1, 1)
    recs = [json.dumps({"id": i, "k": 0, "ts": (base + datetime.timedelta(milliseconds=100 * i)).strftime(
        "%Y-%m-%d %H:%M:%S.%f")[:-3]}) for i in range(50)]
    # Both partitions get records (an empty one would rightly hold event time back: no idle timeout here).
    produce(kafka, "idle-t", recs[0::2], partition=0)
    produce(kafka, "idle-t", recs[1::2], partition=1)
    p = write(work, "idle.yaml", """\
name: kafka-idle-subtasks
parallelism: 4
sources:
  - name: ev
    type: kafka
    topic: idle-t
    properties.bootstrap.servers: %s
    scan.startup.mode: earliest-offset
    schema: { id: int64, k: int64, ts: timestamp }
    event_time: { column: ts, max_out_of_orderness: 0ms }   # no idle timeout: waiting subtasks are idle by themselves
operators:
  - name: counts
    input: ev
    key_by: [k]
    window: { type: tumbling, size: 1s }
    aggregate: { n: count(*) }
sinks:
  - name: out
    input: counts
    type: print
""" % kafka.bootstrap)
    proc = subprocess.Popen([eddy, "local", p, "-q"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)
    import selectors
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ)
    pending, windows = b"", []
    deadline = time.time() + 30
    while time.time() < deadline and len(windows) < 4 and proc.poll() is None:
        if sel.select(timeout=0.5):
            pending += os.read(proc.stdout.fileno(), 65536)
            *lines, pending = pending.split(b"\n")
            windows += [json.loads(l) for l in lines if l.strip().startswith(b"{")]
    running = proc.poll() is None
    os.killpg(proc.pid, signal.SIGKILL)
    _, err = proc.communicate()
    counts = sorted((w["window_start"], w["n"]) for w in windows)
    check.expect(running and len(counts) >= 4 and all(n == 10 for _, n in counts),
                 "4 subtasks on 2 partitions: the idle ones do not hold the watermark back, windows fire while the job "
                 "runs (%s) %s" % (counts[:4], err.decode(errors="replace")[-300:]))


def case_brokers_down(eddy, kafka, work, check):
    """Every broker down for 4 s while an unbounded job reads: librdkafka
    reconnects (or, should it report every broker down, the source fails with
    'cannot reach Kafka' and the restart strategy restores the last
    checkpoint); either way reading goes on once the brokers are back."""
    kafka.command("create flaky 4")
    produce(kafka, "flaky", events(20))
    p = write(work, "flaky.yaml", """\
name: kafka-flaky
parallelism: 2
checkpoints:
  interval: 200ms
  dir: %s
restart:
  attempts: 20
  delay: 500ms
sources:
  - name: ev
    type: kafka
    topic: flaky
    properties.bootstrap.servers: %s
    properties.reconnect.backoff.max.ms: 200
    scan.startup.mode: earliest-offset
    schema: { id: int64, k: int64, v: string, ts: int64 }
sinks:
  - name: out
    input: ev
    type: print
""" % (os.path.join(work, "flaky-ck"), kafka.bootstrap))
    proc = subprocess.Popen([eddy, "local", p], stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    seen = set()
    read_ids_until(proc, seen, set(range(20)), 30)
    first = set(seen)
    for b in (1, 2, 3):
        kafka.command("down %d" % b)
    time.sleep(4)
    for b in (1, 2, 3):
        kafka.command("up %d" % b)
    produce(kafka, "flaky", [json.dumps({"id": 100 + i, "k": 0, "v": "b", "ts": 0}) for i in range(20)])
    read_ids_until(proc, seen, set(range(20)) | set(range(100, 120)), 60)
    running = proc.poll() is None
    os.killpg(proc.pid, signal.SIGKILL)
    _, err = proc.communicate()
    err = err.decode(errors="replace")
    failed_over = "cannot reach Kafka" in err or "restart" in err
    check.expect(first == set(range(20)) and seen == set(range(20)) | set(range(100, 120)) and running,
                 "brokers down and up again: the job went on and read the 20 records produced after (%d of 40 seen, "
                 "still running: %s; failed over: %s)" % (len(seen), running, failed_over))


def case_bad_input(eddy, kafka, work, check):
    env = dict(os.environ)
    env["EDDY_TEST_KAFKA_PW"] = PASSWORD

    def pipeline(name, bootstrap, topic, password="${env:EDDY_TEST_KAFKA_PW}"):
        return write(work, name, """\
name: kafka-bad
sources:
  - name: ev
    type: kafka
    topic: %s
    properties.bootstrap.servers: %s
    properties.sasl.username: eddy
    properties.sasl.password: "%s"
    scan.bounded.mode: latest-offset
    schema: { id: int64 }
sinks:
  - name: out
    input: ev
    type: print
""" % (topic, bootstrap, password))
    port = free_port()
    t0 = time.time()
    code, out, err = run([eddy, "local", pipeline("down.yaml", "127.0.0.1:%d" % port, "events"), "-q"], env=env)
    check.expect(code != 0 and ("cannot reach Kafka at 127.0.0.1:%d" % port) in err,
                 "unreachable broker: fails naming 127.0.0.1:%d (exit %d, %.1fs): %s"
                 % (port, code, time.time() - t0, err.strip()[-300:]))
    check.expect(PASSWORD not in out + err, "unreachable broker: the password appears nowhere in the output")
    code, out, err = run([eddy, "local", pipeline("missing.yaml", kafka.bootstrap, "no-such-topic"), "-q"], env=env)
    check.expect(code != 0 and "topic 'no-such-topic' does not exist at " + kafka.bootstrap in err,
                 "missing topic: named (exit %d): %s" % (code, err.strip()[-300:]))
    check.expect(PASSWORD not in out + err, "missing topic: the password appears nowhere in the output")
    literal = pipeline("literal.yaml", kafka.bootstrap, "events", PASSWORD)
    code, out, err = run([eddy, "validate", literal])
    check.expect(code == 0 and PASSWORD not in out + err,
                 "validate with a literal password: succeeds and does not print it (exit %d) %s" % (code, err[-300:]))
    bad = write(work, "badopt.yaml", """\
name: kafka-badopt
sources:
  - name: ev
    type: kafka
    topic: t
    properties.bootstrap.servers: h:1
    scan.startup.mode: sometime
    schema: { id: int64 }
sinks:
  - name: out
    input: ev
    type: kafka
    topic: o
    properties.bootstrap.servers: h:1
    sink.delivery-guarantee: exactly-once
""")
    code, out, err = run([eddy, "validate", bad])
    check.expect(code != 0 and "badopt.yaml:7:" in out + err and "needs 'sink.transactional-id-prefix'" in out + err,
                 "validate: bad options refused with file:line:column (exit %d): %s" % (code, (out + err).strip()[-500:]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("eddy")
    ap.add_argument("mock")
    ap.add_argument("--kills", type=int, default=2)
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--only", default="")
    args = ap.parse_args()
    seed = args.seed if args.seed is not None else random.randrange(1 << 30)
    print("seed %d" % seed)
    rng = random.Random(seed)
    check = Check()
    cases = [("formats", lambda k, w: case_read_formats(args.eddy, k, w, check)),
             ("modes", lambda k, w: case_startup_modes(args.eddy, k, w, check)),
             ("malformed", lambda k, w: case_malformed(args.eddy, k, w, check)),
             ("commits", lambda k, w: case_group_commits(args.eddy, k, w, check)),
             ("bad", lambda k, w: case_bad_input(args.eddy, k, w, check)),
             ("sql", lambda k, w: case_sql(args.eddy, k, w, check)),
             ("partitioners", lambda k, w: case_partitioners(args.eddy, k, w, check)),
             ("discovery", lambda k, w: case_discovery(args.eddy, k, w, check)),
             ("down", lambda k, w: case_brokers_down(args.eddy, k, w, check)),
             ("idle", lambda k, w: case_idle_subtasks(args.eddy, k, w, check)),
             ("source_eo", lambda k, w: case_source_exactly_once(args.eddy, k, w, check, args.kills, rng)),
             ("k2k", lambda k, w: case_kafka_to_kafka(args.eddy, k, w, check, args.kills, rng)),
             ("k2k_rescale", lambda k, w: case_k2k_rescale(args.eddy, k, w, check, rng)),
             ("postgres", lambda k, w: case_postgres(args.eddy, k, w, check, args.kills, rng))]
    with tempfile.TemporaryDirectory(prefix="eddy-kafka-test-") as work, \
            KafkaMock(args.mock, ["events", "csvt", "rawt", "win", "k2k-in", "sql-in", "pg-in"]) as kafka:
        print("mock cluster at %s" % kafka.bootstrap)
        for name, case in cases:
            if args.only and name not in args.only.split(","):
                continue
            t0 = time.time()
            print("-- %s" % name, flush=True)
            case(kafka, work)
            print("   (%.1fs)" % (time.time() - t0), flush=True)
    if check.failures:
        print("%d FAILED (seed %d)" % (len(check.failures), seed))
        return 1
    print("all passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
