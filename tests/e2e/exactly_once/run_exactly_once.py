#!/usr/bin/env python3
"""Exactly-once end to end: a bounded job with event-time windows and a file
sink, disturbed in every way issue 4 names, must write exactly the rows of an
undisturbed run -- none lost, none duplicated.

  kill     SIGKILL the process at random points (at least 5 times), resume each
           time with --resume, then let it finish.
  inject   subtask failures injected with --inject-failure; the job master
           restarts from the last checkpoint (restart: attempts/delay).
  rescale  stop with a savepoint at parallelism 2 (--savepoint-on-cancel and
           SIGINT), restore it at parallelism 1 and 4.
  corrupt  damage the newest checkpoint; --resume falls back to the one before.
  early    SIGKILL before the first checkpoint completes: --resume starts the
           same run over, replacing what it had written (no duplicate, no
           in-progress file left).
  unverifiable  damage every retained checkpoint: --resume refuses (exit 2),
           naming each, and deletes nothing; a fresh run that then fails
           leaves the earlier run's committed output and checkpoints intact.
  snapshots  watch the process while it checkpoints: heap state is packed by a
           forked child (named eddy-snapshot) on heap, by no child on
           heap-thread (state.heap_snapshots: thread) or rocksdb.

Each mode runs on the heap and the rocksdb backend, and on heap with
state.heap_snapshots: thread (heap-thread). The windows slide, so a slice
outlives the first windows that fire it. Usage:
  run_exactly_once.py EDDY [--modes kill,inject,rescale,corrupt,early,unverifiable,snapshots]
                           [--backends heap,rocksdb,heap-thread]
                           [--kills N] [--rows N] [--seed S]
Processes are started on their own, bounded in time and killed by pid."""

import argparse
import glob
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from part_files import committed_csv_rows  # noqa: E402

PIPELINE = """\
name: exactly-once
parallelism: {parallelism}
checkpoints:
  interval: {interval}
  dir: {ckdir}
  retain: 2
state:
  backend: {state_backend}
  heap_snapshots: {heap_snapshots}
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
      key:    {{ kind: random, type: int64, min: 1, max: 400 }}
      amount: {{ kind: random, type: int64, min: 1, max: 100 }}
      ts:     {{ kind: timestamp, start: "2024-01-01 00:00:00", step: 1ms }}
    event_time:
      column: ts
      max_out_of_orderness: 1s
operators:
  - name: big
    input: events
    filter: "amount > 5"
  - name: totals
    input: big
    key_by: [key]
    window: {{ type: sliding, size: 10s, slide: 5s }}
    aggregate:
      n: count(*)
      total: sum(amount)
sinks:
  - name: out
    input: totals
    type: file
    path: {outdir}
    format: csv
"""

RUN_TIMEOUT = 120  # seconds for any one eddy process


def write_pipeline(work, name, backend, outdir, ckdir, rows, rate, parallelism=2,
                   interval="200ms", attempts=0):
    path = os.path.join(work, name + ".yaml")
    with open(path, "w") as f:
        # "heap-thread": the heap backend with key groups packed in the
        # subtask's thread (what a failed fork falls back to as well).
        state_backend = "heap" if backend == "heap-thread" else backend
        heap_snapshots = "thread" if backend == "heap-thread" else "fork"
        f.write(PIPELINE.format(state_backend=state_backend, heap_snapshots=heap_snapshots, outdir=outdir, ckdir=ckdir, rows=rows, rate=rate,
                                parallelism=parallelism, interval=interval, attempts=attempts))
    return path


def hidden_files(outdir):
    return sorted(os.path.basename(p) for p in glob.glob(os.path.join(outdir, ".part-*")))


def run(cmd, timeout=RUN_TIMEOUT):
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    return p.returncode, p.stdout, p.stderr


def start(cmd):
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)


