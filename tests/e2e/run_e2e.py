#!/usr/bin/env python3
"""End-to-end tests of the eddy binary, run by ctest (see e2e_tests.cmake).

Modes:
  configs EDDY REPO        every configs/**/*.yaml and *.sql (but configs/cluster/ and configs/nexmark-sql/) runs
                           with `eddy local` (exit 0) at -p 1 and -p 4, and both runs produce the same rows
                           (as multisets, changelogs folded)
  cases EDDY CASES_DIR     every case folder: pipeline.yaml (or pipeline.sql) + inputs + expected.* ; outputs
                           compared (every part file under out/, so several sinks may write out/a, out/b)
                           as multisets at -p 1, 2 and 4 (and the case's own checks in case.json),
                           then through an injected failure and through a savepoint restored at
                           another parallelism (case_ways.py)
  errors EDDY ERRORS_DIR   every *.yaml and *.sql is refused by `validate` and `local` with exit 2 and the
                           messages its `expect-error:` lines (in comments) name
Each run is bounded by a timeout; processes are started and killed by pid.
"""
import concurrent.futures
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile

import case_ways

TIMEOUT_S = 300


def run(cmd, cwd, timeout=TIMEOUT_S):
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        raise AssertionError(f"{' '.join(cmd)} timed out after {timeout}s\n{err.decode()[-2000:]}")
    return proc.returncode, out.decode("utf-8", "replace"), err.decode("utf-8", "replace")


def normalize_value(v):
    if isinstance(v, float) and v.is_integer() and abs(v) < 2**53:
        return int(v)
    if isinstance(v, float):
        return float(f"{v:.12g}")
    return v


def canonical_jsonl(line):
    obj = json.loads(line)
    return json.dumps([[k, normalize_value(v)] for k, v in obj.items()])


def read_rows(paths, fmt):
    """All data rows of the given files, canonicalized, as a sorted list."""
    rows = []
    for p in paths:
        with open(p, encoding="utf-8") as f:
            lines = f.read().splitlines()
        if fmt == "csv" and lines and p.endswith(".csv") and not os.path.basename(p).startswith("expected"):
            lines = lines[1:]  # part files start with a header line
        for line in lines:
            if not line.strip():
                continue
            rows.append(canonical_jsonl(line) if fmt == "jsonl" else line)
    return sorted(rows)


def run_output(work, stdout):
    """Every row a run produced: print sinks' stdout and every part file under out/,
    as a sorted list (CSV part files lose their header line)."""
    rows = [l for l in stdout.splitlines() if l.strip()]
    for part in sorted(glob.glob(os.path.join(work, "out", "**", "part-*"), recursive=True)):
        with open(part, encoding="utf-8") as f:
            lines = f.read().splitlines()
        if part.endswith(".csv"):
            lines = lines[1:]
        rows.extend(l for l in lines if l.strip())
    return sorted(fold_changelog(rows))


def fold_changelog(rows):
    """JSON rows with an `op` (an updating stream's changelog) folded to the rows
    that remain, as the order of updates differs between parallelisms; other rows
    as they are."""
    kept, counts = [], {}
    for line in rows:
        try:
            row = json.loads(line)
        except ValueError:
            row = None
        if not isinstance(row, dict) or "op" not in row:
            kept.append(line)
            continue
        op = row.pop("op")
        key = json.dumps(row, sort_keys=True)
        counts[key] = counts.get(key, 0) + (1 if op in ("+I", "+U") else -1)
    for key, n in counts.items():
        kept.extend([key] * max(n, 0))
    return kept


def pending_config(rel):
    """Why a configs/nexmark query cannot run yet (tests/e2e/nexmark PENDING), or None."""
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "nexmark"))
    from run_nexmark import PENDING
    folder, name = os.path.split(rel)
    return PENDING.get(os.path.splitext(name)[0]) if folder == os.path.join("configs", "nexmark") else None


def check_configs(eddy, repo):
    """Each config runs at -p 1 and -p 4; both runs must produce the same rows.
    A Nexmark query still pending its feature (tests/e2e/nexmark, PENDING) may
    fail without failing the test; e2e_nexmark checks what it computes."""
    failures = 0
    # configs/cluster/ holds cluster config files, not pipelines: tests/e2e/cluster runs them.
    # configs/nexmark-sql/ needs its ddl.sql as an init script: e2e_nexmark_sql runs it.
    configs = sorted(c for c in glob.glob(os.path.join(repo, "configs", "**", "*.yaml"), recursive=True) +
                     glob.glob(os.path.join(repo, "configs", "**", "*.sql"), recursive=True)
                     if os.sep + "cluster" + os.sep not in os.path.relpath(c, repo)
                     and os.sep + "nexmark-sql" + os.sep not in os.path.relpath(c, repo))
    assert configs, "no configs found"
    for cfg in configs:
        rel = os.path.relpath(cfg, repo)
        pending = pending_config(rel)
        failed_before = failures
        outputs = {}
        for p in (1, 4):
            work = tempfile.mkdtemp(prefix="eddy-e2e-")
            try:
                os.symlink(os.path.join(repo, "configs"), os.path.join(work, "configs"))
                code, out, err = run([eddy, "local", rel, "-p", str(p)], cwd=work)
                outputs[p] = run_output(work, out)
                status = "ok" if code == 0 else f"FAILED (exit {code})"
                print(f"[configs] {rel} -p {p}: {status}, {len(outputs[p])} rows out")
                if code != 0:
                    failures += 1
                    print(err[-3000:])
            finally:
                shutil.rmtree(work, ignore_errors=True)
        if outputs[1] != outputs[4]:
            failures += 1
            print(f"[configs] {rel}: FAILED: -p 1 and -p 4 produced different rows "
                  f"({len(outputs[1])} vs {len(outputs[4])})")
        if pending and failures > failed_before:
            print(f"[configs] {rel}: pending ({pending}, tests/e2e/nexmark/run_nexmark.py): not counted")
            failures = failed_before
    return failures


