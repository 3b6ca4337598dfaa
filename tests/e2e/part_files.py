"""Reading a file sink's output in e2e tests (shared by the exactly-once and
cluster tests)."""
import glob
import os


def committed_csv_rows(outdir):
    """The data rows of every committed (visible) part file, sorted. Each part
    file has its own CSV header, and how many part files there are depends on
    checkpoint timing, so headers are dropped."""
    rows = []
    for part in glob.glob(os.path.join(outdir, "part-*")):
        with open(part) as f:
            lines = f.read().splitlines()
        rows.extend(line for line in lines[1:] if line)
    return sorted(rows)
