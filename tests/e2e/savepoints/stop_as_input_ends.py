"""Stop with a savepoint (--savepoint-on-cancel and Ctrl-C) at any moment of a
short job, the input's end included: every stop must end within
STOP_TIMEOUT_S, either with a savepoint that restores (at another
parallelism) to the complete output, or, when the job finished first, with
exit 0, eddy saying so, and the complete output. This loop hung in up to half
of its tries before the job master answered savepoint requests the job's end
left waiting (docs/checkpoints.md, "Stop with a savepoint").

Usage: stop_as_input_ends.py EDDY [TRIES]"""
import json
import os
import shutil
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
import case_ways  # noqa: E402
import three_ways  # noqa: E402

CASES = ("dir_splits", "top_n_keyed")
RESTORE_PARALLELISM = 3


def prepare(case):
    """A work folder with the case's inputs repeated; returns (work, case_dir, spec, pipeline)."""
    case_dir = os.path.join(os.path.dirname(HERE), "cases", case)
    with open(os.path.join(case_dir, "case.json"), encoding="utf-8") as f:
        spec = json.load(f)
    ways = spec.get("three_ways", {})
    pipeline = case_ways.longer_pipeline(three_ways.load_pipeline(os.path.join(case_dir, "pipeline.yaml")))
    work = tempfile.mkdtemp(prefix="eddy-stop-end-")
    for name in os.listdir(case_dir):
        src = os.path.join(case_dir, name)
        (shutil.copytree if os.path.isdir(src) else shutil.copy)(src, os.path.join(work, name))
    case_ways.repeat_inputs(work, pipeline, ways.get("copies", 1), ways.get("shift", {}))
    return work, case_dir, spec, pipeline


def output_problems(work, case_dir, spec):
    ways = spec.get("three_ways", {})
    rows = three_ways.read_jsonl_parts(os.path.join(work, "out"))
    return case_ways.evaluate(case_dir, spec, rows, ways.get("copies", 1),
                              ways.get("shift_expected", ways.get("shift", {})))


def one_stop(eddy, work, case_dir, spec, pipeline, delay_s):
    """One stop `delay_s` after the start: (outcome, problems)."""
    for folder in ("out", "ck-savepoint", "ck-restored"):
        shutil.rmtree(os.path.join(work, folder), ignore_errors=True)
    path = three_ways.write_pipeline(work, "savepoint", three_ways.with_checkpoints(pipeline, "ck-savepoint"))
    taken, problem = three_ways.stop_with_savepoint(eddy, work, path, 2, delay_s=delay_s)
    if problem == three_ways.STOPPED_BEFORE_START:  # not the moment this test is after
        return "too early", []
    if not taken and problem != three_ways.FINISHED_FIRST:
        return "failed", [problem]
    if taken:
        restored = three_ways.write_pipeline(work, "restored", three_ways.with_checkpoints(pipeline, "ck-restored"))
        code, _, err = three_ways.run([eddy, "local", restored, "-q", "-p", str(RESTORE_PARALLELISM),
                                       "--from-savepoint", taken], cwd=work)
        if code != 0:
            return "saved", [f"restoring {taken} failed (exit {code}):\n{err[-2000:]}"]
    return ("saved" if taken else "finished"), output_problems(work, case_dir, spec)


def straight_seconds(eddy, work, pipeline):
    path = three_ways.write_pipeline(work, "straight", pipeline)
    t0 = time.monotonic()
    code, _, err = three_ways.run([eddy, "local", path, "-q", "-p", "2"], cwd=work)
    if code != 0:
        raise RuntimeError(f"the straight run failed (exit {code}): {err[-1000:]}")
    shutil.rmtree(os.path.join(work, "out"), ignore_errors=True)
    return time.monotonic() - t0


def main():
    eddy = os.path.abspath(sys.argv[1])
    tries = int(sys.argv[2]) if len(sys.argv) > 2 else 8
    failed = 0
    for case in CASES:
        work, case_dir, spec, pipeline = prepare(case)
        try:
            total = straight_seconds(eddy, work, pipeline)
            outcomes = {}
            for i in range(tries):
                # Spread the stops over the run and a little past its end.
                delay = total * (0.3 + 1.0 * i / max(1, tries - 1))
                outcome, problems = one_stop(eddy, work, case_dir, spec, pipeline, delay)
                outcomes[outcome] = outcomes.get(outcome, 0) + 1
                if problems:
                    failed += 1
                    print(f"FAIL {case}: stop at {delay:.2f}s ({outcome}): " + "; ".join(problems)[:3000])
            print(f"{case}: run {total:.2f}s straight; {tries} stops: {outcomes}")
        finally:
            shutil.rmtree(work, ignore_errors=True)
    print("OK" if failed == 0 else f"{failed} stops failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
