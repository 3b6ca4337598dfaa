#!/usr/bin/env python3
"""Which records are late, with several splits (docs/windows.md, "Which records are
late, and when that is deterministic"): a directory of files, or a file cut by
split_size, read at parallelism 2 and more, must give the same late records on every
run, and the ones a model of the rule predicts:

  - splits are dealt round robin in the order they are listed: split k goes to source
    subtask k % p, which reads its splits one after the other, each front to back in
    batches of batch_size records;
  - a source subtask's watermark after a batch is the most it has been: the max event
    time of the split being read minus max_out_of_orderness (watermarks never go back,
    so what earlier splits of the subtask reached carries over);
  - a record is late when its window's end + allowed_lateness <= the watermark of the
    subtask that read it, as it stood before the record's batch.

One scenario has allowed_lateness: windows then fire at their end and late records
within the lateness update them (-U/+U, docs/windows.md "Allowed lateness"); the same
rule with the lateness says which records are late, and the window's changelog, folded,
must count every record that was not.

Each scenario runs `eddy local` RUNS times (and, where a split's subtask does not
matter, with the files' names swapped, which deals them the other way round).

Usage: lateness_splits.py EDDY
Each run is bounded by a timeout; processes are started and killed by pid."""
import glob
import os
import random
import shutil
import subprocess
import sys
import tempfile

TIMEOUT_S = 120
RUNS = 5
BATCH = 16
OOO_MS = 1000
WINDOW_MS = 10000
DEFAULT_SPLIT = 64 << 20

PIPELINE = """\
name: lateness-splits
execution:
  batch_size: {batch}
sources:
  - name: files
    type: file
    path: input
    format: csv
    header: true
    split_size: {split_size}
    schema: {{ k: int64, ts: timestamp, raw: int64 }}
    event_time: {{ column: ts, max_out_of_orderness: 1s }}
operators:
  - name: per_key
    input: files
    key_by: [k]
    window: {{ type: tumbling, size: 10s }}
    aggregate: {{ n: count(*) }}
{lateness_line}    late_output: late
sinks:
  - {{ name: out, input: per_key, type: file, path: out, format: csv }}
  - {{ name: late_sink, input: late, type: file, path: out_late, format: csv }}
"""


def make_file(rng, rows, start_ms):
    """CSV text: mostly ascending times (100 ms apart, a little jitter) and every so often
    a record far behind, late within its own file; returns (text, records)."""
    records = []
    t = start_ms
    for i in range(rows):
        t += 100
        ts = t + rng.randint(-300, 300)
        if i > 40 and rng.random() < 0.04:
            ts = t - rng.randint(12, 40) * 1000  # behind its own file's watermark
        records.append((rng.randint(1, 5), ts))
    text = "k,ts,raw\n" + "".join(f"{k},{ts},{ts}\n" for k, ts in records)
    return text, records


