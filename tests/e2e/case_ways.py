"""The e2e cases (tests/e2e/cases/*) through a failure and through a savepoint
restored at another parallelism (three_ways.py); run_e2e.py runs them straight.

A case's input is read in milliseconds, too fast to checkpoint mid-run, so
for these two ways the case runs longer:
  - datagen sources are paced (rows_per_second) to last about RUN_SECONDS;
  - file inputs are repeated `copies` times (case.json "three_ways"), copy
    j's key or time columns shifted by j * `shift` (a text shift appends
    itself and j) so copies do not share keys or windows; the expected rows
    are repeated and shifted alike (`shift_expected`, default `shift`), or,
    where copies do not add up so simply, read from the case's own file for
    the repeated input (`expected`, a changelog's final state).
Print sinks become file sinks (a print sink cannot take back what it printed
before a failure). A SQL case (pipeline.sql) runs its script as it is, its
filesystem tables' input files repeated alike. Cases whose job fails by design (case.json "exit") run
straight only."""
import calendar
import collections
import json
import os
import re
import shutil
import tempfile
import time

import three_ways

RUN_SECONDS = 2.0
RESTORE_PARALLELISM = 3
TIMESTAMP_SAMPLE = "2024-01-01 00:00:00.000"


def applies(spec):
    return spec.get("exit", 0) == 0


