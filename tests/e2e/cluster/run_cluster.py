#!/usr/bin/env python3
"""Cluster mode end to end: `eddy jobmanager` and `eddy taskmanager` processes
on 127.0.0.1 (free ports, bounded run times, killed by pid).

Modes (all by default):
  failover  a job manager and two task managers run a p2 job spread over both;
            one task manager is SIGKILLed mid-run and another started; the job
            finishes with output identical to an undisturbed `eddy local` run.
            Also checks the REST API and the client commands, and prints the
            time from the kill to the job running again.
  frozen    a task manager is frozen (SIGSTOP): it is dropped within the
            heartbeat timeout, the job fails over to a new one, and the thawed
            task manager registers again without disturbing the output.
  endings   short jobs polled over REST from several threads as they end:
            every answer is the job's state, never an error.
  secret    task managers with a wrong or no cluster secret are refused, logged,
            never listed and never given work.
  tls       mutual TLS (certificates made with the openssl CLI): a job runs; a
            capture (tshark) of the cluster's links holds no plaintext; task
            managers with a certificate of another CA, or none, are refused
            while the job runs, which goes on without a restart.
  restarts  a job with checkpoints and no restart: section survives a task
            manager's SIGKILL (Flink's default, exponential-delay); the restart
            message names the task manager and its host, never a CAF exit
            reason; a savepoint is taken with the README's bodiless curl POST.
  slots     a job needing more slots than the cluster has says how many it
            needs and how many there are (GET /jobs/{id}, job manager log) and
            fails after the job manager's slot.request_timeout.
  netns     the job spans network namespaces (ip netns + veth, as root);
            skipped with a message where namespaces cannot be made.
  doors     while a job runs: a plain CAF node is refused at the rpc gate; a
            peer that knows the secret (test_peer) sends anonymous and signed
            submit, cancel, jobdone and jobstate messages, all ignored and
            logged; a checkpoints.dir of ../victim is refused; four BASP headers claiming 2.7 GB each leave the job
            manager's memory as it was; a capture of the registrations holds
            no secret; the job finishes undisturbed.

Usage: run_cluster.py EDDY [--peer TEST_PEER] [--modes failover,...,doors] [--keep]
"""
import argparse
import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from modes import run_modes  # noqa: E402
from part_files import committed_csv_rows  # noqa: E402

SECRET = "test-secret-4f1d"
MARKER = "EDDYPLAINTEXTMARKER"
PROC_TIMEOUT = 120
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

PIPELINE = """
name: cluster-{name}
parallelism: 2
checkpoints:
  interval: 200ms
  dir: {ckdir}
  retain: 2
restart:
  attempts: 5
  delay: 200ms
sources:
  - name: events
    type: datagen
    rows: {rows}
    rows_per_second: {rate}
    seed: 11
    fields:
      id:     {{ kind: sequence, start: 0, step: 1 }}
      key:    {{ kind: random, type: int64, min: 1, max: 300 }}
      tag:    {{ kind: choice, values: ["{marker}"] }}
      amount: {{ kind: random, type: int64, min: 1, max: 100 }}
      ts:     {{ kind: timestamp, start: "2024-01-01 00:00:00", step: 1ms }}
    event_time:
      column: ts
      max_out_of_orderness: 1s
operators:
  - name: totals
    input: events
    key_by: [key, tag]
    window: {{ type: tumbling, size: 5s }}
    aggregate:
      n: count(*)
      total: sum(amount)
sinks:
  - name: out
    input: totals
    type: file
    path: {outdir}
    format: csv
"""


def free_port(host="127.0.0.1"):
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


class Cluster:
    """Processes started by one test; all killed by pid at the end."""

    def __init__(self, eddy, work, env=None, prefix=()):
        self.eddy, self.work = eddy, work
        self.env = dict(os.environ, **(env or {}))
        self.prefix = list(prefix)
        self.procs = []

    def start(self, name, args, env=None, prefix=None):
        log = open(os.path.join(self.work, name + ".log"), "w")
        full_env = dict(self.env, **(env or {}))
        for k, v in list(full_env.items()):
            if v is None:
                del full_env[k]
        cmd = list(self.prefix if prefix is None else prefix) + [self.eddy] + args
        p = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=full_env)
        p.log_path = log.name
        p.name = name
        self.procs.append(p)
        return p

    def stop_all(self):
        for p in self.procs:
            if p.poll() is None:
                p.kill()
        for p in self.procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass


def log_of(p):
    with open(p.log_path) as f:
        return f.read()


def rest(port, method, path, body=None, host="127.0.0.1"):
    req = urllib.request.Request(f"http://{host}:{port}{path}", data=body, method=method)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def wait_until(what, pred, timeout=30, step=0.05):
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(step)
    raise AssertionError(f"timed out waiting for {what}")


