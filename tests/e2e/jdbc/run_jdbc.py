#!/usr/bin/env python3
"""The jdbc sink against a real PostgreSQL server started for this run
(pg_server.py): append-only rows land; an updating stream's upserts and
deletes leave the right final table (YAML and SQL); the password never shows
in output; bad input (server unreachable, table missing, wrong password) is
named; and exactly-once through SIGKILL of `eddy local` and --resume, with
two-phase commit, compared with an undisturbed run, leaves no prepared
transaction behind. Usage: run_jdbc.py EDDY [--kills N]"""

import argparse
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "servers"))
from pg_server import PASSWORD, USER, PgServer, free_port  # noqa: E402
from e2e_common import Check, compare_rows, run, write  # noqa: E402

RUN_TIMEOUT = 120



def env_with_password():
    env = dict(os.environ)
    env["EDDY_TEST_PG_PASSWORD"] = PASSWORD
    return env


def jdbc_keys(pg, table, extra=""):
    return ("    type: jdbc\n    url: %s\n    table-name: %s\n    username: %s\n"
            "    password: ${env:EDDY_TEST_PG_PASSWORD}\n%s" % (pg.url(), table, USER, extra))


def no_password(check, label, *texts):
    check.expect(all(PASSWORD not in t for t in texts), "%s: the password appears nowhere in the output" % label)


