"""A private PostgreSQL server for one test run: initdb into a temporary
directory, started on a free port of 127.0.0.1 with prepared transactions
enabled, stopped by its pid. PostgreSQL refuses to run as root, so as root the
server runs as the `postgres` user (Debian's package creates it). Connections
over TCP need the password (scram), those over the private socket do not, so
tests can check that a wrong password is refused and never printed."""

import glob
import os
import shutil
import signal
import subprocess
import tempfile
import time

from e2e_common import free_port  # noqa: F401 (runners import it from here)

USER = "eddy"
PASSWORD = "pw-Secret-42"
START_TIMEOUT_S = 60


def _bin_dir():
    dirs = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda d: int(d.split("/")[-2]))
    if not dirs:
        raise RuntimeError("no PostgreSQL server under /usr/lib/postgresql (scripts/install-deps.sh installs it)")
    return dirs[-1]


class PgServer:
    def __init__(self):
        self.bin = _bin_dir()
        self.root = tempfile.mkdtemp(prefix="eddy-pg-")
        self.as_root = os.geteuid() == 0
        if self.as_root:
            shutil.chown(self.root, "postgres", "postgres")
        self.data = os.path.join(self.root, "data")
        self.port = free_port()
        self.pid = None

    def _run(self, args, timeout=START_TIMEOUT_S, check=True):
        cmd = (["runuser", "-u", "postgres", "--"] if self.as_root else []) + args
        p = subprocess.run(cmd, cwd="/", capture_output=True, text=True, timeout=timeout)
        if check and p.returncode != 0:
            raise RuntimeError("%s failed (%d): %s %s" % (args[0], p.returncode, p.stdout, p.stderr))
        return p

    def start(self):
        self._run([self.bin + "/initdb", "-D", self.data, "-U", USER, "--auth-local=trust",
                   "--auth-host=scram-sha-256", "--no-sync", "-E", "UTF8", "--locale=C.UTF-8"])
        opts = ("-c listen_addresses=127.0.0.1 -p %d -k %s -c fsync=off -c synchronous_commit=off "
                "-c full_page_writes=off -c max_prepared_transactions=16" % (self.port, self.root))
        self._run([self.bin + "/pg_ctl", "-D", self.data, "-l", os.path.join(self.root, "pg.log"), "-w",
                   "-t", "30", "-o", opts, "start"])
        with open(os.path.join(self.data, "postmaster.pid")) as f:
            self.pid = int(f.readline())
        self.sql("ALTER USER %s PASSWORD '%s'" % (USER, PASSWORD))
        return self

    def url(self, db="postgres"):
        return "jdbc:postgresql://127.0.0.1:%d/%s" % (self.port, db)

    def sql(self, text, db="postgres"):
        """Runs SQL over the socket; rows as lists of strings."""
        p = subprocess.run([self.bin + "/psql", "-h", self.root, "-p", str(self.port), "-U", USER, "-d", db,
                            "-At", "-F", "\t", "-v", "ON_ERROR_STOP=1", "-c", text],
                           capture_output=True, text=True, timeout=60, cwd="/")
        if p.returncode != 0:
            raise RuntimeError("psql %r failed: %s" % (text[:200], p.stderr))
        return [line.split("\t") for line in p.stdout.splitlines() if line != ""]

    def stop(self):
        if self.pid:
            try:
                os.kill(self.pid, signal.SIGINT)  # fast shutdown
                deadline = time.time() + 20
                while time.time() < deadline:
                    os.kill(self.pid, 0)
                    time.sleep(0.1)
                os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.pid = None
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
