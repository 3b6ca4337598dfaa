#!/usr/bin/env python3
"""Browser tests of eddy's web UI (issue 23): headless Chromium (Debian's
/usr/bin/chromium) driven by playwright-core (npm, pinned in package-lock.json)
through ui_browser.mjs.

    run_ui.py EDDY OUT_DIR             the UI served by `eddy local --web-ui` on a
                                       pipeline with a slow operator and checkpoints
    run_ui.py --fixture OUT_DIR        the UI against fixture_server.py (canned JSON,
                                       incl. 50 vertices at parallelism 16)

Screenshots go to OUT_DIR. Installs node_modules with `npm ci` when missing.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
CHROMIUM = os.environ.get("EDDY_CHROMIUM", "/usr/bin/chromium")

# The slow operator: a regular expression over a 4 KB string per row (RE2 is
# linear, so the cost is steady). Its parallelism differs from the source's, so
# it is a vertex of its own behind a REBALANCE edge, and the unthrottled source
# in front of it is backpressured.
PIPELINE = """\
name: ui-slow-operator
parallelism: 2
execution: { batch_size: 256 }
checkpoints: { interval: 1s, dir: %(dir)s/checkpoints, retain: 2 }
sources:
  - name: clicks
    type: datagen
    seed: 3
    fields:
      id:   { kind: sequence, start: 1, step: 1 }
      user: { kind: random, type: int64, min: 1, max: 1000 }
      page: { kind: choice, values: [home, search, cart, checkout] }
operators:
  - name: pages
    input: clicks
    select: { id: id, user: user, page: page, url: "'https://shop.example/' || page" }
  - name: slow_regex
    input: pages
    parallelism: 1
    filter: "NOT regexp(repeat(url, 150), '(checkout|cart)+zz[0-9]+q')"
sinks:
  - name: out
    input: slow_regex
    type: blackhole
"""


def get_json(url, timeout=3):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return json.loads(r.read())


def ensure_node_modules():
    if os.path.exists(os.path.join(HERE, "node_modules", "playwright-core", "package.json")):
        return
    print("ui: npm ci (playwright-core, pinned by package-lock.json)", flush=True)
    subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=HERE, check=True, timeout=300)


def wait_for(what, fn, timeout):
    """Polls fn() until it returns something true; fails naming `what` and the last answer."""
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        try:
            got = fn()
            if got:
                return got
            last = "not yet"
        except Exception as e:  # the server is still starting
            last = repr(e)
        time.sleep(0.5)
    raise SystemExit("ui: timed out after %ds waiting for %s (last: %s)" % (timeout, what, last))


def browse(base, expect, out_dir):
    cmd = ["node", os.path.join(HERE, "ui_browser.mjs"), base, json.dumps(expect), out_dir]
    print("ui: " + " ".join(cmd[:3]) + " ...", flush=True)
    return subprocess.run(cmd, cwd=HERE, timeout=240).returncode


def run_fixture(out_dir):
    srv = subprocess.Popen([sys.executable, os.path.join(HERE, "fixture_server.py"), "--port", "0",
                            "--web", os.path.join(ROOT, "web")], stdout=subprocess.PIPE, text=True)
    try:
        base = srv.stdout.readline().split()[-1]  # "fixture on http://127.0.0.1:PORT"
        wait_for("the fixture server", lambda: get_json(base + "/overview"), 20)
        jobs = get_json(base + "/jobs/overview")["jobs"]
        small = next(j["jid"] for j in jobs if j["name"] == "slow-regex")
        big = next(j["jid"] for j in jobs if j["name"] == "fifty-operators")
        return browse(base, {"job": small, "bottleneck": "regexp", "sample_vertex": "source: bids",
                             "big_job": big, "big_nodes": 50, "big_parallelism": 16, "name": "fixture"}, out_dir)
    finally:
        srv.terminate()
        srv.wait(10)


def run_eddy(eddy, out_dir):
    work = tempfile.mkdtemp(prefix="eddy-ui-")
    pipeline = os.path.join(work, "slow.yaml")
    with open(pipeline, "w") as f:
        f.write(PIPELINE % {"dir": work})
    log = open(os.path.join(work, "eddy.log"), "w+")
    # Port 0: the kernel picks a free one, and eddy prints it.
    proc = subprocess.Popen([eddy, "local", pipeline, "-q", "--web-ui", "127.0.0.1:0"], cwd=work,
                            stdout=log, stderr=subprocess.STDOUT)
    try:
        def alive():
            if proc.poll() is not None:
                raise SystemExit("ui: eddy exited with %s:\n%s" % (proc.returncode, open(log.name).read()[-3000:]))
            return True

        def announced():
            log.seek(0)
            m = alive() and re.search(r"web UI and REST API on (http://127\.0\.0\.1:\d+)", log.read())
            return m and m.group(1)
        base = wait_for("eddy's --web-ui line", announced, 30)

        def running_job():
            alive()
            jobs = [j for j in get_json(base + "/jobs/overview")["jobs"] if j["state"] == "RUNNING"]
            return jobs[0]["jid"] if jobs else None
        jid = wait_for("a RUNNING job at " + base, running_job, 60)
        # The diagnosis needs a few metric intervals before it names a bottleneck,
        # and the checkpoints view needs a completed checkpoint: wait on the REST
        # API so the browser's own timeouts only measure the UI.
        health = wait_for("/health to name a bottleneck",
                          lambda: get_json(base + "/jobs/%s/health" % jid).get("bottleneck"), 60)
        print("ui: /health names %r" % health.get("name"), flush=True)
        wait_for("a completed checkpoint",
                 lambda: get_json(base + "/jobs/%s/checkpoints" % jid)["counts"].get("completed", 0) > 0, 60)
        return browse(base, {"job": jid, "bottleneck": "slow_regex", "sample_vertex": "clicks", "name": "eddy"},
                      out_dir)
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
        shutil.rmtree(work, ignore_errors=True)


def main():
    args = sys.argv[1:]
    if len(args) != 2:
        raise SystemExit(__doc__)
    if not os.access(CHROMIUM, os.X_OK):
        raise SystemExit("ui: no %s: scripts/install-deps.sh installs Debian's chromium" % CHROMIUM)
    ensure_node_modules()
    out_dir = os.path.abspath(args[1])
    os.makedirs(out_dir, exist_ok=True)
    rc = run_fixture(out_dir) if args[0] == "--fixture" else run_eddy(os.path.abspath(args[0]), out_dir)
    sys.exit(rc)


if __name__ == "__main__":
    main()
