#!/usr/bin/env python3
"""Savepoints restored into a changed pipeline (issue 19), end to end with
real savepoints: a job with a keyed aggregate and a tumbling window is
stopped with --savepoint-on-cancel (SIGINT), then restored into edited
copies of its pipeline.

  refused   an added aggregate, reordered aggregates, another window size or
            type: exit 2 before anything runs, naming the operator and both
            sides (an added aggregate used to kill the process with SIGILL)
  dropped   a pipeline without the window: refused without
            --allow-non-restored-state; with -n the window's state is skipped
            (a line names it) and the keyed aggregate goes on where it was
  same      the unchanged pipeline restores and its results equal an
            uninterrupted run's (sums continue, they do not restart from 0)
  old       the savepoint's _metadata rewritten as format version 1 (before
            state layouts): the unchanged pipeline restores with a note that
            layouts were not checked; with an added aggregate the job fails,
            naming the operator, without a crash
  rest      the same over a job manager's REST API: POST /jobs?savepoint=...
            refuses a dropped operator (400), allowNonRestoredState=true accepts
            it and lists what was skipped in "notes", another value is a 400

Usage: run_savepoint_changes.py EDDY
Processes are started on their own, bounded in time and killed by pid."""

import glob
import json
import os
import re
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time
import urllib.parse
import zlib

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "cluster"))
from rest_test import call, start_jobmanager  # noqa: E402
from run_cluster import SECRET, Cluster  # noqa: E402

PIPELINE = """\
name: savepoint-changes
parallelism: 2
checkpoints:
  interval: 300ms
  dir: {ckdir}
sources:
  - name: events
    type: datagen
    rows: {rows}
    rows_per_second: {rate}
    seed: 11
    fields:
      key:    {{ kind: random, type: int64, min: 1, max: 50 }}
      amount: {{ kind: random, type: int64, min: 1, max: 100 }}
      ts:     {{ kind: timestamp, start: "2024-01-01 00:00:00", step: 1ms }}
    event_time:
      column: ts
operators:
  - name: totals
    input: events
    key_by: [key]
    aggregate:
{aggregates}
{window}sinks:
  - {{ name: totals_out, input: totals, type: file, path: {outdir}/totals, format: jsonl }}
{window_sink}"""

WINDOW = """\
  - name: per_window
    input: events
    key_by: [key]
    window: {spec}
    aggregate: {{ n: "count(*)", total: sum(amount) }}
"""
WINDOW_SINK = "  - { name: window_out, input: per_window, type: file, path: %s/windows, format: jsonl }\n"

COUNT_SUM = '      n: count(*)\n      total: sum(amount)\n'
TUMBLING_2S = "{ type: tumbling, size: 2s }"
TIMEOUT = 120


def pipeline(work, name, outdir, ckdir, rows, rate, aggregates=COUNT_SUM, window=TUMBLING_2S):
    path = os.path.join(work, name + ".yaml")
    with open(path, "w") as f:
        f.write(PIPELINE.format(ckdir=ckdir, rows=rows, rate=rate, outdir=outdir, aggregates=aggregates,
                                window=WINDOW.format(spec=window) if window else "",
                                window_sink=WINDOW_SINK % outdir if window else ""))
    return path


def run(cmd):
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT)
    return p.returncode, p.stdout, p.stderr


def rows_of(directory):
    out = []
    for part in sorted(glob.glob(os.path.join(directory, "part-*"))):
        with open(part) as f:
            out.extend(json.loads(line) for line in f if line.strip())
    return out


def final_totals(outdir):
    """Per key, the latest changelog row: the one with the largest count."""
    best = {}
    for r in rows_of(os.path.join(outdir, "totals")):
        if r["key"] not in best or r["n"] > best[r["key"]]["n"]:
            best[r["key"]] = r
    return {k: (r["n"], r["total"]) for k, r in best.items()}


def windows(outdir):
    return sorted(json.dumps(r, sort_keys=True) for r in rows_of(os.path.join(outdir, "windows")))


# --- a minimal msgpack codec, for rewriting _metadata as format version 1 ------------

