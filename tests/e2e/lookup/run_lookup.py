#!/usr/bin/env python3
"""Lookup joins against real servers started for this run (pg_server.py,
redis_server.py): PostgreSQL (jdbc) and Redis (hash and string) tables, inner
and left, YAML and SQL, compared with the result computed here; ordered output
keeps input order, unordered output the same rows; the PARTIAL cache saves
lookups (Redis INFO commandstats and the job summary's counters) and expires
(a row changed on the server during the run shows up); timeouts with each
policy against a PostgreSQL view that sleeps for some keys; an unreachable
server, a missing table and a missing column are named, and the password is
never printed. Usage: run_lookup.py EDDY"""

import json
import os
import random
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "servers"))
from pg_server import PASSWORD, USER, PgServer, free_port  # noqa: E402
from redis_server import RedisServer  # noqa: E402
from e2e_common import Check, write  # noqa: E402

RUN_TIMEOUT = 120
KEYS = 250          # input keys 0..KEYS-1
ROWS = 3000         # input rows
REDIS_PASSWORD = "redis-Secret-9"



def run(cmd, timeout=RUN_TIMEOUT):
    env = dict(os.environ)
    env["EDDY_TEST_PG_PASSWORD"] = PASSWORD
    env["EDDY_TEST_REDIS_PASSWORD"] = REDIS_PASSWORD
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)
    return p.returncode, p.stdout, p.stderr


def table_row(i):
    """The dimension row of key i, or None: keys divisible by 7 are missing."""
    if i % 7 == 0:
        return None
    return ("name-%d" % i, round(i * 1.5, 2))


def read_out(path):
    rows = []
    for name in sorted(os.listdir(path)):
        full = os.path.join(path, name)
        if os.path.isfile(full) and not name.startswith("."):
            with open(full) as f:
                rows += [json.loads(line) for line in f if line.strip()]
    return rows


def as_tuples(rows):
    return [(r["seq"], r["k"], r.get("name"), None if r.get("score") is None else round(r["score"], 2)) for r in rows]


def expected(inputs, left, nulled=lambda k: False):
    out = []
    for seq, k in inputs:
        row = None if nulled(k) else table_row(k)
        if row is None and not (left or nulled(k)):
            continue
        out.append((seq, k, row[0] if row else None, row[1] if row else None))
    return out


def why(err):
    """The line of stderr that says what failed."""
    lines = [l.strip() for l in err.splitlines() if "lookup table" in l or "error" in l.lower()]
    return lines[0] if lines else err.strip()[-300:]


def counters(err):
    m = re.search(r"lookups: (\d+) cache hits, (\d+) cache misses, (\d+) timeouts, (\d+) rows with NULLs", err)
    return tuple(int(x) for x in m.groups()) if m else None


def yaml_pipeline(work, name, input_csv, table_yaml, join_type, out_dir, parallelism=1):
    return write(work, name + ".yaml", """\
name: %s
parallelism: %d
sources:
  - name: s
    type: file
    path: %s
    format: csv
    schema: { seq: int64, k: int64 }
  - name: dim
%s
operators:
  - name: joined
    lookup:
      input: { input: s, as: S }
      table: { input: dim, as: D }
      type: %s
      on: "S.k = D.id"
    select: { seq: S.seq, k: S.k, name: D.name, score: D.score }
sinks:
  - name: out
    input: joined
    type: file
    path: %s
    format: jsonl
""" % (name, parallelism, input_csv, table_yaml, join_type, out_dir))


def pg_table_yaml(pg, extra, table="dim", schema="{ id: int64, name: string, score: float64 }"):
    return ("    type: jdbc\n    url: %s\n    table-name: %s\n    username: %s\n"
            "    password: ${env:EDDY_TEST_PG_PASSWORD}\n    schema: %s\n%s"
            % (pg.url(), table, USER, schema, "".join("    %s: %s\n" % (k, json.dumps(str(v))) for k, v in extra.items())))


def redis_table_yaml(redis, extra, schema="{ id: int64, name: string, score: float64 }"):
    return ("    type: redis\n    host: 127.0.0.1\n    port: %d\n    password: ${env:EDDY_TEST_REDIS_PASSWORD}\n"
            "    schema: %s\n%s" % (redis.port, schema, "".join("    %s: %s\n" % (k, json.dumps(str(v))) for k, v in extra.items())))


