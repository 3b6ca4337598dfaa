#!/usr/bin/env python3
"""Servers for the lookup-join benchmarks (benchmarks/lookup-*.yaml): a private
PostgreSQL on 127.0.0.1:15432 and a Redis on 127.0.0.1:16379, each holding the
table dim(id, name, score) of 100,000 rows (in Redis as hashes dim:<id>).
Runs until interrupted (Ctrl-C / SIGTERM), then stops both. Usage:
  python3 benchmarks/lookup-servers.py &        # prints "ready" when loaded
  EDDY_LOOKUP_PG_PASSWORD=pw-Secret-42 build/eddy bench benchmarks/lookup-pg-nocache.yaml"""

import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "e2e", "servers"))
from pg_server import PgServer  # noqa: E402
from redis_server import RedisServer  # noqa: E402

ROWS = 100000


def main():
    pg = PgServer()
    pg.port = 15432
    pg.start()
    redis = RedisServer()
    redis.port = 16379
    redis.start()
    try:
        pg.sql("CREATE TABLE dim (id bigint PRIMARY KEY, name text, score float8); "
               "INSERT INTO dim SELECT i, 'name-' || i, i * 1.5 FROM generate_series(0, %d) i; ANALYZE dim" % (ROWS - 1))
        proto = "".join("*6\r\n$4\r\nHSET\r\n$%d\r\ndim:%d\r\n$4\r\nname\r\n$%d\r\nname-%d\r\n$5\r\nscore\r\n$%d\r\n%s\r\n"
                        % (len("dim:%d" % i), i, len("name-%d" % i), i, len(repr(i * 1.5)), repr(i * 1.5))
                        for i in range(ROWS))
        subprocess.run(["redis-cli", "-p", str(redis.port), "--pipe"], input=proto.encode(), check=True,
                       capture_output=True)
        print("ready: PostgreSQL 127.0.0.1:%d, Redis 127.0.0.1:%d, %d rows each" % (pg.port, redis.port, ROWS),
              flush=True)
        signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
        while True:
            time.sleep(1)
    except KeyboardInterrupt:
        pass
    finally:
        redis.stop()
        pg.stop()


if __name__ == "__main__":
    main()