def unpack(b, i=0):
    t = b[i]
    if t <= 0x7f: return t, i + 1
    if t >= 0xe0: return t - 0x100, i + 1
    if 0xa0 <= t <= 0xbf: n = t & 0x1f; return b[i + 1:i + 1 + n].decode(), i + 1 + n
    if 0x90 <= t <= 0x9f: return unpack_items(b, i + 1, t & 0x0f, list)
    if 0x80 <= t <= 0x8f: return unpack_items(b, i + 1, t & 0x0f, dict)
    if t in (0xc2, 0xc3): return t == 0xc3, i + 1
    fixed = {0xcc: ">B", 0xcd: ">H", 0xce: ">I", 0xcf: ">Q", 0xd0: ">b", 0xd1: ">h", 0xd2: ">i", 0xd3: ">q"}
    if t in fixed:
        n = struct.calcsize(fixed[t]); return struct.unpack(fixed[t], b[i + 1:i + 1 + n])[0], i + 1 + n
    sized = {0xd9: (">B", str), 0xda: (">H", str), 0xdb: (">I", str), 0xc4: (">B", bytes), 0xc5: (">H", bytes),
             0xc6: (">I", bytes), 0xdc: (">H", list), 0xdd: (">I", list), 0xde: (">H", dict), 0xdf: (">I", dict)}
    fmt, kind = sized[t]
    w = struct.calcsize(fmt)
    n = struct.unpack(fmt, b[i + 1:i + 1 + w])[0]
    i += 1 + w
    if kind in (list, dict): return unpack_items(b, i, n, kind)
    raw = b[i:i + n]
    return (raw.decode() if kind is str else bytes(raw)), i + n


def unpack_items(b, i, n, kind):
    items = []
    for _ in range(n * (2 if kind is dict else 1)):
        v, i = unpack(b, i)
        items.append(v)
    return (items if kind is list else dict(zip(items[::2], items[1::2]))), i


def pack(v):
    if isinstance(v, bool): return b"\xc3" if v else b"\xc2"
    if isinstance(v, int): return b"\xd3" + struct.pack(">q", v)
    if isinstance(v, str): e = v.encode(); return b"\xdb" + struct.pack(">I", len(e)) + e
    if isinstance(v, bytes): return b"\xc6" + struct.pack(">I", len(v)) + v
    if isinstance(v, list): return b"\xdd" + struct.pack(">I", len(v)) + b"".join(pack(x) for x in v)
    if isinstance(v, dict):
        return b"\xdf" + struct.pack(">I", len(v)) + b"".join(pack(k) + pack(x) for k, x in v.items())
    raise TypeError(type(v))


def rewrite_as_version_1(metadata_path):
    """Drops each operator's state layout (field 5) and frames the body as version 1."""
    data = open(metadata_path, "rb").read()
    magic, version, length, crc = data[:8], *struct.unpack("<IQI", data[8:24])
    assert magic == b"EDDYCKPT" and version == 2, (magic, version)
    body, end = unpack(data, 24)
    assert end == len(data)
    body[6] = [op[:4] for op in body[6]]
    new = pack(body)
    with open(metadata_path, "wb") as f:
        f.write(magic + struct.pack("<IQI", 1, len(new), zlib.crc32(new)) + new)


class Check:
    def __init__(self):
        self.failures = 0

    def expect(self, ok, what, detail=""):
        print(("ok    " if ok else "FAIL  ") + what)
        if not ok:
            self.failures += 1
            if detail:
                print("      " + detail[-2500:].replace("\n", "\n      "))


