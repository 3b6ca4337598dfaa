#!/usr/bin/env python3
"""The redis sink against a real Redis server started for this run
(tests/e2e/servers/redis_server.py): an updating stream upserts and deletes
hashes (YAML); a SQL INSERT appends stream entries; the password, read from
the environment, never shows in output; bad input (server unreachable, wrong
password, a hash sink without a key) is named; and exactly-once through
SIGKILL of `eddy local` and --resume, rescaled between 2 and 3 subtasks, leaves
every entry on the stream once.
Usage: run_redis.py EDDY [--kills N]"""

import argparse
import json
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "servers"))
sys.path.insert(0, os.path.join(HERE, "..", "cluster"))
from redis_server import RedisServer, free_port  # noqa: E402
from e2e_common import Check, write  # noqa: E402
import run_cluster  # noqa: E402

RUN_TIMEOUT = 120
PASSWORD = "redis-Secret-7"



def env_with_password(value=PASSWORD):
    return dict(os.environ, EDDY_TEST_REDIS_PASSWORD=value)


def run(cmd, env=None, timeout=RUN_TIMEOUT):
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env or env_with_password())
    return p.returncode, p.stdout, p.stderr


def no_password(check, label, *texts):
    check.expect(not any(PASSWORD in t for t in texts), "%s: the password never shows" % label)


def connection(redis, extra=""):
    return ("    type: redis\n    host: 127.0.0.1\n    port: %d\n    password: ${env:EDDY_TEST_REDIS_PASSWORD}\n%s"
            % (redis.port, extra))


UPSERT = """\
name: redis-upsert
parallelism: 2
sources:
  - name: orders
    type: file
    path: {data}
    format: csv
    schema: {{user: string, amount: int64}}
operators:
  - name: per_user
    input: orders
    key_by: [user]
    aggregate:
      n: count(*)
      total: sum(amount)
  - name: top5
    input: per_user
    top_n: {{ n: 5, order_by: total DESC }}
sinks:
  - name: out
    input: top5
{sink}    key-prefix: "user:"
    primary_key: [user]
"""


def case_hash_upserts(eddy, redis, work, check):
    rng = random.Random(3)
    rows = [("u%d" % rng.randint(0, 40), rng.randint(1, 30)) for _ in range(3000)]
    data = write(work, "orders.csv", "".join("%s,%d\n" % r for r in rows))
    p = write(work, "upsert.yaml", UPSERT.format(data=data, sink=connection(redis)))
    code, out, err = run([eddy, "local", p])
    check.expect(code == 0, "hash upserts: the job finished (exit %d) %s" % (code, err[-1500:]))
    no_password(check, "hash upserts", out, err)
    want = {}
    for user, amount in rows:
        n, total = want.get(user, (0, 0))
        want[user] = (n + 1, total + amount)
    # Users who left the top 5 were deleted (-D): 5 hashes are left, of users
    # none of the others beats.
    sixth = sorted((t for n, t in want.values()), reverse=True)[5]
    keys = sorted(redis.cli("KEYS", "user:*").split())
    got = {}
    for k in keys:
        fields = redis.cli("HGETALL", k).split()
        h = dict(zip(fields[0::2], fields[1::2]))
        got[k[len("user:"):]] = (int(h["n"]), int(h["total"]))
    check.expect(len(got) == 5 and all(want[u] == v and v[1] >= sixth for u, v in got.items()),
                 "hash upserts and deletes: the top 5's hashes, each with its user's count and total: %s" % got)


STREAM_SQL = """\
CREATE TABLE clicks (id BIGINT, page STRING, ms BIGINT) WITH (
  'connector' = 'filesystem', 'path' = '{data}', 'format' = 'csv');
CREATE TABLE log (id BIGINT, page STRING, slow BOOLEAN) WITH (
  'connector' = 'redis', 'host' = '127.0.0.1', 'port' = '{port}',
  'password' = '${{env:EDDY_TEST_REDIS_PASSWORD}}', 'data-type' = 'stream', 'stream-key' = 'clicks:log');
INSERT INTO log SELECT id, page, ms > 500 FROM clicks WHERE page <> 'home';
"""


def case_stream_sql(eddy, redis, work, check):
    pages = ["home", "cart", "pay", "help"]
    rows = [(i, pages[i % 4], (i * 37) % 1000) for i in range(2000)]
    data = write(work, "clicks.csv", "".join("%d,%s,%d\n" % r for r in rows))
    script = write(work, "stream.sql", STREAM_SQL.format(data=data, port=redis.port))
    code, out, err = run([eddy, "local", script, "-p", "2"])
    check.expect(code == 0, "stream (SQL): the job finished (exit %d) %s" % (code, err[-1500:]))
    no_password(check, "stream (SQL)", out, err)
    want = Counter((str(i), p, "true" if ms > 500 else "false") for i, p, ms in rows if p != "home")
    got = Counter(stream_entries(redis, "clicks:log", ("id", "page", "slow")))
    check.expect(got == want, "stream (SQL): %d entries, one per row that passed (%d expected)" %
                 (sum(got.values()), sum(want.values())))


