#!/usr/bin/env python3
"""The job manager's REST API end to end: `eddy jobmanager` on 127.0.0.1 (free
ports, bounded run times, killed by pid), with no task manager (submitted jobs
wait in CREATED, which is all these checks need).

Modes (all by default):
  limits  16 slow clients trickle requests while GET /jobs answers at once; a
          trickled request is cut with a JSON 408 at the request timeout; bodies
          over rest.max_body get a JSON 413 (declared, chunked, or 100 MB
          announced); cpp-httplib's own errors (404, 400, 414) are JSON too.
  curl    the README's curl commands (a pipeline over 8 KiB sent with
          --data-binary as curl's default form type, and with -F); skipped
          without curl.
  errors  a method an endpoint does not take gets a JSON 405 with Allow; an
          unknown job a 404 "no job with id ..."; a cancel or savepoint of an
          ended job a 409; a savepoint POST without a body is answered at once.
  token   EDDY_REST_TOKEN: 401 with WWW-Authenticate without or with a wrong
          token (before a body is read), the eddy client commands send it.
  tls     rest.tls.*: the eddy client over https with --ca / EDDY_REST_CA,
          refused without the CA or with another CA, plain http answered with
          a hint; slow TLS clients and silent TCP connections are cut too.

Usage: rest_test.py EDDY [--modes limits,curl,errors,token,tls] [--keep]
"""
import argparse
import http.client
import json
import os
import shutil
import socket
import ssl
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from run_cluster import SECRET, Cluster, free_port, log_of, wait_until  # noqa: E402
from modes import run_modes  # noqa: E402

REQUEST_TIMEOUT_S = 10  # ConnectionLimits::request_timeout in actors/rest_connection.h
MAX_BODY = 4 << 20      # rest.max_body's default
TOKEN = "rest-token-7c1e0f"

PIPELINE = """# A pipeline padded with comments to {size} bytes: over cpp-httplib's 8 KiB
# limit for form bodies, which curl --data-binary sends by default.
name: rest-{name}
sources:
  - name: gen
    type: datagen
    rows: 10
    fields:
      id: {{ kind: sequence, start: 0, step: 1 }}
sinks:
  - {{ name: out, input: gen, type: blackhole }}
"""