def take_savepoint(eddy, work, check):
    out, ck = os.path.join(work, "out"), os.path.join(work, "ck")
    p = pipeline(work, "original", out, ck, rows=40000, rate=8000)
    proc = subprocess.Popen([eddy, "local", p, "-q", "--savepoint-on-cancel"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    time.sleep(2.0)
    os.kill(proc.pid, signal.SIGINT)
    try:
        stdout, stderr = proc.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        proc.kill()
        stdout, stderr = proc.communicate()
    m = re.search(r"savepoint: (\S+)", stdout)
    check.expect(proc.returncode == 130 and m is not None,
                 "Ctrl-C stopped the job with a savepoint (exit %d)" % proc.returncode, stderr)
    return (m.group(1) if m else None), out, ck


def expect_refused(eddy, check, p, savepoint, what, needles, extra=()):
    code, _, err = run([eddy, "local", p, "-q", "--from-savepoint", savepoint, *extra])
    missing = [n for n in needles if n not in err]
    check.expect(code == 2 and not missing, "%s is refused before anything runs (exit %d)" % (what, code),
                 err if missing or code != 2 else "")


def main():
    eddy = os.path.abspath(sys.argv[1])
    check = Check()
    work = tempfile.mkdtemp(prefix="eddy-savepoint-changes-")
    try:
        # The reference: the same rows, never interrupted.
        ref_out = os.path.join(work, "ref-out")
        code, _, err = run([eddy, "local", pipeline(work, "reference", ref_out, os.path.join(work, "ref-ck"),
                                                   rows=40000, rate=400000), "-q"])
        check.expect(code == 0, "the uninterrupted reference run finished (exit %d)" % code, err)
        savepoint, out, ck = take_savepoint(eddy, work, check)
        if savepoint is None:
            return 1
        shutil.copytree(out, out + "-saved")  # the output as it was at the savepoint, for each restore
        edits(eddy, work, check, savepoint, ck)
        same_pipeline(eddy, work, check, savepoint, out, ck, ref_out)
        dropped_window(eddy, work, check, savepoint, out, ck, ref_out)
        old_metadata(eddy, work, check, savepoint, out, ck, ref_out)
        over_rest(eddy, work, check, savepoint, ck)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("savepoint changes: %d failed" % check.failures)
    return 1 if check.failures else 0


def edits(eddy, work, check, savepoint, ck):
    out = os.path.join(work, "never-written")
    added = pipeline(work, "added", out, ck, 40000, 400000,
                     aggregates='      n: count(*)\n      hi: max(amount)\n      total: sum(amount)\n')
    expect_refused(eddy, check, added, savepoint, "an added aggregate",
                   ["operator 'totals': the savepoint's aggregates are [n: count(*), total: sum(amount)], the "
                    "pipeline's are [n: count(*), hi: max(amount), total: sum(amount)]"])
    reordered = pipeline(work, "reordered", out, ck, 40000, 400000,
                         aggregates='      total: sum(amount)\n      n: count(*)\n')
    expect_refused(eddy, check, reordered, savepoint, "reordered aggregates",
                   ["the pipeline's are [total: sum(amount), n: count(*)]"])
    longer = pipeline(work, "longer", out, ck, 40000, 400000, window="{ type: tumbling, size: 4s }")
    expect_refused(eddy, check, longer, savepoint, "a longer window",
                   ["operator 'per_window': the savepoint's window is tumbling 2s on event time, the pipeline's "
                    "is tumbling 4s on event time"])
    session = pipeline(work, "session", out, ck, 40000, 400000, window="{ type: session, gap: 2s }")
    expect_refused(eddy, check, session, savepoint, "a session window instead of a tumbling one",
                   ["the pipeline's is session with gap 2s on event time"])
    check.expect(not os.path.exists(out), "nothing was written by the refused runs")


def restore_and_compare(eddy, check, p, savepoint, out, ref_out, what, extra=(), with_windows=True):
    shutil.rmtree(out, ignore_errors=True)
    shutil.copytree(out + "-saved", out)
    code, _, err = run([eddy, "local", p, "-q", "--from-savepoint", savepoint, *extra])
    check.expect(code == 0, "%s restores and finishes (exit %d)" % (what, code), err)
    got, want = final_totals(out), final_totals(ref_out)
    check.expect(got == want, "%s: every key's final count and sum equal the uninterrupted run's (%d keys)" % (
        what, len(want)), "" if got == want else "got %s\nwant %s" % (sorted(got.items())[:5], sorted(want.items())[:5]))
    if with_windows:
        check.expect(windows(out) == windows(ref_out), "%s: the windows equal the uninterrupted run's" % what)
    return err


def same_pipeline(eddy, work, check, savepoint, out, ck, ref_out):
    p = pipeline(work, "same", out, ck, 40000, 400000)
    restore_and_compare(eddy, check, p, savepoint, out, ref_out, "the unchanged pipeline")


def dropped_window(eddy, work, check, savepoint, out, ck, ref_out):
    p = pipeline(work, "no-window", out, ck, 40000, 400000, window=None)
    expect_refused(eddy, check, p, savepoint, "a pipeline without the window",
                   ["the savepoint has state of operator 'per_window', which the pipeline does not have (restore "
                    "with --allow-non-restored-state to drop it)"])
    err = restore_and_compare(eddy, check, p, savepoint, out, ref_out, "without the window, with -n", ["-n"],
                              with_windows=False)
    for node in ("per_window", "window_out"):
        line = "skipping the savepoint's state of operator '%s', which the pipeline does not have" % node
        check.expect(line in err, "-n names the skipped state of '%s'" % node, err)


def old_metadata(eddy, work, check, savepoint, out, ck, ref_out):
    old = savepoint + "-v1"
    shutil.copytree(savepoint, old)
    rewrite_as_version_1(os.path.join(old, "_metadata"))
    p = pipeline(work, "same-old", out, ck, 40000, 400000)
    err = restore_and_compare(eddy, check, p, old, out, ref_out, "a format-1 savepoint into the unchanged pipeline")
    check.expect("does not record the state layout of" in err, "the restore notes that layouts were not checked", err)
    added = pipeline(work, "added-old", out + "-x", ck, 40000, 400000,
                     aggregates='      n: count(*)\n      hi: max(amount)\n      total: sum(amount)\n')
    code, _, err = run([eddy, "local", added, "-q", "--from-savepoint", old])
    check.expect(code == 1 and "operator 'totals' cannot use the state it restored" in err,
                 "a format-1 savepoint into a pipeline with an added aggregate fails the job, naming it, "
                 "without a crash (exit %d)" % code, err)


def over_rest(eddy, work, check, savepoint, ck):
    """A job manager without task managers: submissions are checked and then wait in CREATED."""
    c = Cluster(eddy, work, env={"EDDY_CLUSTER_SECRET": SECRET})
    try:
        jm, port = start_jobmanager(c)
        with open(pipeline(work, "rest", os.path.join(work, "rest-out"), ck, 40000, 400000, window=None)) as f:
            body = f.read().encode()
        path = "/jobs?name=rest.yaml&savepoint=" + urllib.parse.quote(os.path.abspath(savepoint))
        status, _, answer = call(port, "POST", path, body)
        check.expect(status == 400 and "which the pipeline does not have" in answer.get("error", ""),
                     "REST: a dropped operator's state is refused (HTTP %d)" % status, json.dumps(answer))
        status, _, answer = call(port, "POST", path + "&allowNonRestoredState=true", body)
        notes = answer.get("notes", [])
        check.expect(status == 200 and len(answer.get("id", "")) == 16 and
                     any("skipping the savepoint's state of operator 'per_window'" in n for n in notes),
                     "REST: allowNonRestoredState=true accepts it and lists the skipped state in notes (HTTP %d)" % status,
                     json.dumps(answer))
        # Its own checkpoints.dir: the job accepted above waits in CREATED with the first.
        rest_yaml = pipeline(work, "rest-run", os.path.join(work, "rest-out"), ck + "-run", 40000, 400000, window=None)
        code, out, err = run([eddy, "run", rest_yaml, "-m", "127.0.0.1:%d" % port, "--from-savepoint",
                              os.path.abspath(savepoint), "-n"])
        check.expect(code == 0 and "skipping the savepoint's state of operator 'per_window'" in err,
                     "eddy run -n submits it and prints what was skipped (exit %d)" % code, err)
        status, _, answer = call(port, "POST", path + "&allowNonRestoredState=yes", body)
        check.expect(status == 400 and "allowNonRestoredState must be true or false" in answer.get("error", ""),
                     "REST: allowNonRestoredState=yes is a 400 (HTTP %d)" % status, json.dumps(answer))
    finally:
        c.stop_all()


if __name__ == "__main__":
    sys.exit(main())
