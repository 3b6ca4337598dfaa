"""Running one pipeline three ways, as Arroyo's tests do (issue 20, item 5):

  straight   at the given parallelism, undisturbed;
  failure    with checkpoints every 100 ms and an injected subtask failure
             (--inject-failure) halfway: the job restarts from its last
             checkpoint and must still write each row once;
  savepoint  stopped with a savepoint at parallelism 2 (--savepoint-on-cancel
             and Ctrl-C) once it began checkpointing, then restored at
             another parallelism (--from-savepoint), writing on into the same
             output folders.

Pipelines are dicts (a parsed pipeline file); the caller makes them long
enough to checkpoint mid-run. Outputs are read from committed part files and
folded (changelog op first or last: +I/+U add a row, -U/-D retract it), so
the order rows arrive in does not matter. Processes are bounded in time and
killed by pid. Shared by tests/e2e/run_e2e.py (cases) and run_nexmark.py."""
import collections
import glob
import json
import os
import re
import shutil
import signal
import subprocess
import time

import yaml

RUN_TIMEOUT_S = 120
CHECKPOINT_INTERVAL = "100ms"
STOP_TIMEOUT_S = 20  # from Ctrl-C to the end of a stop with a savepoint
ATTEMPTS = 3         # of a disturbed run that missed its moment on a busy machine (see failure, savepoint)
FINISHED_FIRST = "the job finished before the savepoint was taken"  # eddy's line when Ctrl-C came too late
# Ctrl-C that came before the process installed its handler (a loaded machine had
# not yet run eddy's main) kills it by the signal's default action: nothing ran.
STOPPED_BEFORE_START = "Ctrl-C came before eddy listened for it (killed by SIGINT)"


class PipelineLoader(yaml.SafeLoader):
    """YAML with only true/false as booleans, as eddy reads pipeline files: a
    join's `on:` stays the key "on" (YAML 1.1 would make it True)."""


PipelineLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}
PipelineLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))


class SqlScript:
    """A SQL script (docs/sql.md) run the three ways as pipeline dicts are:
    `text` is the whole script, init statements included."""

    def __init__(self, text):
        self.text = text

    def with_sets(self, options):
        sets = "".join(f"SET '{k}' = '{v}';\n" for k, v in options.items())
        return SqlScript(sets + self.text)


def load_pipeline(path):
    """A pipeline file as a dict (PipelineLoader)."""
    with open(path, encoding="utf-8") as f:
        return yaml.load(f, Loader=PipelineLoader)


def write_pipeline(work, name, pipeline):
    if isinstance(pipeline, SqlScript):
        path = os.path.join(work, name + ".sql")
        with open(path, "w") as f:
            f.write(pipeline.text)
        return path
    path = os.path.join(work, name + ".yaml")
    with open(path, "w") as f:
        yaml.safe_dump(pipeline, f, sort_keys=False, allow_unicode=True)
    return path


def run(cmd, cwd, timeout=RUN_TIMEOUT_S):
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        return -1, out, err + f"\n(killed: no end after {timeout} s)"
    return proc.returncode, out, err


def with_checkpoints(pipeline, ckdir):
    if isinstance(pipeline, SqlScript):
        return pipeline.with_sets({
            "execution.checkpointing.interval": CHECKPOINT_INTERVAL, "execution.checkpointing.dir": ckdir,
            "execution.checkpointing.num-retained": "2", "restart-strategy.type": "fixed-delay",
            "restart-strategy.fixed-delay.attempts": "3", "restart-strategy.fixed-delay.delay": "100ms"})
    p = dict(pipeline)
    p["checkpoints"] = {"interval": CHECKPOINT_INTERVAL, "dir": ckdir, "retain": 2}
    p["restart"] = {"attempts": 3, "delay": "100ms"}
    return p


def normalize(v):
    if isinstance(v, float):
        if v.is_integer() and abs(v) < 2**53:
            return int(v)
        return float(f"{v:.10g}")
    return v


def row_key(row):
    """A row as a hashable, comparable value (floats to 10 significant digits)."""
    return tuple(sorted((k, normalize(v)) for k, v in row.items()))


def fold(rows):
    """The final state of a stream: an append-only stream is its rows; an
    updating one (column `op`) adds +I/+U rows and retracts -U/-D rows.
    Returns (Counter of row keys, problems)."""
    state = collections.Counter()
    for r in rows:
        r = dict(r)
        op = r.pop("op", "+I")
        if op in ("+I", "+U"):
            state[row_key(r)] += 1
        elif op in ("-U", "-D"):
            state[row_key(r)] -= 1
        else:
            return state, [f"a row with op {op!r}: {r}"]
    negative = [k for k, n in state.items() if n < 0]
    problems = [f"{len(negative)} rows retracted more often than added, e.g. {dict(negative[0])}"] if negative else []
    return +state, problems


def read_jsonl_parts(folder):
    """Rows of the committed (visible) part files under `folder`, oldest file
    first: a restored run's files follow those of the run before it."""
    rows = []
    parts = glob.glob(os.path.join(folder, "**", "part-*"), recursive=True)
    for part in sorted(parts, key=lambda p: (os.path.getmtime(p), p)):
        with open(part, encoding="utf-8") as f:
            rows.extend(json.loads(line) for line in f if line.strip())
    return rows


def diff_text(got, want):
    missing = list((want - got).elements())
    extra = list((got - want).elements())
    return (f"{sum(got.values())} rows vs {sum(want.values())} expected: {len(missing)} missing, e.g. "
            f"{[dict(r) for r in missing[:2]]}; {len(extra)} unexpected, e.g. {[dict(r) for r in extra[:2]]}")