def task_managers(rest_port):
    status, body = rest(rest_port, "GET", "/taskmanagers")
    assert status == 200, body
    return body["taskmanagers"]


def job_state(rest_port, job):
    status, body = rest(rest_port, "GET", f"/jobs/{job}")
    assert status == 200, body
    return body


def write_pipeline(work, name, rows, rate, outdir, ckdir):
    path = os.path.join(work, name + ".yaml")
    with open(path, "w") as f:
        f.write(PIPELINE.format(name=name, rows=rows, rate=rate, outdir=outdir, ckdir=ckdir, marker=MARKER))
    return path


def local_reference(eddy, work, rows, rate):
    outdir = os.path.join(work, "reference-out")
    # A new run adds its part files beside an earlier run's: start empty.
    shutil.rmtree(outdir, ignore_errors=True)
    path = write_pipeline(work, "reference", rows, rate, outdir, os.path.join(work, "reference-ck"))
    subprocess.run([eddy, "local", path, "-q"], check=True, timeout=PROC_TIMEOUT)
    return committed_csv_rows(outdir)


def start_jobmanager(c, name="jm", extra=(), rpc_host="127.0.0.1", rest_host="127.0.0.1", prefix=None):
    rpc, rest_port = free_port(), free_port()
    jm = c.start(name, ["jobmanager", "--rpc-bind", f"{rpc_host}:{rpc}", "--rest", f"{rest_host}:{rest_port}",
                        *extra], prefix=prefix)
    wait_until("the REST API", lambda: _up(rest_port, rest_host), timeout=20)
    assert jm.poll() is None, log_of(jm)
    return jm, rpc, rest_port


def _up(port, host):
    try:
        rest(port, "GET", "/taskmanagers", host=host)
        return True
    except OSError:
        return False


def start_taskmanager(c, name, rpc, extra=(), env=None, rpc_host="127.0.0.1", prefix=None):
    return c.start(name, ["taskmanager", "--jobmanager", f"{rpc_host}:{rpc}", "--slots", "1", "--name", name,
                          "--connect-timeout", "10", *extra], env=env, prefix=prefix)


def client(eddy, *args):
    return subprocess.run([eddy, *args], capture_output=True, text=True, timeout=PROC_TIMEOUT)


def start_two_task_managers(c, rpc, rest_port, extra=()):
    start_taskmanager(c, "tm1", rpc, extra=extra)
    start_taskmanager(c, "tm2", rpc, extra=extra)
    wait_until("two task managers", lambda: len(task_managers(rest_port)) == 2)


def submit(eddy, work, name, rows, rate, rest_port):
    """Submits the test pipeline without waiting; returns its job id and output directory."""
    outdir = os.path.join(work, f"{name}-out")
    path = write_pipeline(work, name, rows, rate, outdir, os.path.join(work, f"{name}-ck"))
    r = client(eddy, "run", path, "--jobmanager", f"127.0.0.1:{rest_port}")
    assert r.returncode == 0, r.stderr
    job = r.stdout.strip().splitlines()[-1]
    assert len(job) == 16, r.stdout
    return job, outdir


# -- modes --------------------------------------------------------------------------

