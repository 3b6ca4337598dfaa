#!/usr/bin/env python3
"""`eddy bench nexmark` (cmd/bench_nexmark.cpp): a few queries on few events
print the table; every row has figures or says why not; bad options are refused.
Usage: bench_nexmark_test.py EDDY REPO"""
import os
import re
import subprocess
import sys


def run(cmd, cwd):
    p = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=300)
    return p.returncode, p.stdout, p.stderr


def main():
    eddy, repo = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    failures = []

    def check(what, ok, detail=""):
        print(("ok   " if ok else "FAIL ") + what, flush=True)
        if not ok:
            failures.append(what)
            print(detail[-3000:])

    queries = ["q0", "q3", "q19"]
    code, out, err = run([eddy, "bench", "nexmark", "--events", "20000", "--queries", ",".join(queries)], repo)
    check("bench nexmark exits 0", code == 0, out + err)
    check("the header names every column", all(h in out for h in (
        "query", "events", "events/s", "events/CPU-s", "peak RSS", "best published per core")), out)
    rows = {line.split()[0]: line for line in out.splitlines() if re.match(r"q\d+ ", line)}
    check("one row per query, in order", list(rows) == queries, out)
    figures = re.compile(r"^q\d+\s+20000\s+[\d.]+[kM]?\s+[\d.]+[kM]?\s+\d+ MiB\s")
    for q, line in rows.items():
        check(f"{q}: figures or why not", bool(figures.match(line)) or "not supported yet: " in line, line)
    check("q0 runs, beside Feldera's published 436k", bool(figures.match(rows.get("q0", ""))) and
          "436k (Feldera)" in rows.get("q0", ""), out)
    code, out, err = run([eddy, "bench", "nexmark", "--dir", "/no/such/folder"], repo)
    check("a folder without query files is refused", code == 2 and "/no/such/folder" in err, err)
    code, out, err = run([eddy, "bench", "configs/quickstart.yaml", "--events", "5"], repo)
    check("--events is for the suite only", code == 2 and "eddy bench nexmark" in err, err)
    print(f"{len(failures)} failed")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