def stream_entries(redis, key, fields):
    """The entries of a stream as tuples of `fields`' values, in stream order."""
    out, last = [], "-"
    while True:
        text = redis.cli("XRANGE", key, last, "+", "COUNT", "10000").split("\n")
        # redis-cli without a terminal: id, then field and value lines, per entry.
        entries, cur = [], None
        for line in text:
            if re.fullmatch(r"\d+-\d+", line):
                cur = {"_id": line, "_kv": []}
                entries.append(cur)
            elif cur is not None and line != "":
                cur["_kv"].append(line)
        if last != "-" and entries and entries[0]["_id"] == last:
            entries = entries[1:]
        if not entries:
            return out
        for e in entries:
            kv = dict(zip(e["_kv"][0::2], e["_kv"][1::2]))
            out.append(tuple(kv.get(f) for f in fields))
        last = entries[-1]["_id"]


def case_bad_input(eddy, redis, work, check):
    def pipeline(sink):
        return UPSERT.format(data=write(work, "two.csv", "a,1\nb,2\n"), sink=sink)
    closed = free_port()
    p = write(work, "unreachable.yaml", pipeline(connection(redis).replace(str(redis.port), str(closed))))
    code, out, err = run([eddy, "local", p])
    check.expect(code != 0 and ("127.0.0.1:%d" % closed) in err and "cannot connect to Redis" in err,
                 "unreachable: the error names the address (exit %d) %s" % (code, err.strip()[-300:]))
    p = write(work, "wrong.yaml", pipeline(connection(redis)))
    code, out, err = run([eddy, "local", p], env=env_with_password("not-" + PASSWORD))
    check.expect(code != 0 and "refused the password" in err,
                 "wrong password: refused and named (exit %d) %s" % (code, err.strip()[-300:]))
    check.expect("not-" + PASSWORD not in out + err, "wrong password: never printed")
    keyless = write(work, "keyless.yaml", pipeline(connection(redis)).replace("    primary_key: [user]\n", ""))
    code, out, err = run([eddy, "validate", keyless])
    check.expect(code != 0 and re.search(r"keyless\.yaml:\d+:\d+: error: .*needs primary_key", err) is not None,
                 "a hash sink without a key is refused at its position (exit %d) %s" % (code, err.strip()[-300:]))
    code, out, err = run([eddy, "validate", p])
    no_password(check, "eddy validate", out, err)


def case_cluster_credentials(eddy, redis, work, check):
    """A job manager and a task manager: a literal password that Redis
    refuses fails the job, and neither the REST API (the job, the job list)
    nor either process's log shows it; `${env:...}` read on the task manager
    works."""
    literal = "Literal-" + PASSWORD
    c = run_cluster.Cluster(eddy, work, env={"EDDY_CLUSTER_SECRET": run_cluster.SECRET})
    try:
        jm, rpc, rest_port = run_cluster.start_jobmanager(c)
        tm = run_cluster.start_taskmanager(c, "tm1", rpc, env={"EDDY_TEST_REDIS_PASSWORD": PASSWORD})
        run_cluster.wait_until("a task manager", lambda: len(run_cluster.task_managers(rest_port)) == 1)
        data = write(work, "cluster.csv", "a,1\nb,2\na,3\n")
        bad = write(work, "cluster-bad.yaml", UPSERT.format(data=data, sink=connection(redis).replace(
            "${env:EDDY_TEST_REDIS_PASSWORD}", literal)).replace("redis-upsert", "redis-literal").replace(
            "parallelism: 2", "parallelism: 1"))
        good = write(work, "cluster-good.yaml", UPSERT.format(data=data, sink=connection(redis)).replace(
            'key-prefix: "user:"', 'key-prefix: "cluster:"').replace("redis-upsert", "redis-env").replace("parallelism: 2", "parallelism: 1"))
        states = {}
        for name, path in (("literal", bad), ("env", good)):
            r = run_cluster.client(eddy, "run", path, "--jobmanager", "127.0.0.1:%d" % rest_port)
            check.expect(r.returncode == 0, "cluster: %s job submitted %s" % (name, r.stderr[-300:]))
            job = r.stdout.strip().splitlines()[-1]
            states[name] = run_cluster.wait_until(
                "the %s job to end" % name,
                lambda: (lambda b: b if b["state"] in ("FAILED", "FINISHED") else None)(
                    run_cluster.job_state(rest_port, job)), timeout=60)
        bodies = json.dumps(states) + json.dumps(run_cluster.rest(rest_port, "GET", "/jobs")[1])
        check.expect(states["literal"]["state"] == "FAILED" and "refused the password" in states["literal"]["message"],
                     "cluster: the wrong literal password failed the job, named (%s)" % states["literal"]["message"][:200])
        check.expect(states["env"]["state"] == "FINISHED" and redis.cli("HGET", "cluster:a", "total").strip() == "4",
                     "cluster: ${env:...} read on the task manager: the job finished and wrote its hashes")
        logs = run_cluster.log_of(jm) + run_cluster.log_of(tm)
        check.expect(literal not in bodies and PASSWORD not in bodies, "cluster: the REST API never shows a password")
        check.expect(literal not in logs and PASSWORD not in logs, "cluster: the logs never show a password")
    finally:
        c.stop_all()


