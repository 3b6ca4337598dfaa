#!/usr/bin/env python3
"""Every Nexmark pipeline file (configs/nexmark/qN.yaml) against an independent
Python reference (reference.py), three ways (tests/e2e/three_ways.py):
straight through at parallelism 1, 2 and 4; through an injected failure and a
restore from a checkpoint; and stopped with a savepoint at parallelism 2 and
restored at 3. Each final result (changelogs folded) must equal the
reference's as a multiset.

The events come from eddy itself: a pipeline writes the three tables of one
event sequence to JSONL files, and the reference computes from those. The
query files are run as written, but with this test's event count and event
rate and their blackhole sinks turned into file sinks.

With --sql, the SQL scripts of configs/nexmark-sql (each with its ddl.sql as
the init statements) run instead, against the same reference.

Usage: run_nexmark.py EDDY REPO [--only q5,q7] [--events N] [--sql]
"""
import argparse
import collections
import concurrent.futures
import glob
import json
import os
import re
import shutil
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))
import reference  # noqa: E402
import three_ways  # noqa: E402

# Queries whose features are not on main yet: they still run, and their
# failures are shown, but do not fail the test. The lead removes a query once
# its feature lands; a pending query that passes fails the test, so the list
# cannot go stale.
PENDING = {}
# The same for the SQL scripts (--sql).
PENDING_SQL = {}

EVENTS = 30_000           # 27,600 bids, 1,800 auctions, 600 people
FIRST_EVENT_RATE = 1_000  # 30 s of event time: three 10 s windows; no two events share a millisecond
SEED = 3
RUN_SECONDS = 2.0         # the failure and savepoint runs are paced to last about this long
RESTORE_PARALLELISM = 3
TABLES = ("bid", "auction", "person")
BUILD_DIR = ""            # the eddy binary's folder: user-defined function libraries are beside it
REPO = ""                 # the repository's root: configs name data files relative to it


def generate_events(eddy, work):
    """The three tables of one event sequence, as eddy's nexmark source makes
    them, in event order (one subtask)."""
    sources = [{"name": t, "type": "nexmark", "table": t, "events": EVENTS,
                "first_event_rate": FIRST_EVENT_RATE, "seed": SEED} for t in TABLES]
    sinks = [{"name": "to_" + t, "input": t, "type": "file", "path": "events/" + t, "format": "jsonl"}
             for t in TABLES]
    path = three_ways.write_pipeline(work, "events", {"name": "nexmark-events", "parallelism": 1,
                                                      "sources": sources, "sinks": sinks})
    code, _, err = three_ways.run([eddy, "local", path, "-q"], cwd=work)
    if code != 0:
        raise SystemExit(f"writing the events failed (exit {code}):\n{err}")
    return {t: three_ways.read_jsonl_parts(os.path.join(work, "events", t)) for t in TABLES}


def test_pipeline(config_path, paced):
    """The query file with this test's events; blackhole sinks become JSONL file
    sinks under out/. `paced`: sources capped so the run lasts RUN_SECONDS."""
    pipeline = three_ways.load_pipeline(config_path)
    for s in pipeline["sources"]:
        if s.get("type") == "nexmark":
            s.update(events=EVENTS, first_event_rate=FIRST_EVENT_RATE, seed=SEED)
            if paced:
                s["events_per_second"] = int(EVENTS / RUN_SECONDS)
        elif s.get("type") == "file":  # runs are elsewhere
            s["path"] = os.path.join(REPO, s["path"])
    for k in pipeline["sinks"]:
        if k.get("type") == "blackhole":
            k.update(type="file", path="out/" + k["name"], format="jsonl")
    return pipeline


def set_option(text, key, value):
    """The SQL text with the WITH option `key` set to `value` (added to the
    nexmark table's options when the script does not set it)."""
    pattern = re.compile(r"'" + re.escape(key) + r"'\s*=\s*'[^']*'")
    if pattern.search(text):
        return pattern.sub(f"'{key}' = '{value}'", text)
    return text.replace("'connector' = 'nexmark'", f"'connector' = 'nexmark', '{key}' = '{value}'", 1)


