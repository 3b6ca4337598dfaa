#!/usr/bin/env python3
"""End-to-end tests of event-time windows: the eddy binary against reference.py.

Usage:  run_windows.py EDDY CASES_DIR

CASES_DIR holds make_inputs.py, reference.py and one folder per case (pipeline.yaml,
one input file, expected.jsonl, expected_late.jsonl when the pipeline has a late stream
sink, case.json). For each case:
  1. inputs:    make_inputs.py, run into a temporary folder, reproduces the committed input;
  2. reference: reference.py, run into a temporary folder, reproduces the committed expected
                files byte for byte, and its statistics meet case.json's "min_stats" (so the
                case really exercises what it claims);
  3. -p 1, 2, 4: `EDDY local pipeline.yaml -p P` in a temporary copy of the case (without the
                expected files) exits 0, and the rows of out/ (and out_late/) part files equal
                the expected rows as multisets.
Rows are compared as run_e2e.py does (JSON parsed, integer-valued floats made integers, floats
to 12 significant digits, key order kept); when that differs, numbers are matched once more
with a relative tolerance of 1e-11, since a window's float sum may be added up in another order
(sliding window slices, merged sessions). Prints one line per check and "windows: N failed";
exits 1 on any failure. Every run is bounded by a timeout; a run that overstays is killed by
its process group id.
"""
import filecmp
import glob
import json
import math
import os
import shutil
import signal
import subprocess
import sys
import tempfile

TIMEOUT_S = int(os.environ.get("WINDOWS_TIMEOUT_S", "180"))
PARALLELISMS = (1, 2, 4)
REL_TOL = 1e-11


def run(cmd, cwd, timeout):
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # the group this Popen started, by its id
        except ProcessLookupError:
            pass
        out, err = proc.communicate()
        return None, out.decode("utf-8", "replace"), err.decode("utf-8", "replace")
    return proc.returncode, out.decode("utf-8", "replace"), err.decode("utf-8", "replace")


# ---------------------------------------------------------------------------
# Row comparison
# ---------------------------------------------------------------------------

def normalize_value(v):
    if isinstance(v, float) and v.is_integer() and abs(v) < 2**53:
        return int(v)
    if isinstance(v, float):
        return float(f"{v:.12g}")
    return v


def parse_line(line, where):
    try:
        obj = json.loads(line)
    except ValueError as e:
        raise ValueError(f"{where}: not JSON ({e}): {line[:200]!r}")
    if not isinstance(obj, dict):
        raise ValueError(f"{where}: not a JSON object: {line[:200]!r}")
    return list(obj.items())


def read_jsonl_rows(paths):
    rows = []
    for p in paths:
        with open(p, encoding="utf-8") as f:
            for n, line in enumerate(f, start=1):
                if line.strip():
                    rows.append(parse_line(line, f"{p}:{n}"))
    return rows


def canonical(row):
    return json.dumps([[k, normalize_value(v)] for k, v in row], ensure_ascii=False)


def _is_number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _shape(row):
    """The row with its numbers taken out (and the numbers), for tolerant matching."""
    shape, nums = [], []
    for k, v in row:
        if _is_number(v):
            shape.append([k, "<number>"])
            nums.append(v)
        else:
            shape.append([k, v])
    return json.dumps(shape, ensure_ascii=False), nums


def _close(a, b):
    if isinstance(a, int) and isinstance(b, int):
        return a == b
    return math.isclose(a, b, rel_tol=REL_TOL, abs_tol=0.0)