def mode_failover(eddy, work):
    rows, rate = 60000, 12000
    expected = local_reference(eddy, work, rows, rate)
    c = Cluster(eddy, work, env={"EDDY_CLUSTER_SECRET": SECRET})
    try:
        # The example configs of configs/cluster/, with flags overriding ports and slots
        # (EDDY_CLUSTER_SECRET overrides their secret).
        jm, rpc, rest_port = start_jobmanager(c, extra=["--config", os.path.join(REPO, "configs/cluster/jobmanager.yaml")])
        tm_config = ["--config", os.path.join(REPO, "configs/cluster/taskmanager.yaml")]
        start_two_task_managers(c, rpc, rest_port, tm_config)
        job, outdir = submit(eddy, work, "failover", rows, rate, rest_port)
        wait_until("RUNNING", lambda: job_state(rest_port, job)["state"] == "RUNNING")
        # Spread over both: every task manager has its slot taken.
        assert all(t["free_slots"] == 0 for t in task_managers(rest_port)), task_managers(rest_port)
        listed = client(eddy, "list", "-m", f"127.0.0.1:{rest_port}")
        assert job in listed.stdout and "RUNNING" in listed.stdout, listed.stdout
        # Let a few checkpoints complete, then kill tm1 with SIGKILL.
        wait_until("a checkpoint", lambda: job_state(rest_port, job)["checkpoints"]["completed"] >= 3, timeout=30)
        victim = [p for p in c.procs if p.name == "tm1"][0]
        victim.kill()
        killed_at = time.time()
        wait_until("tm1 dropped", lambda: [t["name"] for t in task_managers(rest_port)] == ["tm2"], timeout=15)
        dropped_s = time.time() - killed_at
        wait_until("RESTARTING", lambda: job_state(rest_port, job)["state"] == "RESTARTING", timeout=15)
        start_taskmanager(c, "tm3", rpc, extra=tm_config)
        wait_until("RUNNING again", lambda: job_state(rest_port, job)["state"] == "RUNNING", timeout=30)
        running_s = time.time() - killed_at
        final = wait_until("FINISHED", lambda: (lambda s: s if s["state"] in ("FINISHED", "FAILED") else None)(
            job_state(rest_port, job)), timeout=90)
        assert final["state"] == "FINISHED", final
        assert final["checkpoints"]["restarts"] >= 1, final
        names = [o["name"] for o in final["operators"]]
        assert names == ["events", "totals", "out"], names
        got = committed_csv_rows(outdir)
        assert got == expected, f"output differs from the local run: {len(got)} vs {len(expected)} rows"
        status = client(eddy, "status", job, "-m", f"127.0.0.1:{rest_port}")
        assert "FINISHED" in status.stdout and "totals" in status.stdout, status.stdout
        code, body = rest(rest_port, "GET", "/jobs/0123456789abcdef")
        assert code == 404, body
        code, body = rest(rest_port, "POST", "/jobs", body=b"name: [broken")
        assert code == 400 and "pipeline.yaml:1:" in body["error"], body
        print(f"failover: {len(got)} rows identical to eddy local; task manager dropped {dropped_s:.2f}s "
              f"after SIGKILL; job RUNNING again {running_s:.2f}s after the kill (including starting a new "
              f"task manager)")
    finally:
        c.stop_all()


def write_config(work, name, text):
    path = os.path.join(work, name)
    with open(path, "w") as f:
        f.write(text)
    return path


def mode_restarts(eddy, work):
    c = Cluster(eddy, work, env={"EDDY_CLUSTER_SECRET": SECRET})
    try:
        jm, rpc, rest_port = start_jobmanager(c)
        start_two_task_managers(c, rpc, rest_port)
        outdir = os.path.join(work, "restarts-out")
        path = write_pipeline(work, "restarts", 60000, 12000, outdir, os.path.join(work, "restarts-ck"))
        with open(path) as f:
            text = f.read()
        with open(path, "w") as f:  # no restart: section
            f.write(text.replace("restart:\n  attempts: 5\n  delay: 200ms\n", ""))
        r = client(eddy, "run", path, "-m", f"127.0.0.1:{rest_port}")
        assert r.returncode == 0, r.stderr
        job = r.stdout.strip().splitlines()[-1]
        wait_until("a checkpoint", lambda: job_state(rest_port, job)["checkpoints"]["completed"] >= 2, timeout=30)
        if shutil.which("curl"):  # the README's command: no body, no Content-Length
            t0 = time.time()
            got = subprocess.run(["curl", "-sS", "-X", "POST", f"http://127.0.0.1:{rest_port}/jobs/{job}/savepoints"],
                                 capture_output=True, text=True, timeout=60)
            answer = json.loads(got.stdout)
            assert "savepoints/savepoint-" in answer.get("path", ""), answer
            assert time.time() - t0 < 10, f"the savepoint took {time.time() - t0:.1f}s"
        [p for p in c.procs if p.name == "tm1"][0].kill()
        restarting = wait_until("RESTARTING", lambda: (lambda s: s if s["state"] == "RESTARTING" else None)(
            job_state(rest_port, job)), timeout=15)
        assert "task manager 'tm1' at 127.0.0.1 was lost" in restarting["message"], restarting["message"]
        start_taskmanager(c, "tm3", rpc)
        final = wait_until("FINISHED", lambda: (lambda s: s if s["state"] in ("FINISHED", "FAILED") else None)(
            job_state(rest_port, job)), timeout=90)
        assert final["state"] == "FINISHED" and final["checkpoints"]["restarts"] >= 1, final
        log = log_of(jm)
        line = [l for l in log.splitlines() if "restart 1 (exponential-delay)" in l]
        assert line and "task manager 'tm1' at 127.0.0.1 was lost" in line[0], log[-3000:]
        assert "exit_reason" not in log, log[-3000:]
        print(f"restarts: a job without a restart section restarted after tm1's SIGKILL and finished; "
              f"logged as: {line[0].strip()[:160]}")
    finally:
        c.stop_all()