def write_pipeline(work, name, size=20000):
    text = PIPELINE.format(name=name, size=size)
    text += "".join(f"# padding line {i:06d} ..............................................\n"
                    for i in range((size - len(text)) // 64 + 1))
    path = os.path.join(work, f"{name}.yaml")
    with open(path, "w") as f:
        f.write(text)
    return path


def start_jobmanager(c, extra=(), env=None):
    rpc, port = free_port(), free_port()
    jm = c.start("jm", ["jobmanager", "--rpc-bind", f"127.0.0.1:{rpc}", "--rest", f"127.0.0.1:{port}", *extra],
                 env=env)

    def up():
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return True
        except OSError:
            return jm.poll() is not None

    wait_until("the REST port", up, timeout=20)
    assert jm.poll() is None, log_of(jm)
    return jm, port


def call(port, method, path, body=None, headers=None, tls=None, timeout=10):
    """One request on a fresh connection: (status, headers, parsed JSON body)."""
    conn = (http.client.HTTPSConnection("127.0.0.1", port, context=tls, timeout=timeout) if tls
            else http.client.HTTPConnection("127.0.0.1", port, timeout=timeout))
    try:
        conn.request(method, path, body=body, headers=headers or {})
        r = conn.getresponse()
        data = r.read()
        try:
            parsed = json.loads(data)
        except ValueError:
            raise AssertionError(f"{method} {path}: HTTP {r.status} answered with non-JSON {data[:200]!r}")
        return r.status, {k.lower(): v for k, v in r.getheaders()}, parsed
    finally:
        conn.close()


def raw_exchange(port, data, timeout=10):
    """Sends raw bytes, then reads until the server closes: the response text."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(data)
        out = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                return out.decode("latin-1")
            out += chunk


def json_body(response):
    head, _, body = response.partition("\r\n\r\n")
    return head, json.loads(body)


class SlowClient(threading.Thread):
    """Trickles one request a byte every `pause` seconds; records when and
    how the server ended it."""

    def __init__(self, port, prefix, trickle, pause=0.5, tls=None):
        super().__init__(daemon=True)
        self.port, self.prefix, self.trickle, self.pause, self.tls = port, prefix, trickle, pause, tls
        self.ended_after, self.answer, self.opened = None, b"", threading.Event()
        self.never_cut = False  # still open after 3 request timeouts: ended_after stays None
        self.error = None

    def run(self):
        start = time.time()
        try:
            s = socket.create_connection(("127.0.0.1", self.port), timeout=5)
            if self.tls:
                s = self.tls.wrap_socket(s, server_hostname="127.0.0.1")
            s.settimeout(self.pause)
            s.sendall(self.prefix)
            self.opened.set()
            for i in range(10 ** 6):
                if time.time() - start > 3 * REQUEST_TIMEOUT_S:
                    self.never_cut = True
                    return
                if self.trickle:
                    s.sendall(self.trickle[i % len(self.trickle):i % len(self.trickle) + 1])
                try:
                    self.answer = s.recv(4096)
                except (socket.timeout, ssl.SSLWantReadError):
                    continue
                self.ended_after = time.time() - start
                s.settimeout(2)
                while self.answer:  # the rest of the answer (headers and body may come apart), until the close
                    more = s.recv(4096)
                    if not more:
                        break
                    self.answer += more
                return
        except OSError as e:
            self.error = e  # a reset: the server closed while bytes were in flight
        finally:
            self.opened.set()
            if self.ended_after is None and not self.never_cut:
                self.ended_after = time.time() - start


def check_slow_clients_cut(clients, what):
    for t in clients:
        t.join(timeout=3 * REQUEST_TIMEOUT_S + 10)
    ended = [t.ended_after for t in clients]
    assert all(e is not None for e in ended), f"{what}: some were never cut: {ended}"
    assert max(ended) < REQUEST_TIMEOUT_S + 4, f"{what}: cut only after {max(ended):.1f}s"
    return max(ended)


# -- modes --------------------------------------------------------------------------

def mode_limits(eddy, work):
    c = Cluster(eddy, work, env={"EDDY_CLUSTER_SECRET": SECRET})
    try:
        jm, port = start_jobmanager(c)
        slow = [SlowClient(port, b"GET /jobs HTTP/1.1\r\nHost: x\r\n", b"X-Slow: 1234567890\r\n") for _ in range(8)]
        slow += [SlowClient(port, b"POST /jobs HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n", b"name: x\n")
                 for _ in range(8)]
        for t in slow:
            t.start()
        for t in slow:
            t.opened.wait(timeout=10)
        time.sleep(1.0)
        assert all(t.ended_after is None for t in slow), ("a slow client was cut before the request timeout",
                                                         [(t.ended_after, t.answer[:80], t.error) for t in slow])
        started = time.time()
        status, _, body = call(port, "GET", "/jobs", timeout=10)
        answered_s = time.time() - started
        assert status == 200 and body == {"jobs": []}, body
        assert answered_s < 2, f"GET /jobs took {answered_s:.2f}s next to 16 slow clients"
        assert sum(t.ended_after is None for t in slow) == 16, "the slow clients should still be connected"

        # Bodies over rest.max_body: refused from the declared length (before the
        # body is read), while being read (chunked), and announced but never sent.
        status, headers, body = call(port, "POST", "/jobs?name=big.yaml", body=b"#" * (MAX_BODY + 1))
        assert status == 413 and "rest.max_body" in body["error"] and "4 MiB" in body["error"], (status, body)
        assert headers.get("content-type") == "application/json", headers
        chunks = (b"# " + b"x" * 65534 for _ in range(MAX_BODY // 65536 + 2))
        status, _, body = call(port, "POST", "/jobs", body=chunks)  # http.client sends an iterator chunked
        assert status == 413 and "rest.max_body" in body["error"], (status, body)
        started = time.time()
        head, body = json_body(raw_exchange(port, b"POST /jobs HTTP/1.1\r\nHost: x\r\nContent-Length: 104857600\r\n\r\n"))
        assert head.startswith("HTTP/1.1 413") and "rest.max_body" in body["error"], head
        assert time.time() - started < 1, "a 100 MB body was not refused at once"

        # cpp-httplib's own errors are JSON as well.
        status, _, body = call(port, "GET", "/no/such/endpoint")
        assert status == 404 and "GET /no/such/endpoint" in body["error"], body
        head, body = json_body(raw_exchange(port, b"NONSENSE\r\n\r\n"))
        assert head.startswith("HTTP/1.1 400") and body["error"], head
        head, body = json_body(raw_exchange(port, b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n"))
        assert head.startswith("HTTP/1.1 414") and body["error"], head

        cut_s = check_slow_clients_cut(slow, "slow clients")
        answers = [t.answer for t in slow if t.answer.startswith(b"HTTP/1.1 408")]
        assert answers, [t.answer[:60] for t in slow]
        assert b"did not arrive within" in answers[0], answers[0]
        status, _, _ = call(port, "GET", "/jobs")
        assert status == 200
        print(f"limits: GET /jobs answered in {answered_s * 1000:.0f} ms next to 16 slow clients; they were cut "
              f"within {cut_s:.1f}s ({len(answers)} read the JSON 408); JSON 413 for a body over 4 MiB "
              f"(declared, chunked, 100 MB announced), JSON 404/400/414")
    finally:
        c.stop_all()


def mode_curl(eddy, work):
    if shutil.which("curl") is None:
        print("curl: SKIPPED (no curl; scripts/install-deps.sh installs it)")
        return
    c = Cluster(eddy, work, env={"EDDY_CLUSTER_SECRET": SECRET})
    try:
        jm, port = start_jobmanager(c)
        job = write_pipeline(work, "curl")
        assert os.path.getsize(job) > 8192
        base = f"http://127.0.0.1:{port}"

        def curl(*args):
            r = subprocess.run(["curl", "-sS", *args], capture_output=True, text=True, timeout=30, cwd=work)
            assert r.returncode == 0, r.stderr
            return json.loads(r.stdout)

        # The README's command: curl sends --data-binary as application/x-www-form-urlencoded.
        first = curl("-X", "POST", "--data-binary", f"@{os.path.basename(job)}",
                     f"{base}/jobs?name=job.yaml&parallelism=2")
        assert len(first.get("id", "")) == 16, first
        second = curl("-F", f"file=@{os.path.basename(job)}", f"{base}/jobs")
        assert len(second.get("id", "")) == 16, second
        listed = curl(f"{base}/jobs")["jobs"]
        assert sorted(j["id"] for j in listed) == sorted([first["id"], second["id"]]), listed
        assert all(j["name"] == "rest-curl" for j in listed), listed
        started = time.time()
        canceled = curl("-X", "POST", f"{base}/jobs/{first['id']}/cancel")  # no body, no Content-Length
        assert canceled.get("canceling") is True, canceled
        assert time.time() - started < 2, f"a POST without a body took {time.time() - started:.1f}s"
        print(f"curl: a {os.path.getsize(job)}-byte pipeline submitted with --data-binary (form type) and with -F; "
              f"listed and canceled with curl")
    finally:
        c.stop_all()


def mode_token(eddy, work):
    c = Cluster(eddy, work, env={"EDDY_CLUSTER_SECRET": SECRET, "EDDY_REST_TOKEN": TOKEN})
    try:
        jm, port = start_jobmanager(c)
        status, headers, body = call(port, "GET", "/jobs")
        assert status == 401 and headers.get("www-authenticate", "").startswith("Bearer"), (status, headers)
        assert "EDDY_REST_TOKEN" in body["error"], body
        status, headers, body = call(port, "GET", "/jobs", headers={"Authorization": "Bearer wrong"})
        assert status == 401 and 'error="invalid_token"' in headers.get("www-authenticate", ""), headers
        status, _, body = call(port, "GET", "/taskmanagers", headers={"Authorization": "Basic " + TOKEN})
        assert status == 401, body
        # Refused before the body is read: 401, not 413.
        status, _, body = call(port, "POST", "/jobs", body=b"#" * (MAX_BODY + 1))
        assert status == 401, body
        status, _, body = call(port, "GET", "/jobs", headers={"Authorization": f"Bearer {TOKEN}"})
        assert status == 200 and body == {"jobs": []}, body

        job = write_pipeline(work, "token", size=600)
        m = ["-m", f"127.0.0.1:{port}"]
        env_without = {k: v for k, v in os.environ.items() if k != "EDDY_REST_TOKEN"}
        r = subprocess.run([eddy, "list", *m], capture_output=True, text=True, timeout=60, env=env_without)
        assert r.returncode == 2 and "EDDY_REST_TOKEN" in r.stderr, r.stderr
        env_with = dict(env_without, EDDY_REST_TOKEN=TOKEN)
        r = subprocess.run([eddy, "run", job, *m], capture_output=True, text=True, timeout=60, env=env_with)
        assert r.returncode == 0, r.stderr
        jid = r.stdout.strip().splitlines()[-1]
        for args in (["list"], ["status", jid], ["cancel", jid]):
            r = subprocess.run([eddy, *args, *m], capture_output=True, text=True, timeout=60, env=env_with)
            assert r.returncode == 0, (args, r.stderr)
        if shutil.which("curl"):
            r = subprocess.run(["curl", "-sS", "-H", f"Authorization: Bearer {TOKEN}", f"http://127.0.0.1:{port}/jobs"],
                               capture_output=True, text=True, timeout=30)
            assert json.loads(r.stdout)["jobs"][0]["id"] == jid, r.stdout
        assert "WARNING" not in log_of(jm), log_of(jm)  # loopback: nothing to warn about
        print("token: 401 + WWW-Authenticate without, with a wrong and with a Basic token, before any body; "
              "eddy run/list/status/cancel send EDDY_REST_TOKEN")
    finally:
        c.stop_all()


def make_rest_certs(work):
    d = os.path.join(work, "rest-certs")
    os.makedirs(d, exist_ok=True)

    def ossl(*args):
        subprocess.run(["openssl", *args], check=True, capture_output=True, cwd=d, timeout=60)

    for ca in ("ca", "other-ca"):
        ossl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", f"/CN=eddy rest {ca}",
             "-keyout", f"{ca}.key", "-out", f"{ca}.pem")
    with open(os.path.join(d, "san.ext"), "w") as f:
        f.write("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    ossl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=eddy rest", "-keyout", "rest.key", "-out", "rest.csr")
    ossl("x509", "-req", "-in", "rest.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-days", "2",
         "-extfile", "san.ext", "-out", "rest.pem")
    return d


def mode_tls(eddy, work):
    if shutil.which("openssl") is None:
        print("tls: SKIPPED (no openssl command; scripts/install-deps.sh installs it)")
        return
    d = make_rest_certs(work)
    config = os.path.join(work, "rest-tls.yaml")
    with open(config, "w") as f:
        f.write(f"rest:\n  token: {TOKEN}\n  tls:\n    certificate: {d}/rest.pem\n    key: {d}/rest.key\n")
    c = Cluster(eddy, work, env={"EDDY_CLUSTER_SECRET": SECRET})
    try:
        jm, port = start_jobmanager(c, extra=["--config", config])
        assert f"REST API on https://127.0.0.1:{port} (bearer token required)" in log_of(jm), log_of(jm)
        tls = ssl.create_default_context(cafile=f"{d}/ca.pem")
        # Slow clients over TLS, and a TCP connection that never starts its handshake.
        slow = [SlowClient(port, b"GET /jobs HTTP/1.1\r\nHost: x\r\n", b"X-Slow: 1\r\n", tls=tls) for _ in range(4)]
        silent = SlowClient(port, b"", b"", pause=1.0)  # connects, never starts its TLS handshake
        for t in slow + [silent]:
            t.start()

        auth = {"Authorization": f"Bearer {TOKEN}"}
        status, _, body = call(port, "GET", "/jobs", headers=auth, tls=tls)
        assert status == 200 and body == {"jobs": []}, body
        status, _, body = call(port, "GET", "/jobs", tls=tls)
        assert status == 401, body
        head, body = json_body(raw_exchange(port, b"GET /jobs HTTP/1.1\r\nHost: x\r\n\r\n"))
        assert head.startswith("HTTP/1.1 400") and "https://" in body["error"], (head, body)

        job = write_pipeline(work, "tls", size=600)
        https = ["-m", f"https://127.0.0.1:{port}"]
        env = {k: v for k, v in os.environ.items() if k != "EDDY_REST_CA"}
        env["EDDY_REST_TOKEN"] = TOKEN

        def eddy_run(*args, extra_env=None):
            return subprocess.run([eddy, *args], capture_output=True, text=True, timeout=60,
                                  env=dict(env, **(extra_env or {})))

        r = eddy_run("run", job, *https, extra_env={"EDDY_REST_CA": f"{d}/ca.pem"})
        assert r.returncode == 0, r.stderr
        jid = r.stdout.strip().splitlines()[-1]
        r = eddy_run("list", "-m", f"https://localhost:{port}", "--ca", f"{d}/ca.pem")
        assert r.returncode == 0 and jid in r.stdout, r.stdout + r.stderr
        r = eddy_run("list", *https)
        assert r.returncode != 0 and "--ca" in r.stderr, r.stderr
        r = eddy_run("list", *https, "--ca", f"{d}/other-ca.pem")
        assert r.returncode != 0 and "not trusted" in r.stderr, r.stderr
        r = eddy_run("list", "-m", f"127.0.0.1:{port}")
        assert r.returncode != 0 and "https://" in r.stderr, r.stderr
        if shutil.which("curl"):
            r = subprocess.run(["curl", "-sS", "--cacert", f"{d}/ca.pem", "-H", f"Authorization: Bearer {TOKEN}",
                                f"https://127.0.0.1:{port}/jobs/{jid}"], capture_output=True, text=True, timeout=30)
            assert json.loads(r.stdout)["id"] == jid, r.stdout + r.stderr
        with socket.create_connection(("127.0.0.1", port)) as s:
            with tls.wrap_socket(s, server_hostname="127.0.0.1") as t:
                version = t.version()
        assert version in ("TLSv1.2", "TLSv1.3"), version
        cut_s = check_slow_clients_cut(slow + [silent], "slow TLS clients")
        print(f"tls: eddy run/list over https with --ca and EDDY_REST_CA ({version}); refused without the CA and "
              f"with another CA; plain http gets a JSON hint; slow TLS clients cut within {cut_s:.1f}s")
    finally:
        c.stop_all()


def mode_errors(eddy, work):
    c = Cluster(eddy, work, env={"EDDY_CLUSTER_SECRET": SECRET})
    try:
        jm, port = start_jobmanager(c)
        job = write_pipeline(work, "errors", size=200)
        with open(job, "rb") as f:
            status, _, body = call(port, "POST", "/jobs", body=f.read())
        assert status == 200, body
        jid = body["id"]
        for method, path, allowed in (("DELETE", f"/jobs/{jid}", "GET"), ("GET", f"/jobs/{jid}/cancel", "POST"),
                                      ("PUT", "/jobs", "GET, POST"), ("POST", "/taskmanagers", "GET")):
            status, headers, body = call(port, method, path, body=b"x" if method in ("PUT", "POST") else None)
            assert status == 405 and headers.get("allow") == allowed, (method, path, status, headers, body)
            assert f"{method} is not allowed on" in body["error"] and allowed in body["error"], body
        status, _, body = call(port, "GET", "/api")
        assert "POST /jobs/{id}/savepoints" in body["endpoints"] and "GET /jobs" in body["endpoints"], body
        unknown = "0123456789abcdef"
        for method, path in (("GET", f"/jobs/{unknown}"), ("POST", f"/jobs/{unknown}/cancel"),
                             ("POST", f"/jobs/{unknown}/savepoints")):
            status, _, body = call(port, method, path)
            assert status == 404 and body["error"].startswith(f"no job with id {unknown}"), (method, path, body)
        # A savepoint POST without a body (curl -X POST) is read as empty: this job has no checkpoints.dir.
        t0 = time.time()
        head, body = json_body(raw_exchange(port, f"POST /jobs/{jid}/savepoints HTTP/1.1\r\nHost: x\r\n"
                                                  f"Connection: close\r\n\r\n".encode()))
        assert head.startswith("HTTP/1.1 400") and "checkpoints.dir" in body["error"], (head, body)
        assert time.time() - t0 < 2, f"a savepoint POST without a body took {time.time() - t0:.1f}s"
        status, _, body = call(port, "POST", f"/jobs/{jid}/cancel")
        assert status == 202, body
        wait_until("CANCELED", lambda: call(port, "GET", f"/jobs/{jid}")[2]["state"] == "CANCELED", timeout=10)
        for path in (f"/jobs/{jid}/cancel", f"/jobs/{jid}/savepoints"):
            status, _, body = call(port, "POST", path)
            assert status == 409 and f"job {jid} has ended (CANCELED)" in body["error"], (path, status, body)
        print("errors: JSON 405 with Allow for four wrong methods; 404 'no job with id' on GET, cancel and "
              "savepoints; a bodiless savepoint POST answered at once; 409 for an ended job")
    finally:
        c.stop_all()


MODES = {"limits": mode_limits, "curl": mode_curl, "errors": mode_errors, "token": mode_token, "tls": mode_tls}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("eddy")
    ap.add_argument("--modes", default=",".join(MODES))
    ap.add_argument("--keep", action="store_true", help="keep the work directory")
    args = ap.parse_args()
    eddy = os.path.abspath(args.eddy)
    run_modes(args.modes.split(","), lambda m, work: MODES[m](eddy, work), "eddy-rest-", args.keep)


if __name__ == "__main__":
    main()