def shifted(value, delta, j):
    """`value` of copy j: an int moved by j * delta, a timestamp text by j * delta
    milliseconds, or (delta a text) a text with delta and j appended."""
    if j == 0 or value is None:
        return value
    if isinstance(delta, str):
        return f"{value}{delta}{j}"
    if delta == 0:
        return value
    if isinstance(value, int):
        return value + j * delta
    if isinstance(value, str) and len(value) == len(TIMESTAMP_SAMPLE):
        secs = calendar.timegm(time.strptime(value[:19], "%Y-%m-%d %H:%M:%S"))
        at = secs * 1000 + int(value[20:]) + j * delta
        return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(at // 1000)) + f".{at % 1000:03d}"
    return value


def repeat_csv(lines, header, copies, shift):
    """The data lines `copies` times, copy j's `shift` columns shifted (see shifted)."""
    head, body = (lines[:1], lines[1:]) if header else ([], lines)
    names = head[0].split(",") if head else []
    out = list(head)
    for j in range(copies):
        for line in body:
            if j and shift and line.strip():
                fields = line.split(",")
                for col, delta in shift.items():
                    i = names.index(col)
                    value = fields[i] if isinstance(delta, str) else int(fields[i])
                    fields[i] = str(shifted(value, delta, j))
                line = ",".join(fields)
            out.append(line)
    return out


def repeat_jsonl(lines, copies, shift):
    out = []
    for j in range(copies):
        for line in lines:
            if j and shift and line.strip():
                try:
                    obj = json.loads(line)
                    line = json.dumps({k: shifted(v, shift.get(k, 0), j) for k, v in obj.items()})
                except ValueError:
                    pass  # a malformed line stays malformed
            out.append(line)
    return out


def repeat_inputs(work, pipeline, copies, shift):
    """Repeats every file source's input in `work`; returns the data lines in all."""
    total = 0
    for source in pipeline["sources"]:
        if source.get("type") != "file":
            continue
        path = os.path.join(work, source["path"])
        files = [path] if os.path.isfile(path) else sorted(os.path.join(path, f) for f in os.listdir(path))
        header = source.get("format", "csv") == "csv" and source.get("header", False)
        for f in files:
            with open(f, encoding="utf-8") as fh:
                lines = fh.read().splitlines()
            if source.get("format", "csv") == "csv":
                lines = repeat_csv(lines, header, copies, shift)
            else:
                lines = repeat_jsonl(lines, copies, shift)
            total += len(lines) - (1 if header else 0)
            with open(f, "w", encoding="utf-8") as fh:
                fh.write("\n".join(lines) + "\n")
    return total


def longer_pipeline(pipeline):
    """Datagen sources paced to last about RUN_SECONDS; print sinks into files."""
    p = json.loads(json.dumps(pipeline))
    for source in p["sources"]:
        if source.get("type") == "datagen" and source.get("rows"):
            cap = max(1, int(source["rows"] / RUN_SECONDS))
            source["rows_per_second"] = min(source.get("rows_per_second") or cap, cap)
    for sink in p["sinks"]:
        if sink.get("type") == "print":
            sink.update(type="file", path="out", format="jsonl")
    return p


def sql_case(case_dir):
    """A SQL case (pipeline.sql): its script, and as a pipeline dict for
    repeat_inputs, the filesystem tables that read an input of the case."""
    with open(os.path.join(case_dir, "pipeline.sql"), encoding="utf-8") as f:
        text = f.read()
    sources = []
    for name, options in re.findall(r"CREATE TABLE (\w+)\s*\(.*?\)\s*WITH\s*\((.*?)\);", text, flags=re.S):
        opts = dict(re.findall(r"'([^']+)'\s*=\s*'([^']*)'", options))
        if opts.get("connector") == "filesystem" and os.path.isfile(os.path.join(case_dir, opts.get("path", ""))):
            sources.append({"name": name, "type": "file", "path": opts["path"],
                            "format": "csv" if opts.get("format") == "csv" else "jsonl",
                            "header": opts.get("csv.header") == "true"})
    return three_ways.SqlScript(text), {"sources": sources}


def expected_rows(case_dir, name, copies, shift):
    with open(os.path.join(case_dir, name), encoding="utf-8") as f:
        rows = [json.loads(l) for l in f if l.strip()]
    return [{k: shifted(v, shift.get(k, 0), j) for k, v in r.items()} for j in range(copies) for r in rows]


def upsert_fold(rows, key):
    """The last row per key (+I/+U replace it, -D deletes it, -U is dropped)."""
    latest = {}
    for r in rows:
        r = dict(r)
        op = r.pop("op", "+I")
        k = tuple(r[c] for c in key)
        if op in ("+I", "+U"):
            latest[k] = r
        elif op == "-D":
            latest.pop(k, None)
    return collections.Counter(three_ways.row_key(r) for r in latest.values())


def changelog_problems(case_dir, changelog, rows, copies, shift_out, expected=None):
    """A changelog folded (upsert: the last row per key; else +/- rows) against its
    final state: `expected` (computed for the repeated input), else the case's
    expected rows repeated and shifted."""
    if expected:
        want = collections.Counter(three_ways.row_key(r) for r in expected_rows(case_dir, expected, 1, {}))
    else:
        want = collections.Counter(three_ways.row_key(r)
                                   for r in expected_rows(case_dir, changelog["expected"], copies, shift_out))
    problems = []
    if changelog["mode"] == "upsert" and not any(r.get("op") == "-U" for r in rows):
        got = upsert_fold(rows, changelog["key"])
    else:
        got, problems = three_ways.fold(rows)
    return problems + ([] if got == want else [three_ways.diff_text(got, want)])


def partial_problems(spec, rows):
    """emit_every: partial rows (flag false) must exist, each under its window's final row."""
    flag, key = spec["flag"], spec["key"]
    finals = {tuple(r[k] for k in key): r for r in rows if r[flag]}
    partials = [r for r in rows if not r[flag]]
    problems = [] if partials else ["no partial rows"]
    for p in partials:
        f = finals.get(tuple(p[k] for k in key))
        if f is None or any(p[c] > f[c] for c in spec.get("monotone", [])):
            problems.append(f"partial row {p} without a final row it stays under ({f})")
            break
    return problems


def expected_problems(case_dir, spec, rows, copies, shift_out):
    """The rows against expected.jsonl, repeated and shifted, minus ignored rows."""
    got, problems = three_ways.fold(rows)
    name = "expected." + spec.get("format", "jsonl")
    want = collections.Counter(three_ways.row_key(r) for r in expected_rows(case_dir, name, copies, shift_out))
    ignore = {col: {shifted(v, shift_out.get(col, 0), j) for j in range(copies) for v in vals}
              for col, vals in spec.get("ignore_rows_where", {}).items()}

    def kept(key):
        row = dict(key)
        return not any(row.get(c) in vals for c, vals in ignore.items())
    got = collections.Counter({k: n for k, n in got.items() if kept(k)})
    want = collections.Counter({k: n for k, n in want.items() if kept(k)})
    return problems + ([] if got == want else [three_ways.diff_text(got, want)])


def evaluate(case_dir, spec, rows, copies, shift_out):
    """Problems of the rows a disturbed run committed, against the case's expected ones."""
    if spec.get("changelog"):
        return changelog_problems(case_dir, spec["changelog"], rows, copies, shift_out,
                                  spec.get("three_ways", {}).get("expected"))
    problems = []
    if spec.get("partial"):
        problems += partial_problems(spec["partial"], rows)
        rows = [r for r in rows if r[spec["partial"]["flag"]]]
    if os.path.exists(os.path.join(case_dir, "expected." + spec.get("format", "jsonl"))):
        problems += expected_problems(case_dir, spec, rows, copies, shift_out)
    for col, total in spec.get("column_sums", {}).items():
        got_sum = sum(r[col] for r in rows if r.get(col) is not None)
        if got_sum != total * copies:
            problems.append(f"sum of column {col} is {got_sum}, expected {total * copies}")
    return problems


def check_case_ways(eddy, case_dir, spec):
    """The case through a failure and through a savepoint: [(way, problems)]."""
    ways = spec.get("three_ways", {})
    copies, shift = ways.get("copies", 1), ways.get("shift", {})
    shift_out = ways.get("shift_expected", shift)
    if os.path.exists(os.path.join(case_dir, "pipeline.sql")):
        script, pipeline = sql_case(case_dir)
    else:
        script = pipeline = longer_pipeline(three_ways.load_pipeline(os.path.join(case_dir, "pipeline.yaml")))
    results = []
    for way in ("failure", f"savepoint -> -p {RESTORE_PARALLELISM}"):
        work = tempfile.mkdtemp(prefix="eddy-case-way-")
        try:
            for name in os.listdir(case_dir):
                src = os.path.join(case_dir, name)
                (shutil.copytree if os.path.isdir(src) else shutil.copy)(src, os.path.join(work, name))
            rows_in = repeat_inputs(work, pipeline, copies, shift)
            source = pipeline["sources"][0]
            # 3/8 of the rows: late in a subtask's half of a datagen source's rows, and
            # well into a file that one subtask reads alone.
            records = max(1, (source.get("rows") or rows_in) * 3 // 8)
            if way == "failure":
                problems = three_ways.failure(eddy, work, script, source["name"], records)
            else:
                problems = three_ways.savepoint(eddy, work, script, RESTORE_PARALLELISM)
            if not problems:
                rows = three_ways.read_jsonl_parts(os.path.join(work, "out"))
                problems = evaluate(case_dir, spec, rows, copies, shift_out)
        except Exception as e:  # the harness failing is this way failing
            problems = [f"{type(e).__name__}: {e}"]
        finally:
            shutil.rmtree(work, ignore_errors=True)
        results.append((way, problems))
    return results