def counts_from(stderr):
    """(completed checkpoints, restarts) from eddy's summary, or (0, 0)."""
    m = re.search(r"checkpoints: (\d+) completed, \d+ failed, (\d+) restarts", stderr)
    return (int(m.group(1)), int(m.group(2))) if m else (0, 0)


def straight(eddy, work, pipeline, parallelism):
    """Runs undisturbed; returns (exit code, stdout, stderr)."""
    path = write_pipeline(work, "straight", pipeline)
    return run([eddy, "local", path, "-p", str(parallelism)], cwd=work)


def failure(eddy, work, pipeline, node, records, parallelism=2):
    """Runs with checkpoints and a failure injected into whichever subtask of
    `node` first takes in `records` records (only one fires: the others were
    for the first attempt). Returns a list of problems (empty: it restarted
    once, took a checkpoint, and finished). A run so slowed by a busy machine
    that it completed no checkpoint at all is tried again from scratch, said aloud."""
    path = write_pipeline(work, "failure", with_checkpoints(pipeline, "ck-failure"))
    faults = [a for i in range(parallelism) for a in ("--inject-failure", f"{node}:{i}:{records}")]
    fault = f"{node}:*:{records}"
    for attempt in range(1, ATTEMPTS + 1):
        for folder in ("out", "ck-failure"):
            shutil.rmtree(os.path.join(work, folder), ignore_errors=True)
        code, _, err = run([eddy, "local", path, "-p", str(parallelism)] + faults, cwd=work)
        completed, restarts = counts_from(err)
        if code != 0:
            return [f"exit {code} with the injected failure {fault}:\n{err[-2500:]}"]
        if restarts != 1:
            return [f"{restarts} restarts after injecting {fault}, expected 1 (is the input too short?)"]
        if completed >= 1:
            return []
        print(f"WARNING: {work}: no checkpoint completed around the injected failure, attempt {attempt}; "
              "trying again", flush=True)
    return ["no checkpoint completed: the restart could not restore one (input too short?)"]


def await_checkpoint(proc, ckdir, limit_s):
    """Waits until the job began its first checkpoint (so it is running, its
    sources reading), the process ends, or `limit_s` pass."""
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline and proc.poll() is None:
        if glob.glob(os.path.join(ckdir, "chk-*")):
            return
        time.sleep(0.01)


def stop_with_savepoint(eddy, work, path, parallelism, delay_s=None):
    """Starts the job and stops it with a savepoint once it began checkpointing
    (so it is under way), or `delay_s` after the start. Returns (savepoint path
    or None, problem); the job finishing first is the problem FINISHED_FIRST
    (exit 0, said by eddy)."""
    proc = subprocess.Popen([eddy, "local", path, "-q", "-p", str(parallelism), "--savepoint-on-cancel"],
                            cwd=work, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    if delay_s is None:
        await_checkpoint(proc, os.path.join(work, "ck-savepoint"), 30)
    else:
        try:
            proc.wait(timeout=delay_s)
        except subprocess.TimeoutExpired:
            pass
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGINT)
    try:
        out, err = proc.communicate(timeout=STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        _, err = proc.communicate()
        return None, f"the job did not stop within {STOP_TIMEOUT_S} s of Ctrl-C (--savepoint-on-cancel):\n{err[-2500:]}"
    m = re.search(r"savepoint: (\S+)", out)
    if proc.returncode == -signal.SIGINT:
        return None, STOPPED_BEFORE_START
    if proc.returncode == 0:
        if FINISHED_FIRST not in err and "stopping job" in err:  # it heard Ctrl-C, so it must say why no savepoint
            return None, f"{FINISHED_FIRST}, but eddy did not say so:\n{err[-2500:]}"
        return None, FINISHED_FIRST
    if proc.returncode != 130 or not m:
        return None, f"Ctrl-C did not stop the job with a savepoint (exit {proc.returncode}):\n{err[-2500:]}"
    return m.group(1), ""


def savepoint(eddy, work, pipeline, restore_parallelism, parallelism=2):
    """Stops the job with a savepoint, then restores it at `restore_parallelism`
    into the same output folders. Returns problems. A stop that came too late
    (the job finished first: a busy machine read the input before the first
    checkpoint) is tried again from scratch, said aloud; any other outcome,
    a stop that does not end above all, is a problem at once."""
    path = write_pipeline(work, "savepoint", with_checkpoints(pipeline, "ck-savepoint"))
    for attempt in range(1, ATTEMPTS + 1):
        for folder in ("out", "ck-savepoint"):  # a missed attempt's committed output must not count
            shutil.rmtree(os.path.join(work, folder), ignore_errors=True)
        taken, problem = stop_with_savepoint(eddy, work, path, parallelism)
        if taken:
            break
        if problem != FINISHED_FIRST or attempt == ATTEMPTS:
            return [f"{problem} (attempt {attempt} of {ATTEMPTS})"]
        print(f"WARNING: {work}: stop with a savepoint, attempt {attempt}: {problem.splitlines()[0]}; "
              "trying again", flush=True)
    restored = write_pipeline(work, "restored", with_checkpoints(pipeline, "ck-restored"))
    code, _, err = run([eddy, "local", restored, "-q", "-p", str(restore_parallelism), "--from-savepoint",
                        taken], cwd=work)
    if code != 0:
        return [f"restoring the savepoint at -p {restore_parallelism} failed (exit {code}):\n{err[-2500:]}"]
    return []
