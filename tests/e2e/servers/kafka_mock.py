"""A Kafka cluster for one test run: tests/e2e/kafka/kafka_mock_cluster (librdkafka's
mock cluster, 3 brokers on 127.0.0.1, random ports) in a process of its own,
stopped by its pid. `command("down 2")` drives it through its stdin. Everything
lives in process memory: no persistence, and each partition keeps at most 5 MiB
(docs/connectors.md, "Kafka", and /work/shared/notes/servers-for-tests.md)."""

import os
import shutil
import signal
import subprocess
import tempfile
import time

START_TIMEOUT_S = 30


class KafkaMock:
    def __init__(self, binary, topics=()):
        self.binary = binary
        self.topics = list(topics)
        self.root = tempfile.mkdtemp(prefix="eddy-kafka-")
        self.proc = None
        self.bootstrap = None

    def start(self):
        path = os.path.join(self.root, "bootstrap.txt")
        self.proc = subprocess.Popen([self.binary, path] + self.topics, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=open(os.path.join(self.root, "mock.log"), "w"),
                                     text=True)
        deadline = time.time() + START_TIMEOUT_S
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("kafka_mock_cluster exited with %d" % self.proc.returncode)
            if os.path.exists(path):
                with open(path) as f:
                    self.bootstrap = f.read().strip()
                if self.bootstrap:
                    return self
            time.sleep(0.05)
        raise RuntimeError("kafka_mock_cluster wrote no bootstrap address within %d s" % START_TIMEOUT_S)

    def command(self, line):
        """One stdin command ("create t 32", "down 2", "up 2"); returns its answer line."""
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()
        return self.proc.stdout.readline().strip()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.proc = None
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