EXACTLY_ONCE = """\
name: redis-exactly-once
parallelism: 2
checkpoints:
  interval: 200ms
  dir: {ckdir}
  retain: 2
sources:
  - name: events
    type: datagen
    rows: {rows}
    rows_per_second: {rate}
    seed: 7
    fields:
      id:  {{ kind: sequence, start: 0, step: 1 }}
      key: {{ kind: random, type: int64, min: 1, max: 50 }}
sinks:
  - name: log
    input: events
{sink}    data-type: stream
    stream-key: {stream}
    sink.delivery-guarantee: exactly-once
"""


def case_exactly_once(eddy, redis, work, check, kills, rng):
    rows = 30000
    p = write(work, "eo.yaml", EXACTLY_ONCE.format(ckdir=os.path.join(work, "eo-ck"), rows=rows, rate=6000,
                                                   sink=connection(redis), stream="eo:log"))
    killed, resumed = 0, []
    for attempt in range(kills + 20):
        # Every other resume at another parallelism: old subtasks' pending commits
        # land on new ones and are still sent once, under their own marker fields.
        proc = subprocess.Popen([eddy, "local", p, "--resume", "-p", "3" if attempt % 2 else "2"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, start_new_session=True, env=env_with_password())
        if killed < kills:
            time.sleep(rng.uniform(0.8, 1.6))
            if proc.poll() is None:
                os.kill(proc.pid, signal.SIGKILL)
                killed += 1
        try:
            out, err = proc.communicate(timeout=RUN_TIMEOUT)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            check.expect(False, "exactly-once: a run did not end in %ds" % RUN_TIMEOUT)
            return
        resumed += re.findall(r"resuming from checkpoint (\d+)", err)
        if proc.returncode == 0:
            break
        if proc.returncode != -signal.SIGKILL:
            check.expect(False, "exactly-once: run %d exited %d: %s" % (attempt, proc.returncode, err[-2000:]))
            return
    check.expect(killed >= kills, "exactly-once: killed with SIGKILL %d times (wanted %d)" % (killed, kills))
    check.expect(len(resumed) >= 1, "exactly-once: resumed from checkpoints %s" % ", ".join(resumed))  # a kill under load may come before a checkpoint
    ids = Counter(e[0] for e in stream_entries(redis, "eo:log", ("id",)))
    lost = sum(1 for i in range(rows) if str(i) not in ids)
    dup = sum(n - 1 for n in ids.values() if n > 1)
    check.expect(lost == 0 and dup == 0 and len(ids) == rows,
                 "exactly-once: %d entries after %d kills: %d lost, %d duplicated" % (sum(ids.values()), killed,
                                                                                       lost, dup))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("eddy")
    ap.add_argument("--kills", type=int, default=3)
    ap.add_argument("--seed", type=int, default=int(time.time()))
    args = ap.parse_args()
    eddy = os.path.abspath(args.eddy)
    print("seed %d" % args.seed)
    check = Check()
    with RedisServer(password=PASSWORD) as redis, tempfile.TemporaryDirectory(prefix="eddy-redis-") as work:
        case_hash_upserts(eddy, redis, work, check)
        case_stream_sql(eddy, redis, work, check)
        case_bad_input(eddy, redis, work, check)
        case_cluster_credentials(eddy, redis, work, check)
        case_exactly_once(eddy, redis, work, check, args.kills, random.Random(args.seed))
    print("redis: %d failed" % len(check.failures))
    sys.exit(1 if check.failures else 0)


if __name__ == "__main__":
    main()