def mode_slots(eddy, work):
    c = Cluster(eddy, work, env={"EDDY_CLUSTER_SECRET": SECRET})
    try:
        config = write_config(work, "slots-jm.yaml", "slot:\n  request_timeout: 3s\n")
        jm, rpc, rest_port = start_jobmanager(c, extra=["--config", config])
        start_taskmanager(c, "tm1", rpc)
        wait_until("one task manager", lambda: len(task_managers(rest_port)) == 1)
        path = write_config(work, "slots.yaml", "name: slots\nparallelism: 2\nsources:\n  - name: gen\n    type: datagen\n"
                                                "    rows: 10\n    fields: { id: { kind: sequence } }\n"
                                                "sinks:\n  - { name: out, input: gen, type: blackhole }\n")
        r = client(eddy, "run", path, "-m", f"127.0.0.1:{rest_port}")
        assert r.returncode == 0, r.stderr
        job = r.stdout.strip().splitlines()[-1]
        want = "the job needs 2 task slots (its largest parallelism), the cluster has 1 free of 1 on 1 task manager"
        waiting = wait_until("the wait explained", lambda: (lambda s: s if want in s["message"] else None)(
            job_state(rest_port, job)), timeout=10)
        assert waiting["state"] == "CREATED", waiting
        assert want in log_of(jm), log_of(jm)
        t0 = time.time()
        final = wait_until("FAILED", lambda: (lambda s: s if s["state"] != "CREATED" else None)(
            job_state(rest_port, job)), timeout=15)
        assert final["state"] == "FAILED" and "no task slots within 3s" in final["message"] and want in final["message"], final
        print(f"slots: '{waiting['message']}'; FAILED {time.time() - t0:.1f}s later: {final['message'][:60]}...")
    finally:
        c.stop_all()


def mode_secret(eddy, work):
    c = Cluster(eddy, work, env={"EDDY_CLUSTER_SECRET": SECRET})
    try:
        jm, rpc, rest_port = start_jobmanager(c)
        wrong = start_taskmanager(c, "tm-wrong", rpc, env={"EDDY_CLUSTER_SECRET": "not-the-secret"})
        missing = start_taskmanager(c, "tm-missing", rpc, env={"EDDY_CLUSTER_SECRET": None})
        for p in (wrong, missing):
            assert p.wait(timeout=30) != 0, f"{p.name} was not refused"
            assert "refused this task manager" in log_of(p), log_of(p)
        good = start_taskmanager(c, "tm-good", rpc)
        wait_until("tm-good", lambda: [t["name"] for t in task_managers(rest_port)] == ["tm-good"])
        log = log_of(jm)
        assert "refused task manager 'tm-wrong'" in log and "secret is wrong" in log, log
        assert "refused task manager 'tm-missing'" in log and "no cluster secret" in log, log
        # A job manager without a secret does not start.
        r = subprocess.run([eddy, "jobmanager", "--rpc-bind", f"127.0.0.1:{free_port()}", "--rest",
                            f"127.0.0.1:{free_port()}"], capture_output=True, text=True, timeout=30,
                           env={k: v for k, v in os.environ.items() if k != "EDDY_CLUSTER_SECRET"})
        assert r.returncode == 2 and "cluster secret" in r.stderr, r.stderr
        assert good.poll() is None
        print("secret: wrong and missing secrets refused and logged; only the good task manager is listed")
    finally:
        c.stop_all()


def mode_endings(eddy, work):
    """A job's status asked for while its master ends is answered with the job's
    state (the ask races the master's last message), never with an error."""
    c = Cluster(eddy, work, env={"EDDY_CLUSTER_SECRET": SECRET})
    try:
        jm, rpc, rest_port = start_jobmanager(c)
        start_two_task_managers(c, rpc, rest_port)
        answers, bad = 0, []
        for n in range(6):
            job, _ = submit(eddy, work, f"ending{n}", 4000, 1000000, rest_port)
            done = threading.Event()

            def poll():
                nonlocal answers
                while not done.is_set():
                    status, body = rest(rest_port, "GET", f"/jobs/{job}")
                    answers += 1
                    if status != 200:
                        bad.append((status, body))
                    elif body["state"] in ("FINISHED", "FAILED", "CANCELED"):
                        if body["state"] != "FINISHED":
                            bad.append((status, body))
                        done.set()

            threads = [threading.Thread(target=poll) for _ in range(3)]
            for t in threads:
                t.start()
            finished = done.wait(timeout=60)
            done.set()
            for t in threads:
                t.join(timeout=40)
            assert finished, f"job {job} did not end within 60s"
            assert not bad, bad[:3]
        print(f"endings: 6 short jobs polled {answers} times as they ended; every answer was the job's state")
    finally:
        c.stop_all()


