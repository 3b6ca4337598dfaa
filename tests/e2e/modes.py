"""Runs an e2e script's modes one after another in a work directory: every mode
is reported (ok, or FAILED with the logs it left), then the script fails if any
did. Used by cluster/run_cluster.py, cluster/rest_test.py and failures.py."""
import os
import shutil
import sys
import tempfile
import time


def run_modes(names, run, prefix, keep=False):
    """Calls run(name, work) for each name; exits 1 when one raised."""
    work = tempfile.mkdtemp(prefix=prefix)
    failed = 0
    try:
        for m in names:
            t0 = time.time()
            try:
                run(m, work)
                print(f"  {m}: ok ({time.time() - t0:.1f}s)", flush=True)
            except Exception as e:  # report every mode, then fail
                failed += 1
                print(f"  {m}: FAILED: {e}")
                for name in sorted(os.listdir(work)):
                    if name.endswith(".log"):
                        print(f"--- {name}\n" + open(os.path.join(work, name)).read()[-3000:])
    finally:
        if keep or failed:
            print(f"work directory kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    sys.exit(1 if failed else 0)