def check_case(eddy, case_dir, p):
    spec = {}
    if os.path.exists(os.path.join(case_dir, "case.json")):
        with open(os.path.join(case_dir, "case.json")) as f:
            spec = json.load(f)
    work = tempfile.mkdtemp(prefix="eddy-case-")
    try:
        for name in os.listdir(case_dir):
            src = os.path.join(case_dir, name)
            dst = os.path.join(work, name)
            (shutil.copytree if os.path.isdir(src) else shutil.copy)(src, dst)
        pipeline = "pipeline.sql" if os.path.exists(os.path.join(case_dir, "pipeline.sql")) else "pipeline.yaml"
        code, out, err = run([eddy, "local", pipeline, "-p", str(p)], cwd=work)
        problems = []
        want_exit = spec.get("exit", 0)
        if code != want_exit:
            problems.append(f"exit {code}, expected {want_exit}")
        for text in spec.get("stderr_contains", []):
            if text not in err:
                problems.append(f"stderr lacks {text!r}")
        if spec.get("changelog"):
            problems.extend(check_changelog(work, case_dir, spec["changelog"]))
        ignore = spec.get("ignore_rows_where", {})
        fmt = spec.get("format", "jsonl")
        expected_file = os.path.join(case_dir, f"expected.{fmt}")
        if os.path.exists(expected_file):
            if spec.get("output") == "stdout":
                got = sorted(canonical_jsonl(l) if fmt == "jsonl" else l
                             for l in out.splitlines() if l.strip())
            else:
                parts = sorted(glob.glob(os.path.join(work, "out", "**", "part-*"), recursive=True))
                got = read_rows(parts, fmt)
            if spec.get("partial"):
                got, partial_problems = split_partial_rows(got, spec["partial"])
                problems.extend(partial_problems)
            want = read_rows([expected_file], fmt)
            if ignore:
                def kept(row):
                    obj = dict(json.loads(row))
                    return not any(obj.get(k) in vals for k, vals in ignore.items())
                got = [r for r in got if kept(r)]
                want = [r for r in want if kept(r)]
            if got != want:
                missing = [r for r in want if r not in got][:5]
                extra = [r for r in got if r not in want][:5]
                problems.append(f"output differs: {len(got)} rows vs {len(want)} expected; "
                                f"missing {missing}; unexpected {extra}")
        if spec.get("column_sums") or spec.get("min_rows"):
            rows = [json.loads(l) for part in glob.glob(os.path.join(work, "out", "part-*"))
                    for l in open(part) if l.strip()]
            for col, want in spec.get("column_sums", {}).items():
                got_sum = sum(r[col] for r in rows if r.get(col) is not None)
                if got_sum != want:
                    problems.append(f"sum of column {col} is {got_sum}, expected {want}")
            if len(rows) < spec.get("min_rows", 0):
                problems.append(f"{len(rows)} rows, expected at least {spec['min_rows']}")
        if spec.get("keys_in_one_part"):
            col = spec["keys_in_one_part"]
            owner = {}
            for part in glob.glob(os.path.join(work, "out", "part-*")):
                with open(part) as f:
                    for line in f:
                        key = json.loads(line)[col]
                        if owner.setdefault(key, part) != part:
                            problems.append(f"key {key} is in {owner[key]} and {part}")
                            break
        return problems, err
    finally:
        shutil.rmtree(work, ignore_errors=True)


def split_partial_rows(rows, spec):
    """emit_every: rows with flag = false are partial results. Returns the final rows
    (to compare) and problems: too few partial rows, or a partial row whose values
    exceed its window's final values (they only grow as records arrive)."""
    flag, problems = spec["flag"], []
    finals, partials = [], []
    for r in rows:
        obj = dict(json.loads(r))
        (finals if obj[flag] else partials).append((r, obj))
    final_by_key = {tuple(o[k] for k in spec["key"]): o for _, o in finals}
    if len(partials) < spec.get("min", 1):
        problems.append(f"{len(partials)} partial rows, expected at least {spec.get('min', 1)}")
    for _, p in partials:
        f = final_by_key.get(tuple(p[k] for k in spec["key"]))
        if f is None:
            problems.append(f"partial row without a final row: {p}")
        elif any(p[c] > f[c] for c in spec.get("monotone", [])):
            problems.append(f"partial row {p} exceeds its final row {f}")
    return sorted(r for r, _ in finals), problems[:10]