def sql_script(input_csv, dim_ddl, join_type, out_dir):
    return """\
CREATE TABLE s (seq BIGINT, k BIGINT, p AS PROCTIME()) WITH (
  'connector' = 'filesystem', 'path' = '%s', 'format' = 'csv');
%s;
CREATE TABLE out (seq BIGINT, k BIGINT, name STRING, score DOUBLE) WITH (
  'connector' = 'filesystem', 'path' = '%s', 'format' = 'json');
INSERT INTO out SELECT s.seq, s.k, d.name, d.score
FROM s %sJOIN dim FOR SYSTEM_TIME AS OF s.p AS d ON s.k = d.id;
""" % (input_csv, dim_ddl, out_dir, "LEFT " if join_type == "left" else "")


def run_job(check, label, path, want_code=0):
    code, out, err = run([EDDY, "local", path])
    ok = code == want_code if want_code == 0 else code != 0
    check.expect(ok, "%s: exit %d %s" % (label, code, err.strip()[-1200:] if not ok else ""))
    check.expect(PASSWORD not in out + err and REDIS_PASSWORD not in out + err,
                 "%s: no password in the output" % label)
    return code, out, err


def case_pg(check, pg, work, inputs, input_csv):
    # YAML, inner, async ordered, no cache: rows in input order.
    out = os.path.join(work, "pg_inner")
    p = yaml_pipeline(work, "pg_inner", input_csv, pg_table_yaml(pg, {
        "lookup.async": "true", "table.exec.async-lookup.buffer-capacity": 4096, "lookup.batch-size": 100}),
        "inner", out)
    code, _, err = run_job(check, "pg yaml inner", p)
    got = as_tuples(read_out(out))
    want = expected(inputs, left=False)
    check.expect(got == want, "pg yaml inner ordered: %d rows equal the expected %d, in input order" % (len(got), len(want)))
    c = counters(err)
    check.expect(c is not None and c[0] == 0 and c[1] > 0, "pg yaml inner: summary counts lookups, no cache hits (%s)" % (c,))

    # SQL, left, PARTIAL cache, unordered.
    out = os.path.join(work, "pg_left_sql")
    ddl = ("CREATE TABLE dim (id BIGINT, name STRING, score DOUBLE) WITH ('connector' = 'jdbc', 'url' = '%s', "
           "'table-name' = 'dim', 'username' = '%s', 'password' = '${env:EDDY_TEST_PG_PASSWORD}', "
           "'lookup.cache' = 'PARTIAL', 'lookup.partial-cache.max-rows' = '1000', 'lookup.async' = 'true', "
           "'table.exec.async-lookup.output-mode' = 'ALLOW_UNORDERED')" % (pg.url(), USER))
    p = write(work, "pg_left.sql", sql_script(input_csv, ddl, "left", out))
    code, _, err = run_job(check, "pg sql left", p)
    got = as_tuples(read_out(out))
    want = expected(inputs, left=True)
    check.expect(sorted(got, key=str) == sorted(want, key=str),
                 "pg sql left unordered: the same %d rows as expected (%d)" % (len(got), len(want)))
    c = counters(err)
    check.expect(c is not None and c[0] > 0 and c[1] < ROWS // 2,
                 "pg sql left: the cache answers repeated keys (hits, misses = %s)" % (c,))