def compare_rows(got, want):
    """None when the multisets match; otherwise a description of the difference."""
    g = sorted(canonical(r) for r in got)
    w = sorted(canonical(r) for r in want)
    if g == w:
        return None
    groups_g, groups_w = {}, {}
    for rows, groups in ((got, groups_g), (want, groups_w)):
        for r in rows:
            shape, nums = _shape(r)
            groups.setdefault(shape, []).append(nums)
    tolerant_ok = groups_g.keys() == groups_w.keys()
    if tolerant_ok:
        for shape, gn in groups_g.items():
            wn = groups_w[shape]
            if len(gn) != len(wn):
                tolerant_ok = False
                break
            for a, b in zip(sorted(gn), sorted(wn)):
                if len(a) != len(b) or not all(_close(x, y) for x, y in zip(a, b)):
                    tolerant_ok = False
                    break
            if not tolerant_ok:
                break
    if tolerant_ok:
        return None
    gs, ws = {}, {}
    for r in g:
        gs[r] = gs.get(r, 0) + 1
    for r in w:
        ws[r] = ws.get(r, 0) + 1
    missing = [r for r in w if ws[r] > gs.get(r, 0)]
    extra = [r for r in g if gs[r] > ws.get(r, 0)]
    return (f"{len(got)} rows vs {len(want)} expected; missing {sorted(set(missing))[:5]}; "
            f"unexpected {sorted(set(extra))[:5]}")


def fold_changelog(rows, where):
    """A window with allowed_lateness writes a changelog, `op` first: the rows it
    leaves, in order (+I/+U add a row, -U/-D take back an equal one written before).
    Rows without op are returned as they are."""
    if not rows or rows[0][0][0] != "op":
        return rows
    live = {}
    for r in rows:
        op, rest = r[0][1], r[1:]
        c = canonical(rest)
        if op in ("+I", "+U"):
            live.setdefault(c, []).append(rest)
        elif live.get(c):
            live[c].pop()
        else:
            raise ValueError(f"{where}: {op} of a row not written before: {c[:200]}")
    return [r for rs in live.values() for r in rs]


def part_files_in_order(folder):
    """part-<tag>-<subtask>-<n>.<ext>, by subtask, then n (as numbers)."""
    def order(p):
        fields = os.path.basename(p).split(".")[0].split("-")
        return (int(fields[-2]), int(fields[-1]), p)
    return sorted(part_files(folder), key=order)


def part_files(folder):
    return sorted(p for p in glob.glob(os.path.join(folder, "**", "part-*"), recursive=True)
                  if os.path.isfile(p))


# ---------------------------------------------------------------------------
# Checks
# ---------------------------------------------------------------------------

def load_spec(case_dir):
    path = os.path.join(case_dir, "case.json")
    if not os.path.exists(path):
        return {}
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def check_reference(cases_dir, case_dir, spec):
    """The committed expected files are exactly what reference.py writes now."""
    problems = []
    tmp = tempfile.mkdtemp(prefix="eddy-win-ref-")
    try:
        code, out, err = run([sys.executable, os.path.join(cases_dir, "reference.py"), case_dir, "--out", tmp],
                             cwd=cases_dir, timeout=TIMEOUT_S)
        if code != 0:
            return [f"reference.py exit {code}: {err.strip()[-2000:]}"]
        stats = json.loads(out)
        for name in ("expected.jsonl", "expected_late.jsonl"):
            fresh, committed = os.path.join(tmp, name), os.path.join(case_dir, name)
            if os.path.exists(fresh) != os.path.exists(committed):
                problems.append(f"{name}: reference writes it: {os.path.exists(fresh)}, "
                                f"committed: {os.path.exists(committed)}")
            elif os.path.exists(fresh) and not filecmp.cmp(fresh, committed, shallow=False):
                problems.append(f"{name} differs from reference.py's output (regenerate with "
                                f"`reference.py {os.path.basename(case_dir)}`)")
        for key, low in spec.get("min_stats", {}).items():
            if stats.get(key, 0) < low:
                problems.append(f"reference statistic {key} = {stats.get(key, 0)}, case.json wants >= {low}")
        return problems
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def generate_inputs(cases_dir):
    """make_inputs.py into a temporary folder; returns it (or None and a message)."""
    tmp = tempfile.mkdtemp(prefix="eddy-win-inputs-")
    code, _, err = run([sys.executable, os.path.join(cases_dir, "make_inputs.py"), tmp],
                       cwd=cases_dir, timeout=TIMEOUT_S)
    if code != 0:
        shutil.rmtree(tmp, ignore_errors=True)
        return None, f"make_inputs.py exit {code}: {err.strip()[-2000:]}"
    return tmp, None


