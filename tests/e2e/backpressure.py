#!/usr/bin/env python3
"""Backpressure: 50 million generated rows (two source subtasks) into one print sink
whose stdout we read slowly at first. Credits must stop the sources: eddy's resident
memory stays under RSS_BOUND_MIB while the reader dawdles, and afterwards every row
arrives exactly once (count and sum of the sequence ids match)."""
import os
import subprocess
import sys
import tempfile
import time

ROWS = 50_000_000
RSS_BOUND_MIB = 64
SLOW_PHASE_S = 8
TIMEOUT_S = 600

PIPELINE = f"""
name: backpressure
parallelism: 2
sources:
  - name: gen
    type: datagen
    rows: {ROWS}
    fields:
      id: {{ kind: sequence, start: 0, step: 1 }}
sinks:
  - name: out
    input: gen
    type: print
    format: csv
    parallelism: 1
"""


def rss_mib(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except FileNotFoundError:
        return 0
    return 0


def main():
    eddy = sys.argv[1]
    work = tempfile.mkdtemp(prefix="eddy-bp-")
    path = os.path.join(work, "backpressure.yaml")
    with open(path, "w") as f:
        f.write(PIPELINE)
    proc = subprocess.Popen([eddy, "local", path, "-q"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, bufsize=0)
    deadline = time.time() + TIMEOUT_S
    try:
        peak = 0.0
        slow_end = time.time() + SLOW_PHASE_S
        chunks = []
        while time.time() < slow_end:  # a slow reader: 4 KiB every 20 ms
            chunks.append(proc.stdout.read(4096))
            peak = max(peak, rss_mib(proc.pid))
            time.sleep(0.02)
        print(f"peak RSS while the reader was slow: {peak:.1f} MiB (bound {RSS_BOUND_MIB} MiB)")
        data = b"".join(chunks)
        cut = data.rfind(b"\n") + 1
        first = [int(x) for x in data[:cut].split() if x.isdigit()]
        count = len(first)
        total = sum(first)
        tail = data[cut:]  # a partial line continues in the next read
        while True:
            if time.time() > deadline:
                raise AssertionError("timed out reading the output")
            block = proc.stdout.read(1 << 20)
            if not block:
                break
            block = tail + block
            cut = block.rfind(b"\n") + 1
            tail = block[cut:]
            nums = [int(x) for x in block[:cut].split() if x.isdigit()]
            count += len(nums)
            total += sum(nums)
        last = [int(x) for x in tail.split() if x.isdigit()]
        count += len(last)
        total += sum(last)
        code = proc.wait(timeout=max(1, deadline - time.time()))
        err = proc.stderr.read().decode()
        print(f"rows received: {count} of {ROWS}; exit {code}")
        ok = code == 0 and count == ROWS and total == ROWS * (ROWS - 1) // 2 and peak < RSS_BOUND_MIB
        if not ok:
            print(err[-3000:])
            print("backpressure: FAILED")
            sys.exit(1)
        print("backpressure: 1 passed, 0 failed")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


if __name__ == "__main__":
    main()