def case_pg_timeouts(check, pg, work, inputs, input_csv):
    # The view sleeps on rows it returns: keys 3, 53, 103, 153 (203 is absent).
    slow = lambda k: k % 50 == 3 and table_row(k) is not None  # noqa: E731
    for policy, want_code in (("null", 0), ("fail", 1), ("retry", 1)):
        out = os.path.join(work, "pg_slow_" + policy)
        p = yaml_pipeline(work, "pg_slow_" + policy, input_csv, pg_table_yaml(pg, {
            "lookup.async": "true", "table.exec.async-lookup.buffer-capacity": 4096, "lookup.batch-size": 1,
            "lookup.io-threads": 4, "lookup.timeout": "300ms", "lookup.timeout-policy": policy,
            "lookup.max-retries": 1, "lookup.cache": "PARTIAL"}, table="dim_slow"), "inner", out)
        t0 = time.time()
        code, _, err = run_job(check, "pg timeout policy %s" % policy, p, want_code)
        secs = time.time() - t0
        if policy == "null":
            got = as_tuples(read_out(out))
            want = expected(inputs, left=False, nulled=slow)
            check.expect(got == want, "policy null: slow keys' rows carry NULLs, the rest their rows (%d rows, %.1fs)"
                         % (len(got), secs))
            c = counters(err)
            n_slow = sum(1 for _, k in inputs if slow(k))
            check.expect(c is not None and c[2] >= len({k for _, k in inputs if slow(k)}) and c[3] == n_slow,
                         "policy null: the summary counts >= %d timeouts and %d NULL rows (%s)"
                         % (len({k for _, k in inputs if slow(k)}), n_slow, c))
        elif policy == "fail":
            check.expect("timed out after 300 ms" in err and "127.0.0.1:%d" % pg.port in err,
                         "policy fail: the job fails naming the timeout and the server: %s" % why(err))
        else:
            check.expect("after 2 attempts" in err, "policy retry: fails after 1 + lookup.max-retries attempts: %s"
                         % why(err))


def case_redis(check, redis, work, inputs, input_csv):
    # YAML hash table, left, async unordered, no cache.
    out = os.path.join(work, "redis_left")
    p = yaml_pipeline(work, "redis_left", input_csv, redis_table_yaml(redis, {
        "key-prefix": "dim:", "lookup.async": "true", "table.exec.async-lookup.output-mode": "ALLOW_UNORDERED",
        "table.exec.async-lookup.buffer-capacity": 4096}), "left", out)
    before = hmget_calls(redis)
    code, _, err = run_job(check, "redis yaml left", p)
    calls = hmget_calls(redis) - before
    got = as_tuples(read_out(out))
    want = expected(inputs, left=True)
    check.expect(sorted(got, key=str) == sorted(want, key=str),
                 "redis yaml left unordered: the same %d rows as expected (%d)" % (len(got), len(want)))
    c = counters(err)
    distinct = len({k for _, k in inputs})
    check.expect(c is not None and distinct <= calls <= c[1],
                 "redis without cache: HMGET calls (%d) between the distinct keys (%d) and the misses counted (%s)"
                 % (calls, distinct, c))

    # The same with a PARTIAL cache: each key fetched once.
    out = os.path.join(work, "redis_cached")
    p = yaml_pipeline(work, "redis_cached", input_csv, redis_table_yaml(redis, {
        "key-prefix": "dim:", "lookup.cache": "PARTIAL", "lookup.partial-cache.max-rows": 10000}), "inner", out)
    before = hmget_calls(redis)
    code, _, err = run_job(check, "redis yaml cached", p)
    calls = hmget_calls(redis) - before
    distinct = len({k for _, k in inputs})
    check.expect(as_tuples(read_out(out)) == expected(inputs, left=False),
                 "redis yaml inner, sync, cached: rows as expected, in input order")
    c = counters(err)
    check.expect(calls == distinct and c is not None and c[1] == distinct and c[0] > 0,
                 "redis cached: %d HMGET calls for %d distinct keys; hits/misses %s" % (calls, distinct, c))

    # SQL over a string table.
    out = os.path.join(work, "redis_string")
    ddl = ("CREATE TABLE dim (id BIGINT, name STRING) WITH ('connector' = 'redis', "
           "'url' = 'redis://:${env:EDDY_TEST_REDIS_PASSWORD}@127.0.0.1:%d/0', 'data-type' = 'string', "
           "'key-prefix' = 'name:', 'lookup.async' = 'true')" % redis.port)
    script = sql_script(input_csv, ddl, "inner", out).replace(", d.score", "").replace(
        "name STRING, score DOUBLE)", "name STRING)")
    p = write(work, "redis_string.sql", script)
    code, _, err = run_job(check, "redis sql string", p)
    got = [(r["seq"], r["k"], r["name"]) for r in read_out(out)]
    want = [(s, k, n) for s, k, n, _ in expected(inputs, left=False)]
    check.expect(got == want, "redis sql string inner: %d rows as expected (%d), in input order" % (len(got), len(want)))


