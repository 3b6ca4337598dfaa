#!/usr/bin/env python3
"""Failures and restarts of `eddy local` end to end (docs/checkpoints.md,
"Recovery and restarts"):

  default     a job with checkpoints and no restart: section restarts an injected
              failure with exponential delay (about 1 s) and finishes; the same job
              with `strategy: none` fails.
  io          a file sink whose directory turns into a file while it writes
              fails with an I/O error, which restarts under the default strategy;
              once the file is gone the job finishes.
  incurable   with checkpoints (so a restart strategy is in force), a malformed
              record under on_error: fail and a division by zero fail the job at
              once, without a restart, saying why.

Usage: failures.py EDDY [--modes default,io,incurable]
"""
import argparse
import os
import re
import shutil
import subprocess
import time

from modes import run_modes

TIMEOUT_S = 120

GENERATED = """name: {name}
parallelism: 2
checkpoints:
  interval: 100ms
  dir: ck
{restart}sources:
  - name: gen
    type: datagen
    rows: 20000
    rows_per_second: 10000
    fields:
      id: {{ kind: sequence, start: 0, step: 1 }}
sinks:
  - {{ name: out, input: gen, type: blackhole }}
"""

FROM_FILE = """name: {name}
checkpoints:
  interval: 100ms
  dir: ck
sources:
  - name: rows
    type: file
    path: input.csv
    format: csv
    header: true
    on_error: fail
    schema: {{ id: int64, qty: int64 }}
operators:
  - name: per_unit
    input: rows
    select: {{ id: id, share: 100 / qty }}
sinks:
  - {{ name: out, input: per_unit, type: blackhole }}
"""


def run(eddy, work, name, text, *args):
    path = os.path.join(work, name + ".yaml")
    with open(path, "w") as f:
        f.write(text)
    started = time.time()
    p = subprocess.run([eddy, "local", path, *args], cwd=work, capture_output=True, text=True, timeout=TIMEOUT_S)
    return p.returncode, p.stderr, time.time() - started


def expect(cond, what, err=""):
    if not cond:
        raise AssertionError(what + ("\n" + err[-3000:] if err else ""))


def mode_default(eddy, work):
    code, err, _ = run(eddy, work, "default", GENERATED.format(name="default", restart=""),
                       "--inject-failure", "gen:0:3000")
    expect(code == 0, f"a checkpointed job without restart: finished after an injected failure (exit {code})", err)
    m = re.search(r"restart 1 \(exponential-delay\) in (\d+(?:\.\d+)?)(ms|s)", err)
    expect(m is not None, "the log names the restart and its strategy", err)
    delay = float(m.group(1)) / (1000 if m.group(2) == "ms" else 1)
    expect(1.0 <= delay <= 1.1, f"the first backoff is 1 s plus up to 10 % jitter, not {delay}s", err)
    expect(re.search(r"checkpoints: .*?1 restarts", err) is not None, "the summary counts 1 restart", err)
    code, err, _ = run(eddy, work, "none", GENERATED.format(name="none", restart="restart: { strategy: none }\n"),
                       "--inject-failure", "gen:0:3000")
    expect(code == 1 and "FAILED" in err and "injected failure" in err and "restart 1" not in err,
           f"strategy: none fails the job at the failure (exit {code})", err)
    print("default: an injected failure restarts after %.2fs (exponential-delay) and the job finishes; "
          "strategy none fails it" % delay)


def mode_io(eddy, work):
    text = GENERATED.format(name="io", restart="").replace(
        "{ name: out, input: gen, type: blackhole }", "{ name: out, input: gen, type: file, path: out, format: csv }")
    path = os.path.join(work, "io.yaml")
    with open(path, "w") as f:
        f.write(text)
    blocker = os.path.join(work, "out")
    p = subprocess.Popen([eddy, "local", path], cwd=work, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    # Once the sink writes, its directory turns into a file: the next part file
    # cannot be created (the pipeline was valid when it was checked).
    deadline = time.time() + 30
    while time.time() < deadline and not (os.path.isdir(blocker) and os.listdir(blocker)):
        time.sleep(0.01)
    shutil.rmtree(blocker, ignore_errors=True)
    with open(blocker, "w") as f:
        f.write("not a directory\n")
    lines = []
    try:
        deadline = time.time() + 30
        while time.time() < deadline:
            line = p.stderr.readline()
            if not line:
                break
            lines.append(line)
            if "restart 1 (exponential-delay)" in line:
                os.remove(blocker)  # the disk is back
                break
        lines.append(p.stderr.read())
        code = p.wait(timeout=TIMEOUT_S)
    finally:
        if p.poll() is None:
            p.kill()
    err = "".join(lines)
    expect(re.search(r"'out' \(subtask [12] of 2\): file sink: cannot (create|list|write)", err) is not None,
           "the I/O error names the sink and what it could not do", err)
    expect(code == 0 and not os.path.isfile(blocker), f"the job finished once the directory could be made (exit {code})", err)
    parts = [n for n in os.listdir(blocker) if n.startswith("part-")]
    expect({n.split("-")[2] for n in parts} == {"0", "1"}, f"both sink subtasks wrote part files ({parts})", err)
    print("io: a sink's I/O error restarted the job, which finished once the directory could be made")


def mode_incurable(eddy, work):
    cases = [("malformed", "id,qty\n1,2\n2,two\n", "a malformed record", "input.csv:3:"),
             ("zero", "id,qty\n1,2\n2,0\n", "an expression error",
              "column 'share' (100 / qty): division by zero, on the record id=2, qty=0, read from input.csv, lines 2-3")]
    for name, data, cure, where in cases:
        with open(os.path.join(work, "input.csv"), "w") as f:
            f.write(data)
        code, err, took = run(eddy, work, name, FROM_FILE.format(name=name))
        expect(code == 1 and "FAILED" in err, f"{name}: the job failed (exit {code})", err)
        expect(f"not restarted: a restart cannot cure {cure}" in err, f"{name}: the failure says why no restart", err)
        expect(where in err, f"{name}: the message says where: {where}", err)
        expect("restart 1" not in err and took < 10, f"{name}: no restart was tried ({took:.1f}s)", err)
    print("incurable: a malformed record and a division by zero fail a checkpointed job at once, naming file and line")


MODES = {"default": mode_default, "io": mode_io, "incurable": mode_incurable}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("eddy")
    ap.add_argument("--modes", default=",".join(MODES))
    args = ap.parse_args()
    eddy = os.path.abspath(args.eddy)
    run_modes(args.modes.split(","), lambda m, work: MODES[m](eddy, work), "eddy-failures-")


if __name__ == "__main__":
    main()
