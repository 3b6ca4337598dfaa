"""What the end-to-end runners share: a checklist that prints as it goes,
running a command with a bound, writing a file, a free port on loopback, and
comparing a disturbed run's rows with an undisturbed one's."""

import os
import socket
import subprocess
from collections import Counter

RUN_TIMEOUT = 120


class Check:
    """Expectations, printed as they are met or not; the runner exits 1 when any failed."""

    def __init__(self):
        self.failures = []

    def expect(self, ok, what):
        print(("  ok   " if ok else "  FAIL ") + what, flush=True)
        if not ok:
            self.failures.append(what)


def run(cmd, env=None, timeout=RUN_TIMEOUT, stdin=None):
    """(exit code, stdout, stderr) of `cmd`, which must end within `timeout` seconds."""
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env, input=stdin)
    return p.returncode, p.stdout, p.stderr


def write(work, name, text):
    path = os.path.join(work, name)
    with open(path, "w") as f:
        f.write(text)
    return path


def free_port():
    """A port on 127.0.0.1 that nothing listens on now."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def compare_rows(check, label, got, want):
    """Rows of a disturbed run against an undisturbed one's, as multisets:
    how many were lost and how many came twice (or were never wanted)."""
    g, w = Counter(map(tuple, got)), Counter(map(tuple, want))
    lost, extra = sum((w - g).values()), sum((g - w).values())
    example = list((g - w).elements())[:3] or list((w - g).elements())[:3]
    check.expect(lost == 0 and extra == 0, "%s: %d rows vs %d undisturbed: %d lost, %d duplicated or extra%s" % (
        label, len(got), len(want), lost, extra, " (e.g. %s)" % example if example else ""))
