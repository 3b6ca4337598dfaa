#!/usr/bin/env python3
"""The command line as a user meets it: help texts, version, validate's job graph,
refusal of missing files, and Ctrl-C cancelling a running job cleanly."""
import os
import pty
import signal
import socket
import subprocess
import sys
import tempfile
import time

failures = []


def check(name, cond, detail=""):
    print(f"[cli] {name}: {'ok' if cond else 'FAILED'}")
    if not cond:
        failures.append(name)
        if detail:
            print("   ", detail[-2000:])


def run(args, cwd=None, timeout=60):
    p = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    return p.returncode, p.stdout, p.stderr


def main():
    eddy, repo = os.path.abspath(sys.argv[1]), sys.argv[2]
    code, out, err = run([eddy, "--help"])
    check("--help lists the subcommands", code == 0 and all(s in out for s in ("local", "validate", "version", "bench")), out + err)
    code, out, err = run([eddy, "local", "--help"])
    check("local --help explains its options", code == 0 and all(s in out for s in ("--parallelism", "--taskmanagers", "--slots")), out)
    code, out, err = run([eddy])
    check("eddy alone prints its usage", code == 0 and "Usage: eddy" in out and "Exit codes:" in out, out + err)
    code, out, err = run([eddy, "--version"])
    check("eddy --version prints the version", code == 0 and out.startswith("eddy "), out + err)
    code, out, err = run([eddy, "frob"])
    check("an unknown command says so", code == 2 and "'frob' is not an eddy command" in err, out + err)
    code, out, err = run([eddy, "version"])
    check("version prints the version", code == 0 and out.startswith("eddy "), out + err)
    code, out, err = run([eddy, "validate", "configs/nexmark/q19.yaml"], cwd=repo)
    check("validate prints chains and edge partitioning",
          code == 0 and "chains" in out and "hash by (auction)" in out, out + err)
    code, out, err = run([eddy, "validate", "configs/quickstart.yaml"], cwd=repo)
    check("validate shows chaining and rebalance", code == 0 and "bids -> big_app_bids -> euros" in out and "rebalance" in out, out + err)
    code, out, err = run([eddy, "list", "--help"])
    check("client commands explain https and --ca", code == 0 and "https://HOST:PORT" in out and "--ca" in out
          and "EDDY_REST_TOKEN" in out and "EDDY_REST_CA" in out, out)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed_port = s.getsockname()[1]
    code, out, err = run([eddy, "list", "-m", f"https://127.0.0.1:{closed_port}"])
    check("a client with no job manager to reach says where it looked", code == 1 and "cannot reach" in err
          and f"https://127.0.0.1:{closed_port}" in err, err)
    code, out, err = run([eddy, "list", "-m", "ftp://127.0.0.1:8081"])
    check("a -m that is no REST address is refused with the forms it takes", code == 2 and "https://HOST:PORT" in err, err)
    code, out, err = run([eddy, "local", "no/such/pipeline.yaml"])
    check("a missing pipeline file is refused with exit 2", code == 2 and "no/such/pipeline.yaml" in err, err)

    work = tempfile.mkdtemp(prefix="eddy-cli-")
    path = os.path.join(work, "endless.yaml")
    with open(path, "w") as f:
        f.write("name: endless\nsources:\n  - name: gen\n    type: datagen\n    fields:\n"
                "      id: { kind: sequence }\nsinks:\n  - { name: out, input: gen, type: blackhole }\n")
    # bench --against: alternated runs in fresh processes, every run shown, then medians.
    small = {}
    for name, rows in (("small_a", 20000), ("small_b", 40000)):
        small[name] = os.path.join(work, f"{name}.yaml")
        with open(small[name], "w") as f:
            f.write(f"name: {name}\nsources:\n  - {{ name: gen, type: datagen, rows: {rows}, "
                    "fields: { id: { kind: sequence } } }\nsinks:\n  - { name: out, input: gen, type: blackhole }\n")
    code, out, err = run([eddy, "bench", small["small_b"], "--against", small["small_a"], "--runs", "3"])
    lines = out.splitlines()
    order = [(l.split()[2], l.split()[3]) for l in lines if l.startswith("run ")]
    check("bench --against alternates baseline and pipeline, 3 runs each",
          code == 0 and order == [("baseline", "small_a"), ("pipeline", "small_b")] * 3, out + err)
    check("bench --against prints both medians and the difference",
          any(l.startswith("median of 3: pipeline=small_b") and "records_per_s=" in l for l in lines) and
          any(l.startswith("median of 3: baseline=small_a") for l in lines) and
          any(l.startswith("against baseline: records_per_s ") for l in lines), out)
    code, out, err = run([eddy, "bench", small["small_a"], "--against", os.path.join(work, "missing.yaml")])
    check("bench --against with a bad baseline fails and shows why",
          code == 1 and "missing.yaml" in err and "cannot open" in err, err)

    proc = subprocess.Popen([eddy, "local", path], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(1.5)
        check("an unbounded job keeps running", proc.poll() is None)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=20)
        check("Ctrl-C cancels the job with exit 130", proc.returncode == 130 and "CANCELED" in err,
              f"exit {proc.returncode}\n{err}")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    # A print sink blocked on a pipe nobody reads must not keep the process alive.
    stuck = os.path.join(work, "stuck.yaml")
    with open(stuck, "w") as f:
        f.write("name: stuck\nsources:\n  - name: gen\n    type: datagen\n    fields:\n"
                "      id: { kind: sequence }\nsinks:\n  - { name: out, input: gen, type: print }\n")
    proc = subprocess.Popen([eddy, "local", stuck], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        time.sleep(1.5)  # the pipe fills; the sink blocks in its write
        proc.send_signal(signal.SIGINT)
        start = time.time()
        proc.wait(timeout=20)
        check("Ctrl-C ends a job whose sink is blocked on a full pipe, within the grace period",
              proc.returncode == 130 and time.time() - start < 15, f"exit {proc.returncode}")
    except subprocess.TimeoutExpired:
        check("Ctrl-C ends a job whose sink is blocked on a full pipe, within the grace period", False)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()

    proc = subprocess.Popen([eddy, "local", path], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(1.0)
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=20)
        check("SIGTERM cancels the job with exit 143", proc.returncode == 143 and "CANCELED" in err,
              f"exit {proc.returncode}\n{err}")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()

    # Two SIGTERMs in quick succession (as `timeout` or a service manager may send)
    # are one request: the savepoint is taken and the summary printed.
    ck = os.path.join(work, "sigterm-ck")
    twice = os.path.join(work, "twice.yaml")
    with open(twice, "w") as f:
        f.write(f"name: twice\ncheckpoints: {{ interval: 1h, dir: {ck} }}\nsources:\n  - name: gen\n"
                "    type: datagen\n    rows_per_second: 1000\n    fields:\n      id: { kind: sequence }\n"
                "sinks:\n  - { name: out, input: gen, type: print }\n")
    for sig, args, want in ((signal.SIGTERM, ["--savepoint-on-cancel"], 143), (signal.SIGINT, [], 3)):
        proc = subprocess.Popen([eddy, "local", twice, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True)
        try:
            first = proc.stdout.readline()  # a row is out: the job runs
            proc.send_signal(sig)
            # Apart, so the first is handled before the second comes: two of the
            # same signal pending at once are one signal. (A cancel takes longer.)
            time.sleep(0.02)
            proc.send_signal(sig)
            out, err = proc.communicate(timeout=30)
            out = first + out
            if sig == signal.SIGTERM:
                check("two quick SIGTERMs are one request: savepoint, summary, exit 143",
                      proc.returncode == want and "savepoint: " in out and "source records:" in err,
                      f"exit {proc.returncode}\n{out[-500:]}\n{err}")
            else:
                check("a second Ctrl-C stops at once with exit 3", proc.returncode == want and "stopped at once" in err
                      and "source records:" not in err, f"exit {proc.returncode}\n{err}")
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()

    # `eddy local ... | head`: the reader goes, the job ends quietly.
    printing = os.path.join(work, "printing.yaml")
    with open(printing, "w") as f:
        f.write("name: printing\nsources:\n  - name: gen\n    type: datagen\n    fields:\n"
                "      id: { kind: sequence }\nsinks:\n  - { name: out, input: gen, type: print }\n")
    p = subprocess.run(f"'{eddy}' local '{printing}' | head -n 3", shell=True, capture_output=True, text=True,
                       timeout=30)
    check("a print sink piped into head ends quietly", p.stdout.count("\n") == 3 and p.stderr == "",
          p.stdout[-300:] + p.stderr[-1000:])

    # On a terminal the progress line stays out of a print sink's rows.
    slow_print = os.path.join(work, "slow-print.yaml")
    with open(slow_print, "w") as f:
        f.write("name: slow-print\nsources:\n  - name: gen\n    type: datagen\n    rows: 2500\n"
                "    rows_per_second: 1000\n    fields:\n      id: { kind: sequence }\n"
                "sinks:\n  - { name: out, input: gen, type: print }\n")
    master, slave = pty.openpty()
    proc = subprocess.Popen([eddy, "local", slow_print], stdin=subprocess.DEVNULL, stdout=slave, stderr=slave)
    os.close(slave)
    seen = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
    proc.wait(timeout=30)
    os.close(master)
    check("on a terminal no progress line lands among printed rows",
          proc.returncode == 0 and seen.count(b'{"id":') == 2500 and b"\rslow-print: " not in seen
          and b"source records: 2500" in seen, seen[-300:].decode(errors="replace"))

    # A killed RocksDB job's working directory is removed by the next run using the same localdir.
    localdir = os.path.join(work, "local")
    child = subprocess.Popen(["true"])
    child.wait()
    stale = os.path.join(localdir, f"eddy-{child.pid}", "job1-0")
    os.makedirs(stale)
    rocks = os.path.join(work, "rocks.yaml")
    with open(rocks, "w") as f:
        f.write(f"name: rocks\nstate: {{ backend: rocksdb, localdir: {localdir} }}\nsources:\n  - name: gen\n"
                "    type: datagen\n    rows: 1000\n    fields:\n      k: { kind: random, type: int64, min: 1, max: 9 }\n"
                "operators:\n  - name: counts\n    input: gen\n    key_by: [k]\n    aggregate: { n: count(*) }\n"
                "sinks:\n  - { name: out, input: counts, type: blackhole }\n")
    code, out, err = run([eddy, "local", rocks, "-q"])
    check("a killed job's RocksDB directory is removed at the next start; state.localdir is used and cleaned",
          code == 0 and not os.path.exists(os.path.dirname(stale)) and os.listdir(localdir) == [],
          f"exit {code}: {os.listdir(localdir) if os.path.isdir(localdir) else 'no localdir'}\n{err}")

    # A slow stream between two subtasks: rows must show up within the buffer
    # timeout, not wait for a full batch (1024 rows at 50 rows/s would take 20 s).
    slow = os.path.join(work, "slow.yaml")
    with open(slow, "w") as f:
        f.write("name: slow\nexecution: { buffer_timeout: 50ms }\nsources:\n  - name: gen\n    type: datagen\n"
                "    rows_per_second: 50\n    parallelism: 2\n    fields:\n      id: { kind: sequence }\n"
                "sinks:\n  - { name: out, input: gen, type: print, parallelism: 1 }\n")
    proc = subprocess.Popen([eddy, "local", slow], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        start = time.time()
        first = proc.stdout.readline()
        waited = time.time() - start
        check("a slow stream's rows arrive within the buffer timeout, not after a full batch",
              first.startswith(b'{"id":') and waited < 5, f"first line after {waited:.1f}s: {first!r}")
    finally:
        proc.kill()
        proc.wait()

    code, out, err = run([eddy, "local", "configs/quickstart.yaml", "--slots", "1"], cwd=repo)
    check("too few slots is refused before running (exit 2)", code == 2 and "raise --slots" in err, err)
    print(f"cli: {len(failures)} failed")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
