#!/usr/bin/env python3
"""Golden tests of the SQL planner: each script's plan, as `eddy validate`
prints it (operators, schemas, joins and windows, chains, edges), must equal
the stored one in tests/golden/sql/expected/. The scripts: the Nexmark
queries (configs/nexmark-sql, each after its ddl.sql), the examples of
configs/sql, and the scripts of tests/golden/sql (legacy group windows, the
dialect's lexical rules and query shapes). A script there whose first lines
hold `-- golden-init: PATH` runs after that init script.

Error cases, with their messages and positions, are tests/e2e/errors/sql_*.sql.

Usage: sql_golden.py EDDY REPO [--update]   (--update rewrites the expected plans)
"""
import argparse
import difflib
import glob
import os
import re
import subprocess
import sys


def scripts(repo):
    """(name, script, init scripts) of every golden script, paths relative to the repository."""
    out = []
    ddl = "configs/nexmark-sql/ddl.sql"
    for path in sorted(glob.glob(os.path.join(repo, "configs", "nexmark-sql", "q*.sql"))):
        rel = os.path.relpath(path, repo)
        out.append(("nexmark-" + os.path.basename(path)[:-4], rel, [ddl]))
    for path in sorted(glob.glob(os.path.join(repo, "configs", "sql", "*.sql"))):
        out.append(("sql-" + os.path.basename(path)[:-4], os.path.relpath(path, repo), []))
    for path in sorted(glob.glob(os.path.join(repo, "tests", "golden", "sql", "*.sql"))):
        with open(path) as f:
            init = re.findall(r"^-- golden-init: (\S+)", f.read(), re.M)
        out.append(("golden-" + os.path.basename(path)[:-4], os.path.relpath(path, repo), init))
    return out


def plan_of(eddy, repo, script, init):
    args = [eddy, "validate"]
    for i in init:
        args += ["-i", i]
    args.append(script)
    r = subprocess.run(args, cwd=repo, capture_output=True, text=True, timeout=60)
    return f"exit {r.returncode}\n{r.stdout}{r.stderr}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("eddy")
    ap.add_argument("repo")
    ap.add_argument("--update", action="store_true", help="rewrite the expected plans")
    args = ap.parse_args()
    eddy, repo = os.path.abspath(args.eddy), os.path.abspath(args.repo)
    expected_dir = os.path.join(repo, "tests", "golden", "sql", "expected")
    failed = []
    names = set()
    for name, script, init in scripts(repo):
        names.add(name + ".plan")
        got = plan_of(eddy, repo, script, init)
        path = os.path.join(expected_dir, name + ".plan")
        if args.update:
            with open(path, "w") as f:
                f.write(got)
            continue
        want = open(path).read() if os.path.exists(path) else ""
        if got != want:
            failed.append(name)
            print(f"[golden] {name}: the plan differs from {os.path.relpath(path, repo)}")
            sys.stdout.writelines(difflib.unified_diff(want.splitlines(True), got.splitlines(True),
                                                       "expected", "got", n=2))
        else:
            print(f"[golden] {name}: ok")
    stale = sorted(set(os.listdir(expected_dir)) - names) if os.path.isdir(expected_dir) else []
    for s in stale:
        print(f"[golden] {s}: no script has this expected plan; remove it")
    if failed or stale:
        print(f"golden: {len(failed)} differ {failed}; if the change is meant, run "
              f"tests/e2e/sql_golden.py build/eddy . --update and review the diff")
        sys.exit(1)
    print(f"golden: {len(names)} plans as expected")


if __name__ == "__main__":
    main()