def finish(proc, timeout=RUN_TIMEOUT):
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        raise RuntimeError("eddy did not finish in %ds:\n%s" % (timeout, err[-3000:]))
    return proc.returncode, out, err


class Check:
    def __init__(self):
        self.failures = []

    def expect(self, ok, what):
        print(("  ok   " if ok else "  FAIL ") + what, flush=True)
        if not ok:
            self.failures.append(what)


def compare(check, label, got, want):
    if got == want:
        check.expect(True, "%s: %d rows, identical to the undisturbed run" % (label, len(got)))
        return
    from collections import Counter
    g, w = Counter(got), Counter(want)
    lost = sum((w - g).values())
    dup = sum((g - w).values())
    check.expect(False, "%s: %d rows vs %d undisturbed: %d lost, %d extra (e.g. %s)" % (
        label, len(got), len(want), lost, dup, list((g - w).elements())[:3] or list((w - g).elements())[:3]))


def reference(eddy, work, backend, rows, rate):
    out = os.path.join(work, "ref-out-" + backend)
    ck = os.path.join(work, "ref-ck-" + backend)
    p = write_pipeline(work, "ref-" + backend, backend, out, ck, rows, rate * 100)
    code, _, err = run([eddy, "local", p, "-q"])
    if code != 0:
        raise RuntimeError("undisturbed run failed (%d):\n%s" % (code, err))
    return committed_csv_rows(out)