def check_inputs(generated, case, case_dir):
    gen_dir = os.path.join(generated, case)
    if not os.path.isdir(gen_dir):
        return ["make_inputs.py does not generate this case's input"]
    problems = []
    for name in sorted(os.listdir(gen_dir)):
        committed = os.path.join(case_dir, name)
        if not os.path.exists(committed):
            problems.append(f"{name} is generated but not committed")
        elif not filecmp.cmp(os.path.join(gen_dir, name), committed, shallow=False):
            problems.append(f"{name} differs from make_inputs.py's output")
    return problems


def check_run(eddy, case_dir, p, spec):
    problems = []
    work = tempfile.mkdtemp(prefix="eddy-win-")
    try:
        for name in os.listdir(case_dir):
            if name.startswith("expected"):
                continue
            src = os.path.join(case_dir, name)
            (shutil.copytree if os.path.isdir(src) else shutil.copy)(src, os.path.join(work, name))
        timeout = spec.get("timeout_s", TIMEOUT_S)
        code, _, err = run([eddy, "local", "pipeline.yaml", "-p", str(p)], cwd=work, timeout=timeout)
        if code is None:
            return [f"timed out after {timeout}s"], err
        if code != 0:
            problems.append(f"exit {code}, expected 0")
        for text in spec.get("stderr_contains", []):
            if text not in err:
                problems.append(f"stderr lacks {text!r}")
        counts = {}
        for name, folder in (("expected.jsonl", "out"), ("expected_late.jsonl", "out_late")):
            expected = os.path.join(case_dir, name)
            if not os.path.exists(expected):
                continue
            try:
                # A key's rows are written by one subtask, in order, into its part
                # files one after the other (a new one at each checkpoint).
                parts = part_files_in_order(os.path.join(work, folder))
                got = fold_changelog(read_jsonl_rows(parts), folder)
                want = read_jsonl_rows([expected])
            except ValueError as e:
                problems.append(str(e))
                continue
            counts[folder] = len(got)
            diff = compare_rows(got, want)
            if diff:
                problems.append(f"{folder}/: {diff}")
        return problems, err if problems else ", ".join(f"{k}: {v} rows" for k, v in counts.items())
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main():
    if len(sys.argv) != 3:
        print("usage: run_windows.py EDDY CASES_DIR", file=sys.stderr)
        sys.exit(2)
    eddy, cases_dir = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    cases = sorted(c for c in os.listdir(cases_dir)
                   if os.path.isfile(os.path.join(cases_dir, c, "pipeline.yaml")))
    if not cases:
        print(f"no cases in {cases_dir}")
        sys.exit(1)
    failures = 0
    generated, gen_error = generate_inputs(cases_dir)
    try:
        for case in cases:
            case_dir = os.path.join(cases_dir, case)
            spec = load_spec(case_dir)
            problems = [gen_error] if gen_error else check_inputs(generated, case, case_dir)
            problems += check_reference(cases_dir, case_dir, spec)
            print(f"[windows] {case} inputs and reference: {'ok' if not problems else 'FAILED'}", flush=True)
            if problems:
                failures += 1
                for pr in problems:
                    print("   ", pr)
            for p in PARALLELISMS:
                problems, info = check_run(eddy, case_dir, p, spec)
                print(f"[windows] {case} -p {p}: {'ok (' + info + ')' if not problems else 'FAILED'}", flush=True)
                if problems:
                    failures += 1
                    for pr in problems:
                        print("   ", pr)
                    if info.strip():
                        print("    stderr:", info.strip()[-3000:])
    finally:
        if generated:
            shutil.rmtree(generated, ignore_errors=True)
    print(f"windows: {failures} failed")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
