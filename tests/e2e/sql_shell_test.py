#!/usr/bin/env python3
"""The SQL shell (eddy sql) as a person uses it, through tmux: statements typed
line by line, a SELECT over an unbounded source whose rows appear as they
come, Ctrl-C stopping that query but not the shell, a grouped query that
ends, an error that names the statement's line and column, and QUIT.

Usage: sql_shell_test.py EDDY"""
import os
import subprocess
import sys
import time

TIMEOUT_S = 60


class Tmux:
    def __init__(self, command, cwd):
        self.socket = f"eddy-sql-test-{os.getpid()}"
        self.tmux(["new-session", "-d", "-s", "shell", "-x", "160", "-y", "60", "-c", cwd, command])

    def tmux(self, args):
        # CI runs without a terminal: tmux needs TERM to draw its (detached) window.
        env = dict(os.environ, TERM=os.environ.get("TERM") or "xterm")
        return subprocess.run(["tmux", "-L", self.socket] + args, capture_output=True, text=True, timeout=20,
                              env=env)

    def type(self, text):
        for line in text.splitlines():
            # tmux reads an argument ending in ';' as a command separator: send it as a hex key.
            body, semicolon = (line[:-1], True) if line.endswith(";") else (line, False)
            if body:
                self.tmux(["send-keys", "-t", "shell", "-l", body])
            if semicolon:
                self.tmux(["send-keys", "-t", "shell", "-H", "3b"])
            self.tmux(["send-keys", "-t", "shell", "Enter"])

    def key(self, key):
        self.tmux(["send-keys", "-t", "shell", key])

    def screen(self):
        return self.tmux(["capture-pane", "-p", "-t", "shell", "-S", "-2000"]).stdout

    def wait_for(self, text, after=0):
        """Waits until `text` shows after the screen's first `after` characters; returns where."""
        deadline = time.monotonic() + TIMEOUT_S
        while time.monotonic() < deadline:
            screen = self.screen()
            at = screen.find(text, after)
            if at >= 0:
                return at
            time.sleep(0.2)
        raise AssertionError(f"{text!r} did not appear within {TIMEOUT_S} s; the screen:\n{self.screen()}")

    def alive(self):
        return self.tmux(["has-session", "-t", "shell"]).returncode == 0

    def close(self):
        self.tmux(["kill-server"])


def main():
    eddy = os.path.abspath(sys.argv[1])
    work = os.path.dirname(os.path.abspath(__file__))
    shell = Tmux(f"{eddy} sql", work)
    try:
        shell.wait_for("eddy>")
        shell.type("CREATE TABLE ticks (\n  n BIGINT,\n  kind STRING\n) WITH ('connector' = 'datagen', 'rows-per-second' = '20',\n"
                   "  'fields.n.kind' = 'sequence', 'fields.kind.values' = 'a,b');")
        at = shell.wait_for("[INFO] Execute statement succeeded.")
        shell.type("SELECT n, kind FROM ticks WHERE n >= 0;")
        at = shell.wait_for("| +I |", at)
        shell.wait_for("| +I |", at + 10)  # more rows keep coming
        shell.key("C-c")
        at = shell.wait_for("[INFO] Query canceled.", at)
        at = shell.wait_for("eddy>", at)
        assert shell.alive(), "Ctrl-C ended the shell"
        shell.type("CREATE TABLE few (k STRING) WITH ('connector' = 'datagen', 'number-of-rows' = '30',"
                   " 'rows-per-second' = '0', 'fields.k.values' = 'x');")
        at = shell.wait_for("[INFO] Execute statement succeeded.", at)
        shell.type("SELECT k, COUNT(*) AS c\nFROM few\nGROUP BY k;")
        at = shell.wait_for("Received a total of", at)
        shell.type("SELECT nope FROM few;")
        at = shell.wait_for("input.sql:1:8: error: unknown column 'nope'", at)
        shell.type("QUIT;")
        deadline = time.monotonic() + 10
        while shell.alive() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not shell.alive(), "QUIT did not end the shell"
        print("sql shell: ok")
    finally:
        shell.close()


if __name__ == "__main__":
    main()