def test_script(query_path, paced):
    """The SQL query with the init script, this test's events, and its blackhole
    tables turned into JSON files under out/. The first view the query reads
    (bid, auction or person) names the source that failures are injected into."""
    with open(os.path.join(os.path.dirname(query_path), "ddl.sql")) as f:
        ddl = f.read()
    with open(query_path) as f:
        query = f.read()
    for key, value in (("events.num", EVENTS), ("first-event.rate", FIRST_EVENT_RATE),
                       ("next-event.rate", FIRST_EVENT_RATE), ("seed", SEED)):
        ddl = set_option(ddl, key, value)
    if paced:
        ddl = set_option(ddl, "rate-limit", int(EVENTS / RUN_SECONDS))
    for table in re.findall(r"CREATE TABLE (\w+)", query):
        query = re.sub(r"(CREATE TABLE " + table + r"\b.*?)'connector' = 'blackhole'",
                       lambda m: m.group(1) + f"'connector' = 'filesystem', 'path' = 'out/{table}', 'format' = 'json'",
                       query, count=1, flags=re.S)
    # CREATE FUNCTION's library path is relative to the repository's root; runs are elsewhere.
    query = query.replace("'build/examples/", f"'{BUILD_DIR}/examples/")
    query = query.replace("'configs/data/", f"'{REPO}/configs/data/")
    script = three_ways.SqlScript(ddl + "\n" + query)
    first = re.search(r"(?:FROM|JOIN|TABLE)\s+(bid|auction|person)\b", query)
    script.source = first.group(1) if first else "bid"
    return script


def compare(query, rows, tables, want):
    """Problems of a run's output rows against the reference result."""
    got, problems = three_ways.fold(rows)
    if query == "q12":  # processing-time windows: only the total per bidder is fixed
        totals = collections.Counter()
        for key, n in got.items():
            r = dict(key)
            totals[r["bidder"]] += r["bid_count"] * n
        got = collections.Counter(three_ways.row_key({"bidder": b, "bid_count": t}) for b, t in totals.items())
        want = collections.Counter(three_ways.row_key(r) for r in want)
    elif query == "q19":  # ties at the 10th price: any of the tied bids may be kept
        problems += rank_problems(got)
        got = collections.Counter({tuple(kv for kv in key if kv[0] != "rank_number"): n for key, n in got.items()})
        bids = {three_ways.row_key(b) for b in tables["bid"]}
        strays = [k for k in got if k not in bids]
        if strays:
            problems.append(f"{len(strays)} rows that are no bid, e.g. {dict(strays[0])}")
        projected = collections.Counter()
        for key, n in got.items():
            projected[(("auction", dict(key)["auction"]), ("price", dict(key)["price"]))] += n
        got = projected
        want = collections.Counter((("auction", r["auction"]), ("price", r["price"])) for r in want)
    else:
        want = collections.Counter(three_ways.row_key(r) for r in want)
    if got != want:
        problems.append(three_ways.diff_text(got, want))
    return problems


def rank_problems(got):
    """q19 in SQL also selects each row's rank: per auction 1, 2, ... by price."""
    by_auction = collections.defaultdict(list)
    for key, n in got.items():
        row = dict(key)
        if "rank_number" in row:
            by_auction[row["auction"]].extend([(row["rank_number"], row["price"])] * n)
    for auction, ranked in by_auction.items():
        ranked.sort()
        if [r for r, _ in ranked] != list(range(1, len(ranked) + 1)) or \
                [p for _, p in ranked] != sorted((p for _, p in ranked), reverse=True):
            return [f"auction {auction}: ranks and prices {ranked} are not 1, 2, ... by price"]
    return []


def first_source(pipeline):
    if isinstance(pipeline, three_ways.SqlScript):
        return pipeline.source, pipeline.source
    s = pipeline["sources"][0]
    return s["name"], s["table"]