def mode_frozen(eddy, work):
    """A task manager that falls silent (SIGSTOP) is dropped within the heartbeat
    timeout and its job fails over; thawed, it must not disturb the job."""
    rows, rate = 60000, 12000
    expected = local_reference(eddy, work, rows, rate)
    timeout_s = 2.0
    hb = os.path.join(work, "heartbeat.yaml")
    with open(hb, "w") as f:
        f.write(f"heartbeat:\n  interval: 250ms\n  timeout: {int(timeout_s * 1000)}ms\n")
    c = Cluster(eddy, work, env={"EDDY_CLUSTER_SECRET": SECRET})
    frozen = None
    try:
        jm, rpc, rest_port = start_jobmanager(c, extra=["--config", hb])
        start_two_task_managers(c, rpc, rest_port, ["--config", hb])
        job, outdir = submit(eddy, work, "frozen", rows, rate, rest_port)
        wait_until("3 checkpoints", lambda: job_state(rest_port, job)["checkpoints"]["completed"] >= 3, timeout=30)
        frozen = [p for p in c.procs if p.name == "tm1"][0]
        frozen.send_signal(signal.SIGSTOP)
        stopped_at = time.time()
        wait_until("tm1 dropped", lambda: [t["name"] for t in task_managers(rest_port)] == ["tm2"],
                   timeout=timeout_s * 3)
        dropped_s = time.time() - stopped_at
        assert dropped_s <= timeout_s * 1.5, f"dropped after {dropped_s:.2f}s, heartbeat timeout {timeout_s}s"
        start_taskmanager(c, "tm3", rpc, extra=["--config", hb])
        wait_until("RUNNING again", lambda: job_state(rest_port, job)["state"] == "RUNNING", timeout=30)
        running_s = time.time() - stopped_at
        # Thawed while the job runs elsewhere: its old subtasks must not write.
        frozen.send_signal(signal.SIGCONT)
        final = wait_until("FINISHED", lambda: (lambda s: s if s["state"] in ("FINISHED", "FAILED") else None)(
            job_state(rest_port, job)), timeout=90)
        assert final["state"] == "FINISHED", final
        assert final["checkpoints"]["restarts"] >= 1, final
        got = committed_csv_rows(outdir)
        assert got == expected, f"output differs from the local run: {len(got)} vs {len(expected)} rows"
        # Thawed, it stopped its subtasks and registered again: it found its link
        # closed (the job manager's link timeout passed while it was frozen) or,
        # thawed just before that, heard from its next heartbeat that it was dropped.
        wait_until("tm1 registered again", lambda: sorted(t["name"] for t in task_managers(rest_port)) ==
                   ["tm1", "tm2", "tm3"], timeout=timeout_s * 5)
        assert any(m in log_of(frozen) for m in ("lost the job manager", "had dropped this task manager")), \
            log_of(frozen)
        print(f"frozen: SIGSTOPped task manager dropped {dropped_s:.2f}s after it froze (heartbeat timeout "
              f"{timeout_s:.0f}s); job RUNNING again after {running_s:.2f}s; thawed, it registered again "
              f"and the output is identical to eddy local ({len(got)} rows)")
    finally:
        if frozen is not None and frozen.poll() is None:
            frozen.send_signal(signal.SIGCONT)
        c.stop_all()


def make_certs(work):
    d = os.path.join(work, "certs")
    os.makedirs(d, exist_ok=True)

    def ossl(*args):
        subprocess.run(["openssl", *args], check=True, capture_output=True, cwd=d, timeout=60)

    for ca in ("ca", "other-ca"):
        ossl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", f"/CN=eddy {ca}",
             "-keyout", f"{ca}.key", "-out", f"{ca}.pem")
    for node, ca in (("node", "ca"), ("rogue", "other-ca")):
        ossl("req", "-newkey", "rsa:2048", "-nodes", "-subj", f"/CN={node}", "-keyout", f"{node}.key",
             "-out", f"{node}.csr")
        ossl("x509", "-req", "-in", f"{node}.csr", "-CA", f"{ca}.pem", "-CAkey", f"{ca}.key",
             "-CAcreateserial", "-days", "2", "-out", f"{node}.pem")
    return d


def tls_flags(d, node="node", ca="ca"):
    path = os.path.join(d, f"{node}-{ca}.yaml")
    with open(path, "w") as f:
        f.write(f"tls:\n  certificate: {d}/{node}.pem\n  key: {d}/{node}.key\n  ca: {d}/{ca}.pem\n")
    return ["--config", path]