def check_changelog(work, case_dir, spec):
    """Folds a changelog (first column `op`: +I, -U, +U, -D) into its final state and
    compares that. upsert: per key, +I for an absent key, -U/-D take back exactly the
    key's current row, +U follows the key's -U; set: +I/+U add a row, -U/-D remove one.
    Each key or partition lives in one part file, whose rows are in order."""
    problems = []
    final = []
    for part in sorted(glob.glob(os.path.join(work, "out", "part-*"))):
        rows = [json.loads(l) for l in open(part) if l.strip()]
        if rows and next(iter(rows[0])) != "op":
            problems.append(f"{os.path.basename(part)}: the first column is not op: {rows[0]}")
        if spec["mode"] == "upsert":
            latest, updating = {}, set()
            for r in rows:
                key = tuple(r[k] for k in spec["key"])
                op = r.pop("op")
                if op in ("-U", "-D"):
                    if latest.get(key) != r:
                        problems.append(f"key {key}: {op} {r} but the current row is {latest.get(key)}")
                    latest.pop(key, None)
                    if op == "-U":
                        updating.add(key)
                    continue
                due = "+U" if key in updating else "+I"
                if op != due or key in latest:
                    problems.append(f"key {key}: {op} where {due} was due")
                updating.discard(key)
                latest[key] = r
            final.extend(latest.values())
        else:
            live = []
            for r in rows:
                op = r.pop("op")
                if op in ("+I", "+U"):
                    live.append(r)
                elif r in live:
                    live.remove(r)
                else:
                    problems.append(f"{op} of a row that is not there: {r}")
            final.extend(live)
    got = sorted(json.dumps(r, sort_keys=True) for r in final)
    with open(os.path.join(case_dir, spec["expected"])) as f:
        want = sorted(json.dumps(json.loads(l), sort_keys=True) for l in f if l.strip())
    if got != want:
        problems.append(f"final state differs: {len(got)} rows vs {len(want)}; "
                        f"missing {[r for r in want if r not in got][:3]}; unexpected {[r for r in got if r not in want][:3]}")
    return problems[:10]


def case_three_ways(eddy, case_dir):
    """One case every way: [(way, problems, stderr)]. Straight at -p 1, 2 and 4;
    then (unless its job fails by design) through a failure and a savepoint."""
    spec = {}
    if os.path.exists(os.path.join(case_dir, "case.json")):
        with open(os.path.join(case_dir, "case.json")) as f:
            spec = json.load(f)
    results = []
    for p in (1, 2, 4):
        problems, err = check_case(eddy, case_dir, p)
        results.append((f"-p {p}", problems, err))
    if case_ways.applies(spec):
        results.extend((way, problems, "") for way, problems in case_ways.check_case_ways(eddy, case_dir, spec))
    return results


def check_cases(eddy, cases_dir, jobs=3):
    """Every case three ways (case_ways.py), a few cases at a time."""
    failures = 0
    cases = sorted(c for c in os.listdir(cases_dir) if os.path.isdir(os.path.join(cases_dir, c)))
    with concurrent.futures.ThreadPoolExecutor(jobs) as pool:
        futures = {pool.submit(case_three_ways, eddy, os.path.join(cases_dir, c)): c for c in cases}
        for fut in concurrent.futures.as_completed(futures):
            for way, problems, err in fut.result():
                print(f"[cases] {futures[fut]} {way}: {'ok' if not problems else 'FAILED'}", flush=True)
                if problems:
                    failures += 1
                    for pr in problems:
                        print("   ", pr)
                    print(err[-3000:])
    return failures


def check_errors(eddy, errors_dir):
    failures = 0
    files = sorted(glob.glob(os.path.join(errors_dir, "*.yaml")) + glob.glob(os.path.join(errors_dir, "*.sql")))
    assert files, "no error cases"
    for path in files:
        with open(path) as f:
            expects = [l.split("expect-error:", 1)[1].strip() for l in f if "expect-error:" in l]
        assert expects, f"{path} has no '# expect-error:' line"
        name = os.path.basename(path)
        for cmd in ("validate", "local"):
            code, out, err = run([eddy, cmd, name], cwd=errors_dir)
            problems = []
            if code != 2:
                problems.append(f"exit {code}, expected 2")
            for e in expects:
                if e not in err:
                    problems.append(f"stderr lacks {e!r}")
            print(f"[errors] {name} ({cmd}): {'ok' if not problems else 'FAILED'}")
            if problems:
                failures += 1
                for pr in problems:
                    print("   ", pr)
                print("   stderr:", err[-2000:])
    return failures


def main():
    mode, eddy, where = sys.argv[1], os.path.abspath(sys.argv[2]), os.path.abspath(sys.argv[3])
    failures = {"configs": check_configs, "cases": check_cases, "errors": check_errors}[mode](eddy, where)
    print(f"{mode}: {failures} failed")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