def case_pg_composite(check, pg, work, inputs, input_csv):
    """A key of two columns against PostgreSQL: an OR of equalities per query."""
    out = os.path.join(work, "pg_pair")
    table = pg_table_yaml(pg, {"lookup.async": "true", "lookup.batch-size": 64}, table="pair",
                          schema="{ a: int64, b: int64, name: string }")
    p = yaml_pipeline(work, "pg_pair", input_csv, table, "left", out)
    p = write(work, "pg_pair.yaml", open(p).read().replace('"S.k = D.id"', '"S.k = D.a AND mod(S.k, 3) = D.b"')
              .replace("score: D.score", "score: D.b"))
    code, _, err = run_job(check, "pg composite key", p)
    got = [(r["seq"], r["k"], r["name"], r["score"]) for r in read_out(out)]
    want = [(seq, k, "pname-%d" % k if table_row(k) else None, k % 3 if table_row(k) else None) for seq, k in inputs]
    check.expect(got == want, "pg composite key: %d rows as expected (%d)" % (len(got), len(want)))


def case_redis_composite(check, redis, work, inputs, input_csv):
    """A key of two columns (one computed from the stream): the Redis key is
    key-prefix + a + key-delimiter + b, as the redis sink writes hashes."""
    out = os.path.join(work, "redis_pair")
    table = redis_table_yaml(redis, {"key-prefix": "pair:", "lookup.async": "true"},
                             schema="{ a: int64, b: int64, name: string }")
    p = yaml_pipeline(work, "redis_pair", input_csv, table, "left", out)
    p = write(work, "redis_pair.yaml", open(p).read().replace('"S.k = D.id"', '"S.k = D.a AND mod(S.k, 3) = D.b"')
              .replace("score: D.score", "score: D.b"))
    code, _, err = run_job(check, "redis composite key", p)
    got = [(r["seq"], r["k"], r["name"], r["score"]) for r in read_out(out)]
    want = [(seq, k, "pname-%d" % k if table_row(k) else None, k % 3 if table_row(k) else None) for seq, k in inputs]
    check.expect(got == want, "redis composite key: %d rows as expected (%d)" % (len(got), len(want)))


def hmget_calls(redis):
    m = re.search(r"cmdstat_hmget:calls=(\d+)", redis.cli("INFO", "commandstats"))
    return int(m.group(1)) if m else 0


def case_redis_expiry(check, redis, work):
    """A slow stream of key 5 only: with expire-after-write 200ms a change on
    the server shows within the run; every lookup after expiry goes out."""
    out = os.path.join(work, "redis_expiry")
    p = write(work, "redis_expiry.yaml", """\
name: redis-expiry
parallelism: 1
sources:
  - name: s
    type: datagen
    rows: 1500
    rows_per_second: 1000
    fields:
      seq: { kind: sequence, start: 0, step: 1 }
  - name: dim
%s
operators:
  - name: keyed
    input: s
    select: { seq: seq, k: "seq * 0 + 5" }
  - name: joined
    lookup:
      input: { input: keyed, as: S }
      table: { input: dim, as: D }
      type: left
      on: "S.k = D.id"
    select: { seq: S.seq, k: S.k, name: D.name, score: D.score }
sinks:
  - name: out
    input: joined
    type: file
    path: %s
    format: jsonl
""" % (redis_table_yaml(redis, {"key-prefix": "dim:", "lookup.cache": "PARTIAL",
                                 "lookup.partial-cache.expire-after-write": "200ms"}), out))

    def change():
        time.sleep(0.7)
        redis.cli("HSET", "dim:5", "name", "renamed-5")
    t = threading.Thread(target=change)
    t.start()
    before = hmget_calls(redis)
    code, _, err = run_job(check, "redis cache expiry", p)
    t.join()
    calls = hmget_calls(redis) - before
    names = [r["name"] for r in sorted(read_out(out), key=lambda r: r["seq"])]
    first_new = names.index("renamed-5") if "renamed-5" in names else -1
    check.expect(len(names) == 1500 and names[0] == "name-5" and first_new > 0 and
                 all(n == "renamed-5" for n in names[first_new:]),
                 "cache expiry: the change on the server shows after expire-after-write (first at row %d)" % first_new)
    check.expect(3 <= calls <= 30, "cache expiry: about one HMGET per 200 ms over 1.5 s (%d)" % calls)
    redis.cli("HSET", "dim:5", "name", "name-5")


