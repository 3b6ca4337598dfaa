#!/usr/bin/env python3
"""The monitor end to end (docs/monitoring.md, "Diagnosis" and "Rules and events").

1. Skew: datagen rows into a keyed aggregation at parallelism 4, 90 % of the
   first 4 s on one key, then spread evenly for 6 s. A webhook (an HTTP server
   on 127.0.0.1 here) receives the TASK_MANAGER_OPERATOR_DATA_SKEW event naming
   the aggregation, its hot subtask and key group, and its resolution once the
   keys spread, while the job still runs.
2. Bottleneck: two sources into a print sink whose stdout this test reads
   slowly. The webhook receives BACKPRESSURE_HIGH for the sources, and the
   summary's health line names the sink as the bottleneck.
3. Savepoint: a rule of the file with a savepoint action makes the job take one.
"""
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

TIMEOUT_S = 120


class Hook:
    """A webhook on a free loopback port, keeping every event POSTed to it."""

    def __init__(self):
        events, lock = self.events, self.lock = [], threading.Lock()

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with lock:
                    events.append(json.loads(body))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def find(self, rule, state, deadline):
        """The first event of `rule` in `state`, looking until `deadline` (at least once)."""
        while True:
            with self.lock:
                for e in self.events:
                    if e["rule"] == rule and e["state"] == state:
                        return e
            if time.time() >= deadline:
                return None
            time.sleep(0.1)

    def close(self):
        self.server.shutdown()


def write(work, name, text):
    path = os.path.join(work, name)
    with open(path, "w") as f:
        f.write(text)
    return path


def fail(msg, stderr=""):
    print(f"FAIL: {msg}\n{stderr}")
    sys.exit(1)


def skew(eddy, work):
    hook = Hook()
    # 15,000 rows a second: rows 0..59,999 (4 s) are 90 % key 7, the rest spread over 1,000 keys.
    path = write(work, "skew.yaml", f"""
name: monitor-skew
sources:
  - name: gen
    type: datagen
    rows: 150000
    rows_per_second: 15000
    seed: 5
    fields:
      id: {{ kind: sequence, start: 0, step: 1 }}
      u: {{ kind: random, type: int64, min: 1, max: 1000 }}
operators:
  - {{ name: keyed, input: gen, select: {{ k: "CASE WHEN id < 60000 AND id % 10 < 9 THEN 7 ELSE u END" }} }}
  - {{ name: counts, input: keyed, key_by: [k], parallelism: 4, aggregate: {{ n: count(*) }} }}
sinks:
  - {{ name: out, input: counts, type: blackhole }}
monitor:
  webhook: {hook.url}
  builtin:
    TASK_MANAGER_OPERATOR_DATA_SKEW: {{ for: 2s, clear: 1s }}
""")
    proc = subprocess.run([eddy, "local", path], capture_output=True, text=True, timeout=TIMEOUT_S)
    if proc.returncode != 0:
        fail("the skew job failed", proc.stderr)
    deadline = time.time() + 10
    opened = hook.find("TASK_MANAGER_OPERATOR_DATA_SKEW", "open", deadline)
    resolved = hook.find("TASK_MANAGER_OPERATOR_DATA_SKEW", "resolved", deadline)
    hook.close()
    if not opened or not resolved:
        fail(f"skew events: opened {opened}, resolved {resolved}; all: {hook.events}", proc.stderr)
    if opened["vertex-name"] != "counts" or not isinstance(opened["subtask"], int):
        fail(f"the skew event names {opened['vertex-name']} subtask {opened['subtask']}")
    if "key groups" not in opened["message"] or opened["level"] != "WARN":
        fail(f"the skew event says {opened}")
    if resolved["id"] != opened["id"] or "the job ended" in resolved["message"]:
        fail(f"the resolution {resolved} is not {opened}'s, resolved while the job ran")
    if "TASK_MANAGER_OPERATOR_DATA_SKEW opened" not in proc.stderr:
        fail("the log action wrote nothing", proc.stderr)
    print(f"skew: {opened['message']}; resolved at {resolved['resolved']}, while the job ran")


def bottleneck(eddy, work):
    hook = Hook()
    path = write(work, "slow.yaml", f"""
name: monitor-slow
parallelism: 2
sources:
  - name: gen
    type: datagen
    rows: 50000000
    fields:
      id: {{ kind: sequence, start: 0, step: 1 }}
sinks:
  - {{ name: out, input: gen, type: print, format: csv, parallelism: 1 }}
monitor:
  webhook: {hook.url}
  builtin:
    BACKPRESSURE_HIGH: {{ for: 2s }}
""")
    proc = subprocess.Popen([eddy, "local", path], stdout=subprocess.PIPE, stderr=subprocess.PIPE, bufsize=0)
    deadline = time.time() + 30
    event = None
    while time.time() < deadline and not event:  # a slow reader: 4 KiB every 20 ms
        proc.stdout.read(4096)
        time.sleep(0.02)
        event = hook.find("BACKPRESSURE_HIGH", "open", 0)
    time.sleep(1.5)  # one more interval diagnosed while slow (the summary shows the last)
    proc.send_signal(signal.SIGINT)
    threading.Thread(target=lambda: proc.stdout.read(), daemon=True).start()  # drain fast now
    try:
        stderr = proc.stderr.read().decode()
        proc.wait(timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        proc.kill()
        fail("the slow job did not stop after Ctrl-C")
    hook.close()
    if not event or event["vertex-name"] != "gen":
        fail(f"backpressure event {event}; all: {hook.events}", stderr)
    health = [l for l in stderr.splitlines() if l.startswith("bottleneck:")]
    if not health or not health[0].startswith("bottleneck: out (subtask 0"):
        fail(f"the summary's health line is {health}", stderr)
    print(f"backpressure: {event['message']}; {health[0]}")


def savepoint(eddy, work):
    """A rule of the file whose action is a savepoint: the job takes one."""
    ck = os.path.join(work, "ck")
    path = write(work, "savepoint.yaml", f"""
name: monitor-savepoint
checkpoints: {{ interval: 1h, dir: {ck} }}
sources:
  - name: gen
    type: datagen
    rows: 100000
    rows_per_second: 20000
    fields: {{ id: {{ kind: sequence }} }}
sinks:
  - {{ name: out, input: gen, type: blackhole }}
monitor:
  rules:
    - name: running
      metric: idleTimeMsPerSecond
      vertex: gen
      condition: ">= 0"
      level: INFO
      actions: [log, savepoint]
""")
    proc = subprocess.run([eddy, "local", path], capture_output=True, text=True, timeout=TIMEOUT_S)
    if proc.returncode != 0 or "[INFO] running opened" not in proc.stderr:
        fail("the savepoint rule did not open", proc.stderr)
    if "the monitor's savepoint is at" not in proc.stderr or not os.path.isdir(os.path.join(ck, "savepoints")):
        fail("the monitor took no savepoint", proc.stderr)
    print("savepoint: taken")


def main():
    eddy = sys.argv[1]
    work = tempfile.mkdtemp(prefix="eddy-monitor-")
    skew(eddy, work)
    bottleneck(eddy, work)
    savepoint(eddy, work)
    print("PASS")


if __name__ == "__main__":
    main()