def mode_tls(eddy, work):
    if shutil.which("openssl") is None:
        print("tls: SKIPPED (no openssl command; scripts/install-deps.sh installs it)")
        return
    d = make_certs(work)
    c = Cluster(eddy, work, env={"EDDY_CLUSTER_SECRET": SECRET})
    capture = None
    try:
        jm, rpc, rest_port = start_jobmanager(c, extra=tls_flags(d))
        # The rpc port's traffic only: other tests on this host use loopback too.
        # That task managers open no other connection is checked with ss below.
        capture, pcap = start_capture(work, "tls", rpc)
        start_two_task_managers(c, rpc, rest_port, tls_flags(d))
        job, outdir = submit(eddy, work, "tls", 20000, 5000, rest_port)
        wait_until("RUNNING", lambda: job_state(rest_port, job)["state"] == "RUNNING")
        # Refused while the job runs: a failed handshake must not touch the
        # established links (actors/openssl_error_queue.cpp says why it could).
        rogue = start_taskmanager(c, "tm-rogue", rpc, extra=tls_flags(d, "rogue", "other-ca"))
        plain = start_taskmanager(c, "tm-plain", rpc)
        for p in (rogue, plain):
            assert p.wait(timeout=60) != 0, f"{p.name} was not refused"
            # Which side gives up first is a race: the job manager drops the
            # handshake, or the rogue's own TLS refuses the job manager's certificate.
            assert any(e in log_of(p) for e in ("disconnect_during_handshake", "cannot_connect_to_node")), log_of(p)
        assert sorted(t["name"] for t in task_managers(rest_port)) == ["tm1", "tm2"], task_managers(rest_port)
        final = wait_until("FINISHED", lambda: (lambda s: s if s["state"] in ("FINISHED", "FAILED") else None)(
            job_state(rest_port, job)), timeout=90)
        assert final["state"] == "FINISHED", final
        assert final["checkpoints"]["restarts"] == 0, f"the refusals disturbed the job: {final}"
        assert sorted(t["name"] for t in task_managers(rest_port)) == ["tm1", "tm2"]
        assert any(MARKER in row for row in committed_csv_rows(outdir))
        for tm in (p for p in c.procs if p.name in ("tm1", "tm2")):
            peers = tcp_peer_ports(tm.pid)
            assert peers and set(peers) == {rpc}, f"{tm.name} has connections besides the job manager's: {peers}"
        if capture is None:
            print("tls: capture SKIPPED (no tshark; scripts/install-deps.sh installs it)")
        else:
            packets, payload = captured_payload(capture, pcap)
            assert packets > 50, f"the capture holds only {packets} packets with payload"
            for plaintext in (MARKER.encode(), b"eddy.BatchPayload", b"cluster-tls"):
                assert plaintext not in payload, f"plaintext {plaintext!r} on the wire"
            print(f"tls: job ran on two TLS task managers, each linked to the job manager only; {packets} "
                  f"captured packets, {len(payload)} bytes, no plaintext marker; rogue-CA and certificate-less "
                  f"task managers refused mid-job without a restart")
    finally:
        if capture is not None and capture.poll() is None:
            capture.kill()
        c.stop_all()