class SlowProxy:
    """A TCP proxy to `port` that holds every reply back `delay` seconds: a
    Redis made slow on purpose."""

    def __init__(self, port, delay):
        self.port, self.delay = port, delay
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(16)
        self.address = self.listener.getsockname()
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self):
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.port))
            threading.Thread(target=self.pump, args=(client, upstream, 0), daemon=True).start()
            threading.Thread(target=self.pump, args=(upstream, client, self.delay), daemon=True).start()

    @staticmethod
    def pump(src, dst, delay):
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                if delay:
                    time.sleep(delay)
                dst.sendall(data)
        except OSError:
            pass
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def close(self):
        self.listener.close()


def case_redis_slow(check, redis, work, inputs, input_csv):
    """Redis behind a proxy that delays replies 0.5 s, lookup.timeout 200ms, policy null."""
    proxy = SlowProxy(redis.port, 0.5)
    out = os.path.join(work, "redis_slow")
    table = redis_table_yaml(redis, {"key-prefix": "dim:", "lookup.async": "true", "lookup.io-threads": 4,
                                     "lookup.timeout": "200ms", "lookup.timeout-policy": "null",
                                     "table.exec.async-lookup.buffer-capacity": 4096})
    table = table.replace("port: %d" % redis.port, "port: %d" % proxy.address[1])
    p = yaml_pipeline(work, "redis_slow", input_csv, table, "inner", out)
    t0 = time.time()
    code, _, err = run_job(check, "redis slow, policy null", p)
    got = as_tuples(read_out(out))
    want = [(seq, k, None, None) for seq, k in inputs]
    c = counters(err)
    check.expect(got == want and c is not None and c[2] > 0 and c[3] == ROWS,
                 "redis slow: every lookup timed out, every row comes out with NULLs (%d rows, counters %s, %.1fs)"
                 % (len(got), c, time.time() - t0))
    proxy.close()


def case_checkpoints(check, redis, work):
    """Async unordered lookups with checkpoints every 100 ms: barriers wait for
    the lookups in flight, and the exactly-once file sink holds every row once."""
    out = os.path.join(work, "redis_ck")
    p = write(work, "redis_ck.yaml", """\
name: redis-checkpoints
parallelism: 1
checkpoints:
  interval: 100ms
  dir: %s
sources:
  - name: s
    type: datagen
    rows: 4000
    rows_per_second: 4000
    fields:
      seq: { kind: sequence, start: 0, step: 1 }
  - name: dim
%s
operators:
  - name: keyed
    input: s
    select: { seq: seq, k: "seq %% %d" }
  - name: joined
    lookup:
      input: { input: keyed, as: S }
      table: { input: dim, as: D }
      type: left
      on: "S.k = D.id"
    select: { seq: S.seq, k: S.k, name: D.name, score: D.score }
sinks:
  - name: out
    input: joined
    type: file
    path: %s
    format: jsonl
""" % (os.path.join(work, "ck"), redis_table_yaml(redis, {
        "key-prefix": "dim:", "lookup.async": "true", "table.exec.async-lookup.output-mode": "ALLOW_UNORDERED",
        "table.exec.async-lookup.buffer-capacity": 4096}), KEYS, out))
    code, _, err = run_job(check, "redis with checkpoints", p)
    got = sorted(as_tuples(read_out(out)))
    want = sorted(expected([(i, i % KEYS) for i in range(4000)], left=True), key=str)
    m = re.search(r"checkpoints: (\d+) completed", err)
    check.expect(sorted(got, key=str) == want and m and int(m.group(1)) > 0,
                 "checkpoints: %s completed; the output holds each of the %d rows once" % (m.group(1) if m else "no", len(want)))