def mode_kill(eddy, work, backend, rows, rate, kills, rng, want, check):
    out = os.path.join(work, "kill-out-" + backend)
    ck = os.path.join(work, "kill-ck-" + backend)
    # Slower than the other modes, so the job outlives the kills.
    p = write_pipeline(work, "kill-" + backend, backend, out, ck, rows, rate // 2)
    resumed = []
    killed = 0
    for attempt in range(kills + 20):
        proc = start([eddy, "local", p, "-q", "--resume"])
        if killed < kills:
            time.sleep(rng.uniform(0.4, 1.0))
            if proc.poll() is None:
                os.kill(proc.pid, signal.SIGKILL)
                killed += 1
            code, _, err = finish(proc)
            resumed += re.findall(r"resuming from checkpoint (\d+)", err)
            if code not in (0, -signal.SIGKILL):
                check.expect(False, "kill run %d exited %d: %s" % (attempt, code, err[-2000:]))
                return
            if code == 0:
                break
            continue
        code, _, err = finish(proc)
        resumed += re.findall(r"resuming from checkpoint (\d+)", err)
        check.expect(code == 0, "%s: the last resumed run finished (exit %d)" % (backend, code))
        if code != 0:
            print(err[-3000:])
        break
    check.expect(killed >= kills, "%s: killed with SIGKILL %d times (wanted %d)" % (backend, killed, kills))
    check.expect(len(resumed) >= 2, "%s: resumed from checkpoints %s" % (backend, ", ".join(resumed)))
    compare(check, "%s after %d kills" % (backend, killed), committed_csv_rows(out), want)
    check.expect(not hidden_files(out), "%s: no in-progress files left (%s)" % (backend, hidden_files(out)[:3]))


def mode_inject(eddy, work, backend, rows, rate, want, check):
    out = os.path.join(work, "inject-out-" + backend)
    ck = os.path.join(work, "inject-ck-" + backend)
    p = write_pipeline(work, "inject-" + backend, backend, out, ck, rows, rate, attempts=3)
    n = rows // 4
    code, _, err = run([eddy, "local", p, "--inject-failure", "totals:0:%d" % n,
                        "--inject-failure", "totals:1:%d:1" % (n // 2),
                        "--inject-failure", "events:0:%d:2" % (n // 3)])
    restarts = re.search(r"checkpoints: .*?(\d+) restarts", err)
    check.expect(code == 0, "%s: job with 3 injected failures finished (exit %d)" % (backend, code))
    check.expect(restarts is not None and restarts.group(1) == "3",
                 "%s: summary shows 3 restarts (%s)" % (backend, restarts.group(0) if restarts else "none"))
    if code != 0:
        print(err[-3000:])
    compare(check, "%s with injected failures" % backend, committed_csv_rows(out), want)
    # One failure more than the strategy allows fails the job.
    out2 = os.path.join(work, "inject2-out-" + backend)
    p2 = write_pipeline(work, "inject2-" + backend, backend, out2, ck + "2", rows, rate * 100, attempts=1)
    code, _, err = run([eddy, "local", p2, "-q", "--inject-failure", "totals:0:100",
                        "--inject-failure", "totals:0:100:1"])
    check.expect(code == 1 and "no restart left" in err,
                 "%s: a second failure with attempts: 1 fails the job (exit %d)" % (backend, code))


def mode_rescale(eddy, work, backend, rows, rate, rng, want, check):
    out = os.path.join(work, "rescale-out-" + backend)
    ck = os.path.join(work, "rescale-ck-" + backend)
    p = write_pipeline(work, "rescale-" + backend, backend, out, ck, rows, rate)
    proc = start([eddy, "local", p, "-q", "--savepoint-on-cancel"])
    time.sleep(rng.uniform(0.8, 1.5))
    os.kill(proc.pid, signal.SIGINT)
    code, stdout, err = finish(proc)
    m = re.search(r"savepoint: (\S+)", stdout)
    check.expect(code == 130 and m is not None,
                 "%s: Ctrl-C stopped the job with a savepoint (exit %d, %s)" % (backend, code, m.group(1) if m else err[-500:]))
    if not m:
        return
    savepoint = m.group(1)
    for par in (1, 4):
        out_p = os.path.join(work, "rescale-out-%s-p%d" % (backend, par))
        shutil.copytree(out, out_p)
        p2 = write_pipeline(work, "rescale-%s-p%d" % (backend, par), backend, out_p,
                            os.path.join(work, "rescale-ck-%s-p%d" % (backend, par)), rows, rate * 100,
                            parallelism=par)
        code, _, err = run([eddy, "local", p2, "-q", "--from-savepoint", savepoint])
        check.expect(code == 0, "%s: restored the p2 savepoint at -p %d (exit %d)" % (backend, par, code))
        if code != 0:
            print(err[-3000:])
        compare(check, "%s savepoint p2 -> p%d" % (backend, par), committed_csv_rows(out_p), want)
    # An incompatible pipeline is refused, saying what differs.
    bad = write_pipeline(work, "rescale-bad-" + backend, backend, out + "-bad", ck + "-bad", rows, rate)
    with open(bad) as f:
        text = f.read().replace("name: totals", "name: sums").replace("input: totals", "input: sums")
    with open(bad, "w") as f:
        f.write(text)
    code, _, err = run([eddy, "local", bad, "-q", "--from-savepoint", savepoint])
    check.expect(code == 2 and "totals" in err,
                 "%s: a savepoint with state of an operator the pipeline lacks is refused (exit %d: %s)" % (
                     backend, code, err.strip().splitlines()[-1] if err.strip() else ""))


def mode_corrupt(eddy, work, backend, rows, rate, rng, want, check):
    out = os.path.join(work, "corrupt-out-" + backend)
    ck = os.path.join(work, "corrupt-ck-" + backend)
    p = write_pipeline(work, "corrupt-" + backend, backend, out, ck, rows, rate)
    proc = start([eddy, "local", p, "-q"])
    time.sleep(1.5)
    os.kill(proc.pid, signal.SIGKILL)
    finish(proc)
    chks = sorted(glob.glob(os.path.join(ck, "chk-*", "_metadata")),
                  key=lambda m: int(os.path.basename(os.path.dirname(m))[4:]))
    check.expect(len(chks) >= 2, "%s: two checkpoints retained (%d)" % (backend, len(chks)))
    if len(chks) < 2:
        return
    newest = os.path.dirname(chks[-1])
    states = [f for f in glob.glob(os.path.join(newest, "*.state"))]
    with open(states[0], "r+b") as f:
        f.seek(0)
        b = f.read(1)
        f.seek(0)
        f.write(bytes([b[0] ^ 0xFF]))
    code, _, err = run([eddy, "local", p, "-q", "--resume"])
    check.expect(code == 0, "%s: resumed past a corrupt checkpoint (exit %d)" % (backend, code))
    check.expect("unusable" in err and os.path.basename(newest)[4:] in err,
                 "%s: the corrupt checkpoint was named: %s" % (backend, [l for l in err.splitlines() if "unusable" in l][:1]))
    compare(check, "%s after falling back to the previous checkpoint" % backend, committed_csv_rows(out), want)


def mode_early(eddy, work, backend, rows, rate, want, check):
    out = os.path.join(work, "early-out-" + backend)
    ck = os.path.join(work, "early-ck-" + backend)
    p = write_pipeline(work, "early-" + backend, backend, out, ck, rows, rate, interval="1h")
    proc = start([eddy, "local", p, "-q"])
    deadline = time.time() + 30
    while not hidden_files(out) and time.time() < deadline:
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    finish(proc)
    check.expect(bool(hidden_files(out)) and not glob.glob(os.path.join(ck, "chk-*", "_metadata")),
                 "%s: killed with rows written and no checkpoint completed" % backend)
    code, _, err = run([eddy, "local", p, "-q", "--resume"])
    check.expect(code == 0 and "completed no checkpoint; starting it over" in err,
                 "%s: --resume started the run over (exit %d)" % (backend, code))
    compare(check, "%s after a kill before the first checkpoint" % backend, committed_csv_rows(out), want)
    check.expect(not hidden_files(out), "%s: no in-progress files left (%s)" % (backend, hidden_files(out)))


def tree_files(root):
    """{relative path: bytes} of every file under root."""
    out = {}
    for dirpath, _, files in os.walk(root):
        for name in files:
            path = os.path.join(dirpath, name)
            with open(path, "rb") as f:
                out[os.path.relpath(path, root)] = f.read()
    return out


def mode_unverifiable(eddy, work, backend, rows, rate, rng, want, check):
    out = os.path.join(work, "unverifiable-out-" + backend)
    ck = os.path.join(work, "unverifiable-ck-" + backend)
    p = write_pipeline(work, "unverifiable-" + backend, backend, out, ck, rows, rate)
    proc = start([eddy, "local", p, "-q"])
    time.sleep(1.5)
    os.kill(proc.pid, signal.SIGKILL)
    finish(proc)
    damaged = sorted(os.path.dirname(m) for m in glob.glob(os.path.join(ck, "chk-*", "_metadata")))
    check.expect(len(damaged) >= 1, "%s: checkpoints retained (%d)" % (backend, len(damaged)))
    if not damaged:
        return
    for d in damaged:
        with open(sorted(glob.glob(os.path.join(d, "*.state")))[0], "r+b") as f:
            b = f.read(1)
            f.seek(0)
            f.write(bytes([b[0] ^ 0xFF]))
    ck_before, out_before = tree_files(ck), tree_files(out)
    code, _, err = run([eddy, "local", p, "-q", "--resume"])
    named = all(os.path.basename(d) in err for d in damaged)
    check.expect(code == 2 and "no checkpoint of the last run" in err and named,
                 "%s: --resume refused with every damaged checkpoint named (exit %d): %s" % (
                     backend, code, err.strip().splitlines()[-1:]))
    check.expect(tree_files(ck) == ck_before and tree_files(out) == out_before,
                 "%s: the refused --resume deleted and changed nothing" % backend)
    # A fresh run that fails at once: the earlier run's output and checkpoints stay.
    code, _, err = run([eddy, "local", p, "-q", "--inject-failure", "out:0:1"])
    kept_out = {k: v for k, v in tree_files(out).items() if k in out_before}
    # _run is the one file a fresh run rewrites: where its own checkpoints begin.
    kept_ck = {k: v for k, v in tree_files(ck).items() if k in ck_before and k != "_run"}
    ck_before.pop("_run", None)
    check.expect(code == 1 and kept_out == out_before and kept_ck == ck_before,
                 "%s: a failed fresh run kept all %d earlier output and %d checkpoint files (exit %d)" % (
                     backend, len(out_before), len(ck_before), code))


def snapshot_children(pid):
    """Names of the processes `pid`'s threads have forked and not yet reaped."""
    names = set()
    for children in glob.glob("/proc/%d/task/*/children" % pid):
        try:
            with open(children) as f:
                kids = f.read().split()
            for kid in kids:
                with open("/proc/%s/comm" % kid) as f:
                    names.add(f.read().strip())
        except OSError:
            pass  # a thread or child that just ended
    return names


def mode_snapshots(eddy, work, backend, rows, rate, want, check):
    out = os.path.join(work, "snap-out-" + backend)
    ck = os.path.join(work, "snap-ck-" + backend)
    p = write_pipeline(work, "snap-" + backend, backend, out, ck, rows, rate)
    proc = start([eddy, "local", p, "-q"])
    seen = set()
    while proc.poll() is None:
        seen |= snapshot_children(proc.pid)
        time.sleep(0.0005)
    code, _, err = finish(proc)
    check.expect(code == 0, "%s: the job finished (exit %d)" % (backend, code))
    forked = "eddy-snapshot" in seen
    check.expect(forked == (backend == "heap"),
                 "%s: heap state packed by a forked child: %s (expected %s)" % (backend, forked, backend == "heap"))
    compare(check, "%s while watched" % backend, committed_csv_rows(out), want)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("eddy")
    ap.add_argument("--modes", default="kill,inject,rescale,corrupt,early,unverifiable,snapshots")
    ap.add_argument("--backends", default="heap,rocksdb,heap-thread")
    ap.add_argument("--kills", type=int, default=5)
    ap.add_argument("--rows", type=int, default=300000)
    ap.add_argument("--rate", type=int, default=100000)
    ap.add_argument("--seed", type=int, default=int(time.time()))
    args = ap.parse_args()
    print("seed %d (rerun with --seed %d)" % (args.seed, args.seed))
    rng = random.Random(args.seed)
    check = Check()
    work = tempfile.mkdtemp(prefix="eddy-eo-")
    try:
        for backend in args.backends.split(","):
            want = reference(args.eddy, work, backend, args.rows, args.rate)
            print("%s: undisturbed run wrote %d rows" % (backend, len(want)), flush=True)
            for mode in args.modes.split(","):
                print("[%s %s]" % (mode, backend), flush=True)
                if mode == "kill":
                    mode_kill(args.eddy, work, backend, args.rows, args.rate, args.kills, rng, want, check)
                elif mode == "inject":
                    mode_inject(args.eddy, work, backend, args.rows, args.rate, want, check)
                elif mode == "rescale":
                    mode_rescale(args.eddy, work, backend, args.rows, args.rate, rng, want, check)
                elif mode == "snapshots":
                    mode_snapshots(args.eddy, work, backend, args.rows, args.rate, want, check)
                elif mode == "corrupt":
                    mode_corrupt(args.eddy, work, backend, args.rows, args.rate, rng, want, check)
                elif mode == "early":
                    mode_early(args.eddy, work, backend, args.rows, args.rate, want, check)
                elif mode == "unverifiable":
                    mode_unverifiable(args.eddy, work, backend, args.rows, args.rate, rng, want, check)
    finally:
        if not check.failures:
            shutil.rmtree(work, ignore_errors=True)
        else:
            print("work dir kept: " + work)
    if check.failures:
        print("%d check(s) failed" % len(check.failures))
        return 1
    print("all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