def case_append(eddy, pg, work, check):
    pg.sql("CREATE TABLE ev (id bigint, word text, x float8, b boolean, ts timestamp)")
    p = write(work, "append.yaml", """\
name: jdbc-append
parallelism: 2
sources:
  - name: gen
    type: datagen
    rows: 5000
    fields:
      id: { kind: sequence, start: 0, step: 1 }
      word: { kind: choice, values: ["it's", "plain", ""] }
      x: { kind: random, type: float64, min: 0, max: 1 }
      ts: { kind: timestamp, start: "2024-01-01 00:00:00", step: 1ms }
operators:
  - name: rows
    input: gen
    select: { id: id, word: word, x: x, b: "id % 2 = 0", ts: ts }
sinks:
  - name: pg
    input: rows
""" + jdbc_keys(pg, "ev", "    sink.buffer-flush.max-rows: 300\n"))
    code, out, err = run([eddy, "local", p, "-q"], env=env_with_password())
    check.expect(code == 0, "append: the job finished (exit %d) %s" % (code, err[-1500:] if code else ""))
    n, s, words, evens, ts = pg.sql("SELECT count(*), sum(id), count(DISTINCT word), "
                                    "count(*) FILTER (WHERE b), max(ts) FROM ev")[0]
    check.expect((n, s) == ("5000", str(4999 * 5000 // 2)), "append: 5000 rows, each id once (count %s, sum %s)" % (n, s))
    check.expect(words == "3" and evens == "2500", "append: strings with quotes and booleans land (%s words, %s even)" % (words, evens))
    check.expect(ts == "2024-01-01 00:00:04.999", "append: timestamps land (%s)" % ts)
    no_password(check, "append", out, err)


def case_upsert_sql(eddy, pg, work, check):
    pg.sql("CREATE TABLE counts (k bigint PRIMARY KEY, n bigint, total bigint)")
    p = write(work, "upsert.sql", """\
CREATE TABLE gen (id BIGINT) WITH ('connector' = 'datagen', 'number-of-rows' = '3000',
  'rows-per-second' = '0', 'fields.id.kind' = 'sequence', 'fields.id.start' = '0', 'fields.id.end' = '2999');
CREATE TABLE counts (k BIGINT, n BIGINT, total BIGINT, PRIMARY KEY (k) NOT ENFORCED) WITH (
  'connector' = 'jdbc', 'url' = '%s', 'table-name' = 'counts', 'username' = '%s',
  'password' = '${env:EDDY_TEST_PG_PASSWORD}', 'sink.buffer-flush.max-rows' = '5');
INSERT INTO counts SELECT MOD(id, 7), COUNT(*), SUM(id) FROM gen GROUP BY MOD(id, 7);
""" % (pg.url(), USER))
    code, out, err = run([eddy, "local", p, "-q"], env=env_with_password())
    check.expect(code == 0, "upsert (SQL): the job finished (exit %d) %s" % (code, err[-1500:] if code else ""))
    want = [[str(k), str(len(range(k, 3000, 7))), str(sum(range(k, 3000, 7)))] for k in range(7)]
    got = pg.sql("SELECT k, n, total FROM counts ORDER BY k")
    check.expect(got == want, "upsert (SQL): one row per key with its final count and sum (%s)" % got[:2])
    no_password(check, "upsert", out, err)


def case_top_n_deletes(eddy, pg, work, check):
    pg.sql("CREATE TABLE top2 (id bigint, g bigint, score bigint, PRIMARY KEY (g, id))")
    p = write(work, "topn.yaml", """\
name: jdbc-top-n
sources:
  - name: gen
    type: datagen
    rows: 1000
    fields:
      id: { kind: sequence, start: 0, step: 1 }
operators:
  - name: scored
    input: gen
    select: { id: id, g: "id % 3", score: "(id * 7919) % 1000" }
  - name: best
    input: scored
    top_n: { n: 2, order_by: score DESC, partition_by: [g] }
sinks:
  - name: pg
    input: best
    primary_key: [g, id]
""" + jdbc_keys(pg, "top2", "    sink.buffer-flush.max-rows: 7\n"))
    code, out, err = run([eddy, "local", p, "-q"], env=env_with_password())
    check.expect(code == 0, "top-n: the job finished (exit %d) %s" % (code, err[-1500:] if code else ""))
    want = []
    for g in range(3):
        rows = sorted(((i * 7919) % 1000, i) for i in range(1000) if i % 3 == g)[-2:]
        want += [[str(i), str(g), str(s)] for s, i in rows]
    got = pg.sql("SELECT id, g, score FROM top2 ORDER BY g, score")
    check.expect(got == want, "top-n: -D deletes rows that left the top 2; the table is the final top 2 (%s)" % got)


def case_bad_input(eddy, pg, work, check):
    def pipeline(name, url, table, password="${env:EDDY_TEST_PG_PASSWORD}"):
        return write(work, name, """\
name: jdbc-bad
sources:
  - name: gen
    type: datagen
    rows: 10
    fields:
      id: { kind: sequence }
sinks:
  - name: pg
    input: gen
    type: jdbc
    url: %s
    table-name: %s
    username: eddy
    password: "%s"
""" % (url, table, password))
    port = free_port()
    code, out, err = run([eddy, "local", pipeline("down.yaml", "jdbc:postgresql://127.0.0.1:%d/postgres" % port, "t"),
                          "-q"], env=env_with_password())
    check.expect(code != 0 and ("127.0.0.1:%d" % port) in err,
                 "unreachable server: fails naming 127.0.0.1:%d (exit %d): %s" % (port, code, err.strip()[-300:]))
    no_password(check, "unreachable server", out, err)
    code, out, err = run([eddy, "local", pipeline("missing.yaml", pg.url(), "no_such_table"), "-q"],
                         env=env_with_password())
    check.expect(code != 0 and "table 'no_such_table' does not exist" in err,
                 "missing table: named (exit %d): %s" % (code, err.strip()[-300:]))
    wrong = "Wrong-Pass-77"
    code, out, err = run([eddy, "local", pipeline("wrong.yaml", pg.url(), "ev", wrong), "-q"])
    check.expect(code != 0 and "password authentication failed" in err and wrong not in out + err,
                 "wrong password: refused, the password not shown (exit %d): %s" % (code, err.strip()[-300:]))
    literal = pipeline("literal.yaml", pg.url(), "ev", PASSWORD)
    code, out, err = run([eddy, "validate", literal])
    check.expect(code == 0, "validate of a jdbc sink with a literal password succeeds (exit %d) %s" % (code, err[-500:]))
    no_password(check, "eddy validate", out, err)


SCAN = """\
name: jdbc-scan
parallelism: 3
{checkpoints}sources:
  - name: orders
{source}    scan.partition.column: id
    scan.partition.num: 5
    scan.partition.lower-bound: 1
    scan.partition.upper-bound: 30000
    scan.fetch-size: 100
    schema: {{id: int64, customer: string, amount: float64, paid: bool, at: timestamp}}
sinks:
  - name: out
    input: orders
    type: file
    path: {out}
    format: csv
"""


def scan_rows(out_dir):
    rows = []
    for root, _, files in os.walk(out_dir):
        for name in files:
            if name.startswith("part-") and not name.endswith((".inprogress", ".pending")):
                with open(os.path.join(root, name)) as f:
                    rows += [line.rstrip("\n") for line in f if line.strip() and not line.startswith("id,")]
    return rows


def case_scan(eddy, pg, work, check):
    """The jdbc source: a table scanned in 5 ranges of its id at parallelism
    3 gives every row in range once, values intact (NULLs, timestamps,
    decimals); rows outside the bounds are not read, as in Flink; a restart
    in the middle (an injected failure) resumes each split after the rows it
    emitted; SQL reads the same; a missing table is named."""
    pg.sql("CREATE TABLE orders (id bigint PRIMARY KEY, customer text, amount numeric(10,2), paid boolean, "
           "at timestamp)")
    pg.sql("INSERT INTO orders SELECT i, CASE WHEN i % 11 = 0 THEN NULL ELSE 'c' || (i % 7) END, i * 0.25, "
           "i % 2 = 0, timestamp '2024-01-01' + i * interval '1.5 second' FROM generate_series(1, 25000) i")
    pg.sql("INSERT INTO orders VALUES (40000, 'outside', 1, true, now())")
    want = sorted("%d,%s,%s,%s,%s" % (i, "" if i % 11 == 0 else "c%d" % (i % 7), repr(i * 0.25) if (i * 0.25) % 1
                                      else "%.1f" % (i * 0.25), "true" if i % 2 == 0 else "false",
                                      ts_text(i * 1500)) for i in range(1, 25001))
    source = jdbc_keys(pg, "orders")
    out = os.path.join(work, "scan-out")
    p = write(work, "scan.yaml", SCAN.format(checkpoints="", source=source, out=out))
    code, outp, err = run([eddy, "local", p, "-q"], env=env_with_password())
    check.expect(code == 0, "scan: the job finished (exit %d) %s" % (code, err[-1500:] if code else ""))
    got = sorted(scan_rows(out))
    check.expect(got == want, "scan: 25000 rows in range, each once with its values (%d rows; first differing: %s)" %
                 (len(got), next((g for g, w in zip(got, want) if g != w), None)))
    no_password(check, "scan", outp, err)
    out2 = os.path.join(work, "scan-restart-out")
    ck = "checkpoints:\n  interval: 50ms\n  dir: %s\nrestart:\n  attempts: 2\n  delay: 50ms\n" % os.path.join(
        work, "scan-ck")
    p = write(work, "scan-restart.yaml", SCAN.format(checkpoints=ck, source=source, out=out2))
    code, outp, err = run([eddy, "local", p, "--inject-failure", "out:1:6000"], env=env_with_password())
    got = sorted(scan_rows(out2))
    check.expect(code == 0 and "1 restart" in err and got == want,
                 "scan: after a failure in the middle, restored splits resume: %d rows, %s (exit %d) %s" % (
                     len(got), "all once" if got == want else "NOT each once", code, err[-800:] if code else ""))
    sql = write(work, "scan.sql", """\
CREATE TABLE orders (id BIGINT, customer STRING, amount DOUBLE) WITH (
  'connector' = 'jdbc', 'url' = '%s', 'table-name' = 'orders', 'username' = '%s',
  'password' = '${env:EDDY_TEST_PG_PASSWORD}');
CREATE TABLE per_customer (customer STRING, n BIGINT, total DOUBLE, PRIMARY KEY (customer) NOT ENFORCED) WITH (
  'connector' = 'jdbc', 'url' = '%s', 'table-name' = 'per_customer', 'username' = '%s',
  'password' = '${env:EDDY_TEST_PG_PASSWORD}');
INSERT INTO per_customer SELECT customer, COUNT(*), SUM(amount) FROM orders WHERE customer IS NOT NULL GROUP BY customer;
""" % (pg.url(), USER, pg.url(), USER))
    pg.sql("CREATE TABLE per_customer (customer text PRIMARY KEY, n bigint, total float8)")
    code, outp, err = run([eddy, "local", sql, "-q"], env=env_with_password())
    got = pg.sql("SELECT customer, n, total FROM per_customer ORDER BY customer")
    want_sql = pg.sql("SELECT customer, count(*), sum(amount)::float8 FROM orders WHERE customer IS NOT NULL "
                      "GROUP BY customer ORDER BY customer")
    check.expect(code == 0 and got == want_sql, "scan (SQL): a jdbc table read whole and aggregated into another "
                 "matches PostgreSQL's own GROUP BY (exit %d) %s" % (code, err[-800:] if code else ""))
    missing = write(work, "scan-missing.yaml", SCAN.format(checkpoints="", source=jdbc_keys(pg, "no_such_table"),
                                                           out=os.path.join(work, "scan-missing-out")))
    code, outp, err = run([eddy, "local", missing, "-q"], env=env_with_password())
    check.expect(code != 0 and "table 'no_such_table' does not exist" in err,
                 "scan: a missing table is named (exit %d) %s" % (code, err.strip()[-300:]))


def ts_text(ms):
    import datetime
    t = datetime.datetime(2024, 1, 1) + datetime.timedelta(milliseconds=ms)
    return t.strftime("%Y-%m-%d %H:%M:%S.") + "%03d" % (t.microsecond // 1000)


EO_PIPELINE = """\
name: jdbc-exactly-once
parallelism: 2
checkpoints:
  interval: 200ms
  dir: {ckdir}
  retain: 2
restart:
  attempts: {attempts}
  delay: 100ms
sources:
  - name: events
    type: datagen
    rows: {rows}
    rows_per_second: {rate}
    seed: 7
    fields:
      id:     {{ kind: sequence, start: 0, step: 1 }}
      key:    {{ kind: random, type: int64, min: 1, max: 50 }}
      amount: {{ kind: random, type: int64, min: 1, max: 100 }}
      ts:     {{ kind: timestamp, start: "2024-01-01 00:00:00", step: 1ms }}
    event_time:
      column: ts
      max_out_of_orderness: 1s
operators:
  - name: totals
    input: events
    key_by: [key]
    window: {{ type: tumbling, size: 2s }}
    aggregate:
      n: count(*)
      total: sum(amount)
  - name: per_key
    input: events
    key_by: [key]
    aggregate:
      n: count(*)
      total: sum(amount)
sinks:
  - name: rows_pg
    input: events
{rows_sink}
  - name: totals_pg
    input: totals
{totals_sink}
  - name: per_key_pg
    input: per_key
    primary_key: [key]
{per_key_sink}
"""


def eo_pipeline(pg, work, name, rows, rate, attempts=0):
    pg.sql("CREATE TABLE %s_rows (id bigint, key bigint, amount bigint, ts timestamp)" % name)
    pg.sql("CREATE TABLE %s_totals (key bigint, window_start timestamp, window_end timestamp, n bigint, "
           "total bigint)" % name)
    pg.sql("CREATE TABLE %s_per_key (key bigint PRIMARY KEY, n bigint, total bigint)" % name)
    return write(work, name + ".yaml", EO_PIPELINE.format(
        ckdir=os.path.join(work, name + "-ck"), rows=rows, rate=rate, attempts=attempts,
        per_key_sink=jdbc_keys(pg, name + "_per_key", "    sink.buffer-flush.max-rows: 20\n"),
        rows_sink=jdbc_keys(pg, name + "_rows", "    sink.buffer-flush.max-rows: 500\n"),
        totals_sink=jdbc_keys(pg, name + "_totals")))


def table_rows(pg, name):
    return (pg.sql("SELECT id, key, amount, ts FROM %s_rows ORDER BY id" % name),
            pg.sql("SELECT key, window_start, n, total FROM %s_totals ORDER BY key, window_start, n, total" % name),
            pg.sql("SELECT key, n, total FROM %s_per_key ORDER BY key" % name))


def case_exactly_once(eddy, pg, work, check, kills, rng):
    rows = 40000
    ref = eo_pipeline(pg, work, "ref", rows, 0)
    code, out, err = run([eddy, "local", ref, "-q"], env=env_with_password())
    check.expect(code == 0, "exactly-once: the undisturbed run finished (exit %d) %s" % (code, err[-1500:] if code else ""))
    want = table_rows(pg, "ref")
    want_rows = want[0]
    check.expect(len(want_rows) == rows, "exactly-once: the undisturbed run wrote %d rows" % len(want_rows))
    p = eo_pipeline(pg, work, "kill", rows, 6000)
    killed, resumed, left_prepared, injected = 0, [], set(), None
    for attempt in range(kills + 20):
        # Resumes alternate between 2 and 3 subtasks: prepared transactions and
        # carried upserts restored on other subtasks than wrote them.
        proc = subprocess.Popen([eddy, "local", p, "--resume", "-p", "3" if attempt % 2 else "2"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, start_new_session=True, env=env_with_password())
        if killed < kills:
            # Under load a kill can come before the first checkpoint: wait longer until one did.
            time.sleep(rng.uniform(0.8, 1.6) + (0 if resumed else killed))
            if proc.poll() is None:
                os.kill(proc.pid, signal.SIGKILL)
                killed += 1
        try:
            out, err = proc.communicate(timeout=RUN_TIMEOUT)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            out, err = proc.communicate()
            check.expect(False, "exactly-once: a run did not end in %ds" % RUN_TIMEOUT)
            return
        resumed += re.findall(r"resuming from checkpoint (\d+)", err)
        if attempt == 0:
            no_password(check, "exactly-once first run", out, err)
        if proc.returncode == 0:
            break
        if proc.returncode != -signal.SIGKILL:
            check.expect(False, "exactly-once: run %d exited %d: %s" % (attempt, proc.returncode, err[-2000:]))
            return
        left_prepared |= {r[0] for r in pg.sql("SELECT gid FROM pg_prepared_xacts")}
        if injected is None:
            injected = inject_leftover(pg, work)
    check.expect(killed >= kills, "exactly-once: killed with SIGKILL %d times (wanted %d)" % (killed, kills))
    check.expect(len(resumed) >= 1, "exactly-once: resumed from checkpoints %s" % ", ".join(resumed))  # a kill under load may come before a checkpoint
    print("  prepared transactions seen after kills: %s" % sorted(left_prepared)[:6])
    compare_tables(check, "after %d kills" % killed, table_rows(pg, "kill"), want)
    check.expect(injected is not None and not pg.sql("SELECT 1 FROM kill_rows WHERE id = -1"),
                 "exactly-once: a prepared transaction of a checkpoint that never completed (%s) was rolled back" % injected)
    left = pg.sql("SELECT gid FROM pg_prepared_xacts")
    check.expect(not left, "exactly-once: pg_prepared_xacts is empty at the end (%s)" % left)
    case_restarts(eddy, pg, work, check, want)


def compare_tables(check, label, got, want):
    for what, g, w in zip(("rows", "window totals", "upserted totals per key"), got, want):
        compare_rows(check, "exactly-once %s %s" % (what, label), g, w)


def case_restarts(eddy, pg, work, check, want):
    """Failures inside the process: the job restarts from its last
    checkpoint, reconnecting, and resolves what the failed attempt prepared."""
    p = eo_pipeline(pg, work, "restart", 40000, 20000, attempts=3)
    code, out, err = run([eddy, "local", p, "--inject-failure", "rows_pg:0:9000",
                          "--inject-failure", "per_key_pg:1:4000:1"], env=env_with_password())
    check.expect(code == 0 and "2 restarts" in err,
                 "restarts: the job finished after 2 injected sink failures (exit %d) %s" % (code, err[-1500:]))
    compare_tables(check, "after 2 restarts", table_rows(pg, "restart"), want)
    left = pg.sql("SELECT gid FROM pg_prepared_xacts")
    check.expect(not left, "restarts: pg_prepared_xacts is empty at the end (%s)" % left)


def inject_leftover(pg, work):
    """A prepared transaction such as a kill leaves between PREPARE and
    COMMIT PREPARED, for a checkpoint that never completed: a resume must
    roll it back. The job's tag is in the checkpoint root's _run file."""
    with open(os.path.join(work, "kill-ck", "_run")) as f:
        tag = re.search(r"tag=([0-9a-f]+)", f.read()).group(1)
    gid = "eddy-%s-rows_pg-0-999999" % tag
    pg.sql("BEGIN; INSERT INTO kill_rows VALUES (-1, 0, 0, now()); PREPARE TRANSACTION '%s'" % gid)
    return gid


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("eddy")
    ap.add_argument("--kills", type=int, default=3)
    ap.add_argument("--seed", type=int, default=int(time.time()))
    args = ap.parse_args()
    eddy = os.path.abspath(args.eddy)
    print("seed %d" % args.seed)
    check = Check()
    with PgServer() as pg, tempfile.TemporaryDirectory(prefix="eddy-jdbc-") as work:
        case_append(eddy, pg, work, check)
        case_upsert_sql(eddy, pg, work, check)
        case_top_n_deletes(eddy, pg, work, check)
        case_bad_input(eddy, pg, work, check)
        case_scan(eddy, pg, work, check)
        case_exactly_once(eddy, pg, work, check, args.kills, random.Random(args.seed))
    print("jdbc: %d failed" % len(check.failures))
    sys.exit(1 if check.failures else 0)


if __name__ == "__main__":
    main()