def case_bad(check, pg, redis, work, input_csv):
    port = free_port()
    dead = pg_table_yaml(pg, {}).replace(pg.url(), "jdbc:postgresql://127.0.0.1:%d/postgres" % port)
    p = yaml_pipeline(work, "pg_down", input_csv, dead, "inner", os.path.join(work, "x1"))
    code, out, err = run_job(check, "pg unreachable", p, 1)
    check.expect("127.0.0.1:%d" % port in err, "pg unreachable: the error names 127.0.0.1:%d: %s" % (port, why(err)))
    p = yaml_pipeline(work, "redis_down", input_csv, redis_table_yaml(redis, {}).replace(
        "port: %d" % redis.port, "port: %d" % port), "inner", os.path.join(work, "x2"))
    code, out, err = run_job(check, "redis unreachable", p, 1)
    check.expect("127.0.0.1:%d" % port in err, "redis unreachable: the error names 127.0.0.1:%d: %s" % (port, why(err)))
    p = yaml_pipeline(work, "pg_missing", input_csv, pg_table_yaml(pg, {}, table="no_such_dim"), "inner",
                      os.path.join(work, "x3"))
    code, out, err = run_job(check, "pg missing table", p, 1)
    check.expect("no_such_dim" in err and "does not exist" in err, "missing table: named: %s" % why(err))
    p = yaml_pipeline(work, "pg_column", input_csv, pg_table_yaml(pg, {}).replace("score: float64", "scor: float64"),
                      "inner", os.path.join(work, "x4"))
    p = write(work, "pg_column.yaml", open(p).read().replace("D.score", "D.scor"))
    code, out, err = run_job(check, "pg missing column", p, 1)
    check.expect("scor" in err and "does not exist" in err, "missing column: named: %s" % why(err))
    wrong = pg_table_yaml(pg, {}).replace("${env:EDDY_TEST_PG_PASSWORD}", "Wrong-Pass-77")
    p = yaml_pipeline(work, "pg_wrong", input_csv, wrong, "inner", os.path.join(work, "x5"))
    code, out, err = run_job(check, "pg wrong password", p, 1)
    check.expect("Wrong-Pass-77" not in out + err and "password authentication failed" in err,
                 "wrong password: refused and not shown: %s" % why(err))
    code, out, err = run([EDDY, "validate", p])
    check.expect("Wrong-Pass-77" not in out + err, "validate: the password is not shown")


def main():
    global EDDY
    EDDY = os.path.abspath(sys.argv[1])
    check = Check()
    work = tempfile.mkdtemp(prefix="eddy-lookup-")
    rnd = random.Random(11)
    inputs = [(i, rnd.randrange(KEYS)) for i in range(ROWS)]
    input_csv = write(work, "input.csv", "".join("%d,%d\n" % r for r in inputs))
    pg = PgServer().start()
    redis = RedisServer(password=REDIS_PASSWORD).start()
    try:
        values = ",".join("(%d,'%s',%s)" % (i, table_row(i)[0], table_row(i)[1]) for i in range(KEYS) if table_row(i))
        pg.sql("CREATE TABLE dim (id bigint PRIMARY KEY, name text, score float8); INSERT INTO dim VALUES " + values)
        pg.sql("CREATE FUNCTION slow_name(i bigint, n text) RETURNS text LANGUAGE sql VOLATILE AS "
               "$$ SELECT CASE WHEN i % 50 = 3 THEN (SELECT n FROM pg_sleep(0.6)) ELSE n END $$; "
               "CREATE VIEW dim_slow AS SELECT id, slow_name(id, name) AS name, score FROM dim")
        pg.sql("CREATE TABLE pair (a bigint, b bigint, name text, PRIMARY KEY (a, b)); INSERT INTO pair "
               "SELECT id, id % 3, 'pname-' || id FROM dim")
        for i in range(KEYS):
            row = table_row(i)
            if row:
                redis.cli("HSET", "dim:%d" % i, "name", row[0], "score", repr(row[1]))
                redis.cli("SET", "name:%d" % i, row[0])
                redis.cli("HSET", "pair:%d:%d" % (i, i % 3), "name", "pname-%d" % i)
        t0 = time.time()
        case_pg(check, pg, work, inputs, input_csv)
        case_pg_timeouts(check, pg, work, inputs, input_csv)
        case_pg_composite(check, pg, work, inputs, input_csv)
        case_redis(check, redis, work, inputs, input_csv)
        case_redis_expiry(check, redis, work)
        case_redis_composite(check, redis, work, inputs, input_csv)
        case_redis_slow(check, redis, work, inputs, input_csv)
        case_checkpoints(check, redis, work)
        case_bad(check, pg, redis, work, input_csv)
        print("lookup e2e: %.1fs" % (time.time() - t0))
    finally:
        redis.stop()
        pg.stop()
    if check.failures:
        print("%d FAILED" % len(check.failures))
        sys.exit(1)
    print("all passed")


if __name__ == "__main__":
    main()
