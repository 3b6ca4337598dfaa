"""A private Redis server for one test run: started on a free port of
127.0.0.1 without persistence, in a temporary directory, stopped by its pid.
`cli(...)` runs one command through redis-cli and returns its raw output."""

import os
import shutil
import signal
import subprocess
import tempfile
import time

from e2e_common import free_port  # noqa: F401 (runners import it from here)

START_TIMEOUT_S = 30


class RedisServer:
    def __init__(self, password=None):
        self.root = tempfile.mkdtemp(prefix="eddy-redis-")
        self.port = free_port()
        self.password = password
        self.proc = None

    def start(self):
        args = ["redis-server", "--bind", "127.0.0.1", "--port", str(self.port), "--dir", self.root,
                "--save", "", "--appendonly", "no", "--daemonize", "no",
                "--logfile", os.path.join(self.root, "redis.log")]
        if self.password:
            args += ["--requirepass", self.password]
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=self.root)
        deadline = time.time() + START_TIMEOUT_S
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("redis-server exited with %d; see %s/redis.log" % (self.proc.returncode, self.root))
            try:
                if self.cli("PING").strip() == "PONG":
                    return self
            except subprocess.SubprocessError:
                pass
            time.sleep(0.05)
        raise RuntimeError("redis-server did not answer PING within %d s" % START_TIMEOUT_S)

    def address(self):
        return "127.0.0.1:%d" % self.port

    def cli(self, *args):
        """One command; its output as redis-cli prints it without a terminal."""
        cmd = ["redis-cli", "-h", "127.0.0.1", "-p", str(self.port)]
        env = dict(os.environ)
        if self.password:
            env["REDISCLI_AUTH"] = self.password
        p = subprocess.run(cmd + [str(a) for a in args], capture_output=True, text=True, timeout=30, env=env)
        if p.returncode != 0:
            raise subprocess.SubprocessError("redis-cli %r failed: %s" % (args, p.stderr))
        return p.stdout

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