def run_query(eddy, config_path, tables, base_work):
    """Runs one query every way; returns [(way, problems)]."""
    query = os.path.splitext(os.path.basename(config_path))[0]
    make = test_script if config_path.endswith(".sql") else test_pipeline
    want = reference.QUERIES[query](tables)
    results = []

    def way(name, action):
        work = tempfile.mkdtemp(prefix=f"{query}-{re.sub(r'[^a-z0-9]+', '', name)}-", dir=base_work)
        try:
            problems = action(work)
            if not problems:
                problems = compare(query, three_ways.read_jsonl_parts(os.path.join(work, "out")), tables, want)
        except Exception as e:  # a crash of the harness is a failure of this way, not of the test run
            problems = [f"{type(e).__name__}: {e}"]
        finally:
            shutil.rmtree(work, ignore_errors=True)
        results.append((name, problems))
        return not problems

    def straight(p):
        def action(work):
            code, _, err = three_ways.straight(eddy, work, make(config_path, False), p)
            return [] if code == 0 else [f"exit {code}:\n{err[-2500:]}"]
        return action

    for p in (1, 2, 4):
        if not way(f"-p {p}", straight(p)) and p == 1:
            return results  # refused or broken: the other ways would say the same
    paced = make(config_path, True)
    source, table = first_source(paced)
    # 3/8 of the table: late in a subtask's half of it.
    way("failure", lambda work: three_ways.failure(eddy, work, paced, source, len(tables[table]) * 3 // 8))
    way(f"savepoint -> -p {RESTORE_PARALLELISM}",
        lambda work: three_ways.savepoint(eddy, work, paced, RESTORE_PARALLELISM))
    return results


def query_files(repo, only, sql):
    if sql:
        files = glob.glob(os.path.join(repo, "configs", "nexmark-sql", "q*.sql"))
    else:
        files = glob.glob(os.path.join(repo, "configs", "nexmark", "q*.yaml"))
    files.sort(key=lambda f: int(re.sub(r"\D", "", os.path.basename(f))))
    if only:
        files = [f for f in files if os.path.splitext(os.path.basename(f))[0] in only]
    return files


def main():
    global EVENTS
    ap = argparse.ArgumentParser()
    ap.add_argument("eddy")
    ap.add_argument("repo")
    ap.add_argument("--only", default="", help="comma-separated queries, e.g. q5,q7")
    ap.add_argument("--events", type=int, default=EVENTS)
    ap.add_argument("--jobs", type=int, default=3, help="queries run at the same time")
    ap.add_argument("--sql", action="store_true",
                    help="run the SQL scripts of configs/nexmark-sql (with their ddl.sql) instead of the YAML files")
    args = ap.parse_args()
    EVENTS = args.events
    eddy = os.path.abspath(args.eddy)
    global BUILD_DIR, REPO
    BUILD_DIR = os.path.dirname(eddy)
    REPO = os.path.abspath(args.repo)
    only = set(filter(None, args.only.split(",")))
    files = query_files(os.path.abspath(args.repo), only, args.sql)
    pending = PENDING_SQL if args.sql else PENDING
    assert files, "no query files in configs/nexmark"
    missing = [f for f in files if os.path.splitext(os.path.basename(f))[0] not in reference.QUERIES]
    assert not missing, f"no reference for {missing}"
    base = tempfile.mkdtemp(prefix="eddy-nexmark-")
    failed, pending_failed = [], []
    try:
        tables = generate_events(eddy, base)
        print("events: " + ", ".join(f"{len(tables[t])} {t}" for t in TABLES), flush=True)
        with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
            futures = {pool.submit(run_query, eddy, f, tables, base): f for f in files}
            for fut in concurrent.futures.as_completed(futures):
                query = os.path.splitext(os.path.basename(futures[fut]))[0]
                results = fut.result()
                ok = all(not p for _, p in results)
                for way, problems in results:
                    print(f"[nexmark] {query} {way}: {'ok' if not problems else 'FAILED'}", flush=True)
                    for pr in problems:
                        print("    " + pr.replace("\n", "\n    "))
                if query in pending:
                    if ok:
                        failed.append(query)
                        print(f"[nexmark] {query} passes now: remove it from PENDING in {__file__}")
                    else:
                        pending_failed.append(query)
                        print(f"[nexmark] {query}: pending ({pending[query]}); not counted")
                elif not ok:
                    failed.append(query)
    finally:
        shutil.rmtree(base, ignore_errors=True)
    print(f"nexmark: {len(files) - len(failed) - len(pending_failed)} passed, {len(failed)} failed "
          f"{sorted(failed)}, {len(pending_failed)} pending {sorted(pending_failed)}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