def mode_netns(eddy, work):
    if os.geteuid() != 0 or shutil.which("ip") is None:
        print("netns: SKIPPED (needs root and the ip command to make network namespaces)")
        return
    tag = f"e{os.getpid() % 100000}"
    names = [f"{tag}jm", f"{tag}t1", f"{tag}t2"]
    bridge = f"{tag}br"
    made = []

    def ip(*args, check=True):
        return subprocess.run(["ip", *args], capture_output=True, text=True, check=check, timeout=30)

    try:
        try:
            ip("link", "add", bridge, "type", "bridge")
            ip("addr", "add", "10.231.0.254/24", "dev", bridge)
            ip("link", "set", bridge, "up")
            for i, ns in enumerate(names):
                ip("netns", "add", ns)
                made.append(ns)
                ip("link", "add", f"{ns}h", "type", "veth", "peer", "name", f"{ns}n")
                ip("link", "set", f"{ns}h", "master", bridge)
                ip("link", "set", f"{ns}h", "up")
                ip("link", "set", f"{ns}n", "netns", ns)
                ip("netns", "exec", ns, "ip", "addr", "add", f"10.231.0.{i + 1}/24", "dev", f"{ns}n")
                ip("netns", "exec", ns, "ip", "link", "set", f"{ns}n", "up")
                ip("netns", "exec", ns, "ip", "link", "set", "lo", "up")
        except subprocess.CalledProcessError as e:
            print(f"netns: SKIPPED (cannot make network namespaces here: {e.stderr.strip()})")
            return
        rows, rate = 20000, 20000
        expected = local_reference(eddy, work, rows, rate)
        c = Cluster(eddy, work, env={"EDDY_CLUSTER_SECRET": SECRET})
        try:
            jm_ns = ["ip", "netns", "exec", names[0]]
            # The REST API listens on the job manager's namespace address, so this
            # (root) namespace reaches it over the bridge like a remote client.
            jm, rpc, rest_port = start_jobmanager(c, rpc_host="10.231.0.1", rest_host="10.231.0.1",
                                                  prefix=jm_ns, name="jm-ns")
            # Reachable from other hosts and no REST token: the job manager says so loudly.
            assert "WARNING" in log_of(jm) and "WITHOUT A TOKEN" in log_of(jm), log_of(jm)
            for k in (1, 2):
                start_taskmanager(c, f"tm-ns{k}", rpc, rpc_host="10.231.0.1",
                                  prefix=["ip", "netns", "exec", names[k]])

            def tms():
                return rest(rest_port, "GET", "/taskmanagers", host="10.231.0.1")[1]["taskmanagers"]

            listed = wait_until("task managers in two namespaces", lambda: (lambda t: t if len(t) == 2 else None)(tms()))
            hosts = sorted(t["host"] for t in listed)
            assert hosts == ["10.231.0.2", "10.231.0.3"], hosts
            outdir = os.path.join(work, "netns-out")
            path = write_pipeline(work, "netns", rows, rate, outdir, os.path.join(work, "netns-ck"))
            r = subprocess.run([eddy, "run", path, "--wait", "-m", f"10.231.0.1:{rest_port}"],
                               capture_output=True, text=True, timeout=PROC_TIMEOUT)
            assert r.returncode == 0, r.stderr
            got = committed_csv_rows(outdir)
            assert got == expected, f"output differs from the local run: {len(got)} vs {len(expected)} rows"
            print(f"netns: job spanned task managers at {', '.join(hosts)}; output identical to eddy local")
        finally:
            c.stop_all()
    finally:
        for ns in made:
            ip("netns", "del", ns, check=False)
        ip("link", "del", bridge, check=False)


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def start_capture(work, name, port):
    """tshark on loopback for `port`, capturing once this returns; or None without tshark."""
    if shutil.which("tshark") is None:
        return None, None
    pcap = os.path.join(work, name + ".pcap")
    capture = subprocess.Popen(["tshark", "-q", "-i", "lo", "-f", f"tcp port {port}", "-w", pcap],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    # tshark says "Capturing on 'Loopback: lo'" once it captures (seconds on a busy host).
    deadline = time.time() + 60
    while time.time() < deadline:
        line = capture.stderr.readline()
        if not line or "Capturing on" in line:
            break
    threading.Thread(target=capture.stderr.read, daemon=True).start()  # keep its pipe drained
    return capture, pcap


def tcp_peer_ports(pid):
    """The remote ports of the established TCP connections of process `pid` (ss)."""
    out = subprocess.run(["ss", "-tnpH", "state", "established"], capture_output=True, text=True,
                         timeout=30).stdout
    ports = []
    for line in out.splitlines():
        if f"pid={pid}," in line:
            ports.append(int(line.split()[3].rsplit(":", 1)[1]))
    return ports


def captured_payload(capture, pcap):
    """Stops the capture; returns (packets with payload, their bytes concatenated)."""
    time.sleep(1)
    capture.send_signal(signal.SIGINT)
    capture.wait(timeout=30)
    fields = subprocess.run(["tshark", "-r", pcap, "-T", "fields", "-e", "tcp.payload"], capture_output=True,
                            text=True, timeout=120).stdout.splitlines()
    payload = bytearray()
    packets = 0
    for line in fields:
        if line.strip():
            packets += 1
            payload += bytes.fromhex(line.strip().replace(":", ""))
    return packets, bytes(payload)


def oversized_frames(rpc, n=4):
    """Opens n connections that each send a CAF BASP header claiming 0xA4000040
    payload bytes, as a pre-authentication attacker would; returns the sockets."""
    header = struct.pack(">BBBBIQQQ", 1, 0, 0, 0, 0xA4000040, 0, 0, 0)
    socks = []
    for _ in range(n):
        s = socket.create_connection(("127.0.0.1", rpc), timeout=10)
        s.sendall(header)
        socks.append(s)
    return socks


def mode_doors(eddy, work, peer):
    if peer is None:
        print("doors: SKIPPED (no --peer test_peer binary given)")
        return
    rows, rate = 60000, 6000
    expected = local_reference(eddy, work, rows, rate)
    c = Cluster(eddy, work, env={"EDDY_CLUSTER_SECRET": SECRET})
    capture = None
    try:
        base = os.path.join(work, "doors-base")
        jm, rpc, rest_port = start_jobmanager(c, extra=["--checkpoint-dir", base])
        capture, pcap = start_capture(work, "doors", rpc)
        start_two_task_managers(c, rpc, rest_port)
        job, outdir = submit(eddy, work, "doors", rows, rate, rest_port)
        wait_until("RUNNING", lambda: job_state(rest_port, job)["state"] == "RUNNING")
        # A node without eddy's handshake never reaches CAF's BASP.
        plain = subprocess.run([peer, "plain", "127.0.0.1", str(rpc)], capture_output=True, text=True, timeout=60)
        assert plain.stdout.startswith("refused"), plain.stdout + plain.stderr
        # A peer with the secret reaches the gatekeeper only, which obeys none of this.
        forged = subprocess.run([peer, "forge", "127.0.0.1", str(rpc), SECRET, job], capture_output=True, text=True,
                                timeout=60)
        assert forged.returncode == 0, forged.stdout + forged.stderr
        for what in ("submit", "cancel", "jobdone", "register"):
            assert f"{what}: refused" in forged.stdout, forged.stdout
        # Oversized BASP frames before any handshake: the gate reads 10 bytes and closes.
        before = rss_kib(jm.pid)
        socks = oversized_frames(rpc)
        time.sleep(1.5)
        grew_mib = (rss_kib(jm.pid) - before) / 1024
        for s in socks:
            s.close()
        assert grew_mib < 50, f"the job manager grew by {grew_mib:.0f} MiB after four oversized frames"
        assert job_state(rest_port, job)["state"] == "RUNNING", job_state(rest_port, job)
        # A relative checkpoints.dir may not leave the cluster's base.
        victim = os.path.join(work, "victim")
        os.makedirs(os.path.join(victim, "chk-1"))
        escaping = PIPELINE.format(name="escape", rows=10, rate=10, outdir=os.path.join(work, "escape-out"),
                                   ckdir="../victim", marker=MARKER).encode()
        code, body = rest(rest_port, "POST", "/jobs", body=escaping)
        assert code == 400 and "pipeline.yaml:6:" in body["error"] and "leaves the cluster's checkpoint" in \
            body["error"], body
        assert os.path.isdir(os.path.join(victim, "chk-1"))
        status, body = rest(rest_port, "GET", "/jobs")
        assert [j["id"] for j in body["jobs"]] == [job], body
        final = wait_until("FINISHED", lambda: (lambda s: s if s["state"] in ("FINISHED", "FAILED") else None)(
            job_state(rest_port, job)), timeout=90)
        assert final["state"] == "FINISHED" and final["checkpoints"]["restarts"] == 0, final
        assert sorted(t["name"] for t in task_managers(rest_port)) == ["tm1", "tm2"]
        got = committed_csv_rows(outdir)
        assert got == expected, f"output differs from the local run: {len(got)} vs {len(expected)} rows"
        log = log_of(jm)
        assert "did not speak eddy's cluster handshake" in log, log
        for atom in ("submit", "cancel", "jobdone", "jobstate"):
            assert f"ignored a '{atom}' message" in log, log
        assert "ignored a registration" in log, log
        note = ""
        if capture is not None:
            packets, payload = captured_payload(capture, pcap)
            assert payload.count(b"EDDYRPC1") >= 4, "the capture missed the handshakes"
            assert SECRET.encode() not in payload, "the cluster secret crossed the wire"
            note = f"; {packets} captured rpc packets hold the handshakes and not the secret"
        print(f"doors: plain CAF node refused; forged submit/cancel/jobdone/jobstate/register ignored and logged; "
              f"four 2.7 GB frame headers: job manager RSS +{grew_mib:.1f} MiB; job finished undisturbed{note}")
    finally:
        if capture is not None and capture.poll() is None:
            capture.kill()
        c.stop_all()


MODES = {"failover": mode_failover, "endings": mode_endings, "frozen": mode_frozen, "restarts": mode_restarts,
         "slots": mode_slots, "secret": mode_secret, "tls": mode_tls, "netns": mode_netns, "doors": mode_doors}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("eddy")
    ap.add_argument("--modes", default=",".join(MODES))
    ap.add_argument("--peer", help="the test_peer binary (mode doors)")
    ap.add_argument("--keep", action="store_true", help="keep the work directory")
    args = ap.parse_args()
    eddy = os.path.abspath(args.eddy)
    peer = os.path.abspath(args.peer) if args.peer else None

    def run(m, work):
        return mode_doors(eddy, work, peer) if m == "doors" else MODES[m](eddy, work)

    run_modes(args.modes.split(","), run, "eddy-cluster-", args.keep)


if __name__ == "__main__":
    main()