def expected_late(subtask_splits, lateness=0):
    """The model: per subtask, its splits' records in reading order -> late (k, ts)."""
    late = []
    for splits in subtask_splits:
        watermark = None
        for records in splits:
            split_max = None
            for b in range(0, len(records), BATCH):
                batch = records[b:b + BATCH]
                for k, ts in batch:
                    end = (ts // WINDOW_MS) * WINDOW_MS + WINDOW_MS
                    if watermark is not None and end + lateness <= watermark:
                        late.append((k, ts))
                high = max(ts for _, ts in batch)
                split_max = high if split_max is None else max(split_max, high)
                w = split_max - OOO_MS
                watermark = w if watermark is None else max(watermark, w)
    return sorted(late)


def cut(records, text, split_size):
    """The record lists of the splits split_size makes of one file (cuts at the first
    record end at least split_size bytes after the previous cut, as the enumerator)."""
    lines = text.splitlines(keepends=True)
    splits, current, begin, pos = [], [], 0, 0
    for i, line in enumerate(lines):
        pos += len(line)
        if i > 0:
            current.append(records[i - 1])
        if pos - begin >= split_size and pos < len(text):
            splits.append(current)
            current, begin = [], pos
    splits.append(current)
    return [s for s in splits if s]


def run(cmd, cwd):
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        out, err = proc.communicate(timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        raise AssertionError(f"{' '.join(cmd)} timed out\n{err.decode()[-2000:]}")
    return proc.returncode, err.decode("utf-8", "replace")


def late_rows(work):
    rows = []
    for part in glob.glob(os.path.join(work, "out_late", "part-*")):
        with open(part, encoding="utf-8") as f:
            lines = f.read().splitlines()[1:]
        for line in lines:
            k, _, raw = line.split(",")  # raw: ts in epoch milliseconds
            rows.append((int(k), int(raw)))
    return sorted(rows)


def counted(work):
    """The sum of n over the window's rows: with allowed_lateness its changelog (op
    first) folded in order. A key's rows are written by one subtask, into its part
    files (part-<tag>-<subtask>-<n>.csv) one after the other."""
    def order(p):
        fields = os.path.basename(p).split(".")[0].split("-")
        return (int(fields[-2]), int(fields[-1]))
    live, header = [], None
    for part in sorted(glob.glob(os.path.join(work, "out", "part-*")), key=order):
        with open(part, encoding="utf-8") as f:
            lines = f.read().splitlines()
        if not lines:
            continue
        header = lines[0].split(",")
        for line in lines[1:]:
            cells = line.split(",")
            if header[0] != "op":
                live.append(cells)
            elif cells[0] in ("+I", "+U"):
                live.append(cells[1:])
            else:
                live.remove(cells[1:])  # ValueError when it takes back a row never written
    if header is None:
        return 0
    n = header.index("n") - (1 if header[0] == "op" else 0)
    return sum(int(r[n]) for r in live)


def run_scenario(eddy, name, files, parallelism, split_size, expected, lateness=0):
    """Runs the files RUNS times; every run must give exactly `expected`, and the
    window must count every other record."""
    records = sum(len(t.splitlines()) - 1 for t in files.values())
    failures = 0
    seen = []
    for attempt in range(RUNS):
        work = tempfile.mkdtemp(prefix="eddy-lateness-")
        try:
            os.makedirs(os.path.join(work, "input"))
            for fname, text in files.items():
                with open(os.path.join(work, "input", fname), "w", encoding="utf-8") as f:
                    f.write(text)
            with open(os.path.join(work, "pipeline.yaml"), "w", encoding="utf-8") as f:
                lateness_line = f"    allowed_lateness: {lateness}ms\n" if lateness else ""
                f.write(PIPELINE.format(batch=BATCH, split_size=split_size, lateness_line=lateness_line))
            code, err = run([eddy, "local", "pipeline.yaml", "-p", str(parallelism)], work)
            if code != 0:
                print(f"[lateness] {name} run {attempt}: exit {code}\n{err[-2000:]}")
                failures += 1
                continue
            got = late_rows(work)
            seen.append(len(got))
            if got != expected:
                missing = sorted(set(expected) - set(got))[:5]
                extra = sorted(set(got) - set(expected))[:5]
                print(f"[lateness] {name} run {attempt}: {len(got)} late records, expected "
                      f"{len(expected)}; missing {missing} extra {extra}")
                failures += 1
            n = counted(work)
            if n != records - len(got):
                print(f"[lateness] {name} run {attempt}: the windows count {n} records, expected "
                      f"{records - len(got)}")
                failures += 1
        finally:
            shutil.rmtree(work, ignore_errors=True)
    print(f"[lateness] {name} -p {parallelism}: {'ok' if not failures else 'FAILED'} "
          f"({len(expected)} late expected, runs saw {seen})", flush=True)
    return failures


def main():
    eddy = os.path.abspath(sys.argv[1])
    rng = random.Random(19)
    failures = 0
    a_text, a = make_file(rng, 600, 100000)
    b_text, b = make_file(rng, 600, 100000)
    c_text, c = make_file(rng, 600, 130000)
    d_text, d = make_file(rng, 600, 110000)
    e_text, e = make_file(rng, 3000, 100000)

    # One file per subtask: which subtask reads which file does not matter.
    two = expected_late([[a], [b]])
    assert two, "the data must have late records"
    failures += run_scenario(eddy, "two files", {"a.csv": a_text, "b.csv": b_text}, 2, DEFAULT_SPLIT, two)
    failures += run_scenario(eddy, "two files, names swapped", {"a.csv": b_text, "b.csv": a_text}, 2,
                             DEFAULT_SPLIT, two)
    # Two files per subtask, one after the other: subtask 0 reads a then c, 1 reads b then d.
    four = expected_late([[a, c], [b, d]])
    failures += run_scenario(eddy, "four files", {"a.csv": a_text, "b.csv": b_text, "c.csv": c_text,
                                                  "d.csv": d_text}, 2, DEFAULT_SPLIT, four)
    # The same with allowed_lateness 5s: fewer records are late, the rest update windows.
    lenient = expected_late([[a, c], [b, d]], lateness=5000)
    assert len(lenient) < len(four)
    failures += run_scenario(eddy, "four files, allowed_lateness 5s", {"a.csv": a_text, "b.csv": b_text,
                                                                        "c.csv": c_text, "d.csv": d_text},
                             2, DEFAULT_SPLIT, lenient, lateness=5000)
    # One file cut into splits by split_size, dealt round robin to 3 subtasks.
    splits = cut(e, e_text, 4096)
    assert len(splits) >= 8, len(splits)
    dealt = [[s for i, s in enumerate(splits) if i % 3 == j] for j in range(3)]
    failures += run_scenario(eddy, "split_size", {"e.csv": e_text}, 3, 4096, expected_late(dealt))
    if failures:
        print(f"[lateness] {failures} failure(s)")
        sys.exit(1)
    print("[lateness] all scenarios ok")


if __name__ == "__main__":
    main()
