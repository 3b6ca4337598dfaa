#!/usr/bin/env python3
"""Throughput of the jdbc and redis sinks against private servers started here
(tests/e2e/servers): each case is a pipeline run with `eddy bench --runs N`,
whose median records/s and CPU-s are printed beside the rows the server got.

  jdbc-upsert   1M changes of a keyed aggregate (100k keys) upserted into
                PostgreSQL, sink.buffer-flush.max-rows 5000, no checkpoints
  jdbc-insert   1M append-only rows by multi-row INSERTs (5000 per flush)
  redis-hash    1M changes of the same aggregate as HSETs
  redis-stream  1M rows as XADDs

Run from the repository root after building:
  python3 benchmarks/connectors/bench_sinks.py build/eddy [--runs 3] [--cases jdbc-upsert,redis-hash]"""

import argparse
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "e2e", "servers"))
from pg_server import PASSWORD, PgServer, USER  # noqa: E402
from redis_server import RedisServer  # noqa: E402

ROWS = 1000000

SOURCE = """\
name: bench-{case}
parallelism: 1
sources:
  - name: events
    type: datagen
    rows: {rows}
    seed: 7
    fields:
      id:     {{ kind: sequence, start: 0 }}
      k:      {{ kind: random, type: int64, min: 1, max: 100000 }}
      amount: {{ kind: random, type: int64, min: 1, max: 100 }}
"""

AGGREGATE = """\
operators:
  - name: per_key
    input: events
    key_by: [k]
    aggregate:
      n: count(*)
      total: sum(amount)
"""


def pipeline(case, sink_input, sink):
    text = SOURCE.format(case=case, rows=ROWS)
    if sink_input == "per_key":
        text += AGGREGATE
    return text + "sinks:\n  - name: out\n    input: %s\n%s" % (sink_input, sink)


def bench(eddy, path, runs, env):
    r = subprocess.run([eddy, "bench", path, "--runs", str(runs)], capture_output=True, text=True, env=env,
                       timeout=1800)
    if r.returncode != 0:
        raise RuntimeError(r.stderr[-2000:])
    text = r.stdout + r.stderr
    m = re.search(r"median of \d+: .*seconds=([\d.]+) records_per_s=(\d+) cpu_s=([\d.]+)", text)
    if m:
        return float(m.group(1)), int(m.group(2)), float(m.group(3))
    m = re.search(r"pipeline=\S+ records=\d+ seconds=([\d.]+) records_per_s=(\d+) cpu_s=([\d.]+)", text)
    if not m:
        raise RuntimeError("no figures in: " + text[-1500:])
    return float(m.group(1)), int(m.group(2)), float(m.group(3))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("eddy")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--cases", default="jdbc-upsert,jdbc-insert,redis-hash,redis-stream")
    args = ap.parse_args()
    eddy = os.path.abspath(args.eddy)
    cases = args.cases.split(",")
    env = dict(os.environ, EDDY_BENCH_PASSWORD=PASSWORD)
    with tempfile.TemporaryDirectory(prefix="eddy-bench-sinks-") as work, PgServer() as pg, RedisServer() as redis:
        jdbc = ("    type: jdbc\n    url: %s\n    username: %s\n    password: ${env:EDDY_BENCH_PASSWORD}\n"
                "    sink.buffer-flush.max-rows: 5000\n    sink.buffer-flush.interval: 0s\n" % (pg.url(), USER))
        red = "    type: redis\n    host: 127.0.0.1\n    port: %d\n    sink.buffer-flush.max-rows: 5000\n" % redis.port
        specs = {
            "jdbc-upsert": ("per_key", jdbc + "    table-name: upserts\n    primary_key: [k]\n",
                            lambda: pg.sql("SELECT count(*) FROM upserts")[0][0]),
            "jdbc-insert": ("events", jdbc + "    table-name: inserts\n",
                            lambda: pg.sql("SELECT count(*) FROM inserts")[0][0]),
            "redis-hash": ("per_key", red + "    key-prefix: 'k:'\n    primary_key: [k]\n",
                           lambda: redis.cli("DBSIZE").strip()),
            "redis-stream": ("events", red + "    data-type: stream\n    stream-key: bench\n",
                             lambda: redis.cli("XLEN", "bench").strip()),
        }
        print("%-13s %12s %12s %14s %10s  %s" % ("case", "seconds", "rows/s", "rows/CPU-s", "CPU-s", "server holds"))
        for case in cases:
            pg.sql("DROP TABLE IF EXISTS upserts; DROP TABLE IF EXISTS inserts")
            pg.sql("CREATE TABLE upserts (k bigint PRIMARY KEY, n bigint, total bigint)")
            pg.sql("CREATE TABLE inserts (id bigint, k bigint, amount bigint)")
            redis.cli("FLUSHALL")
            sink_input, sink, held = specs[case]
            path = os.path.join(work, case + ".yaml")
            with open(path, "w") as f:
                f.write(pipeline(case, sink_input, sink))
            seconds, per_s, cpu = bench(eddy, path, args.runs, env)
            print("%-13s %12.3f %12d %14d %10.3f  %s" % (case, seconds, per_s, ROWS / cpu, cpu, held()))


if __name__ == "__main__":
    main()
