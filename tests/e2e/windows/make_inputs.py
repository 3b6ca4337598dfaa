#!/usr/bin/env python3
"""Writes the input file of every window case, reproducibly (fixed seeds, stdlib only).

Usage:  make_inputs.py [DEST]
DEST defaults to this script's folder; each case's input goes to DEST/<case>/<file>.
run_windows.py regenerates into a temporary DEST and checks the committed inputs are
byte-identical. After changing a generator, run this, then `reference.py CASE_DIR` for the
cases whose input changed, and commit inputs and expected files together.

Event times are written as the file's own records order ("arrival order"): each event gets
a true time, a random delay, and events are written sorted by time + delay, so the file is
out of order by at most the largest delay.
"""
import csv
import io
import json
import os
import random
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, HERE)
import reference as ref  # noqa: E402

BASE = 1704067200000  # 2024-01-01 00:00:00.000 UTC


def ts_text(rng, ms):
    """A timestamp as the sources accept it: epoch ms or 'YYYY-MM-DD HH:MM:SS.fff', at random."""
    return str(ms) if rng.random() < 0.5 else ref.format_timestamp(ms)


def ts_json(rng, ms):
    return ms if rng.random() < 0.5 else ref.format_timestamp(ms)


def arrival_order(events, key="ts", delay=None):
    """events sorted by their time plus delay(event) (stable: ties keep generation order)."""
    keyed = [(e[key] + delay(e), i, e) for i, e in enumerate(events)]
    keyed.sort(key=lambda x: (x[0], x[1]))
    return [e for _, _, e in keyed]


def csv_text(header, rows):
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    for r in rows:
        w.writerow(["" if v is None else v for v in r])
    return buf.getvalue()


def jsonl_text(rows):
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)


def fmt_float(x):
    return repr(float(x))


# ---------------------------------------------------------------------------
# One generator per input; several cases share an input (same generator, same seed).
# ---------------------------------------------------------------------------

def gen_inorder(seed=11):
    """(a) in-order sensor readings, CSV, mixed timestamp forms, quoted strings."""
    rng = random.Random(seed)
    sites = ["north", "south", "east", "west, annex", 'dock "7"', "zone-9"]
    t = BASE + 137
    rows = []
    for _ in range(1200):
        t += rng.choice([0, 20, 125, 250, 250, 500])
        rows.append([rng.randint(1, 6), rng.choice(sites), fmt_float(round(rng.uniform(0.01, 250), 2)),
                     rng.randint(0, 500), ts_text(rng, t)])
    return csv_text(["sensor", "site", "reading", "units", "ts"], rows)


def gen_out_of_order(seed=22):
    """(b)(c)(d) payments, JSONL, on a 50 ms grid so watermarks hit window ends exactly."""
    rng = random.Random(seed)
    items = ["book", "pen", "lamp", "mug", "desk"]
    events = []
    for i in range(1500):
        t = BASE + i * 100 + rng.choice([0, 50])
        events.append({"user": rng.randint(1, 8), "amount": round(rng.uniform(1, 500), 2),
                       "item": rng.choice(items), "ts": t})

    def delay(_):
        r = rng.random()
        if r < 0.90:
            return rng.randint(0, 16) * 50
        if r < 0.97:
            return rng.randint(20, 60) * 50
        return rng.randint(60, 160) * 50

    out = []
    for e in arrival_order(events, delay=delay):
        e = dict(e)
        e["ts"] = ts_json(rng, e["ts"])
        out.append(e)
    return jsonl_text(out)


def gen_sliding(seed=33):
    """(e) clicks per user, CSV, 125 ms grid, some records seconds late."""
    rng = random.Random(seed)
    events = [{"user": rng.randint(1, 4), "qty": rng.randint(1, 9), "ts": BASE + 5000 + i * 125}
              for i in range(800)]

    def delay(_):
        r = rng.random()
        if r < 0.85:
            return rng.randint(0, 4) * 125
        return rng.randint(4, 48) * 125 if r < 0.96 else rng.randint(80, 112) * 125

    rows = [[e["user"], e["qty"], ts_text(rng, e["ts"])] for e in arrival_order(events, delay=delay)]
    return csv_text(["user", "qty", "ts"], rows)


def gen_sessions(seed):
    """(f) user activity in bursts, JSONL, millisecond-random times (no exact touching).
    Between bursts: a short pause (one session), a medium one (two sessions, often with
    one event in the middle that arrives late and bridges them) or a long one."""
    rng = random.Random(seed)
    events = []
    for u in range(1, 9):
        t = BASE + rng.randint(0, 2000)
        while t < BASE + 150_000:
            for _ in range(rng.randint(1, 6)):
                events.append({"user": f"u{u}", "amount": round(rng.uniform(1, 100), 2), "ts": t})
                t += rng.randint(100, 2500)
            t -= rng.randint(100, 2500)  # back to the burst's last event
            r = rng.random()
            if r < 0.35:
                pause = rng.randint(1000, 4900)
            elif r < 0.8:
                pause = rng.randint(5500, 9500)
                if rng.random() < 0.6:
                    mid = t + pause // 2 + rng.randint(-500, 500)
                    events.append({"user": f"u{u}", "amount": round(rng.uniform(1, 100), 2), "ts": mid,
                                   "delay": pause // 2 + rng.randint(500, 4000)})
            else:
                pause = rng.randint(12000, 20000)
            t += pause
    order = sorted(range(len(events)), key=lambda i: (events[i]["ts"], events[i]["user"]))
    events = [events[i] for i in order]

    def delay(e):
        if "delay" in e:
            return e["delay"]
        r = rng.random()
        if r < 0.85:
            return rng.randint(0, 1500)
        if r < 0.95:
            return rng.randint(1500, 6000)
        return rng.randint(6000, 14000)

    out = []
    for e in arrival_order(events, delay=delay):
        e = {"user": e["user"], "amount": e["amount"], "ts": ts_json(rng, e["ts"])}
        out.append(e)
    return jsonl_text(out)


def gen_session_lateness(seed):
    """Sessions with allowed lateness, CSV, NULLs in aggregated columns."""
    rng = random.Random(seed)
    items = ["a", "b", "c", "d"]
    events = []
    for u in range(1, 5):
        t = BASE + rng.randint(0, 1000)
        while t < BASE + 150_000:
            for _ in range(rng.randint(1, 6)):
                events.append({"user": u, "item": None if rng.random() < 0.2 else rng.choice(items),
                               "qty": None if rng.random() < 0.2 else rng.randint(1, 5),
                               "price": None if rng.random() < 0.25 else round(rng.uniform(0.5, 20), 2),
                               "ts": t})
                t += rng.randint(50, 1500)
            t += rng.randint(1500, 6000)
    events.sort(key=lambda e: (e["ts"], e["user"]))

    def delay(_):
        r = rng.random()
        if r < 0.8:
            return rng.randint(0, 400)
        return rng.randint(400, 3000) if r < 0.9 else rng.randint(3000, 8000)

    rows = [[e["user"], e["item"], e["qty"], None if e["price"] is None else fmt_float(e["price"]),
             ts_text(rng, e["ts"])] for e in arrival_order(events, delay=delay)]
    return csv_text(["user", "item", "qty", "price", "ts"], rows)


def gen_session_touching(seed=46):
    """Sessions (gap 3s) whose records often come exactly gap after the one before, on
    whole seconds, so [ts, ts+gap) touches an open session and merges with it (Flink's
    TimeWindow.intersects); some arrive late and touch from the left, or bridge two. CSV."""
    rng = random.Random(seed)
    events = []
    for u in range(1, 7):
        t = BASE + rng.randint(0, 5) * 1000
        while t < BASE + 120_000:
            events.append({"user": u, "v": rng.randint(1, 9), "ts": t})
            r = rng.random()
            step = 3 if r < 0.45 else (rng.randint(1, 2) if r < 0.75 else rng.randint(4, 9))
            t += step * 1000
    events.sort(key=lambda e: (e["ts"], e["user"]))

    def delay(_):
        r = rng.random()
        return 0 if r < 0.7 else (rng.randint(1, 4) * 1000 if r < 0.95 else rng.randint(5, 9) * 1000)

    rows = [[e["user"], e["v"], ts_text(rng, e["ts"])] for e in arrival_order(events, delay=delay)]
    return csv_text(["user", "v", "ts"], rows)


def gen_nulls(seed=55):
    """(g) orders with NULLs, CSV; shop 9 never has a non-NULL aggregated value."""
    rng = random.Random(seed)
    items = ["apple", "pear", "fig, dried", "plum", "kiwi", "lime"]
    prices = [0.5, 1.25, 2.0, 9.99, 10.0, 3.3]
    rows = []
    t = BASE + 500
    for _ in range(900):
        t += rng.choice([10, 50, 100, 200])
        shop = rng.choice([1, 2, 3, 4, 5, 9])
        if shop == 9:
            item = qty = price = None
        else:
            item = None if rng.random() < 0.2 else rng.choice(items)
            qty = None if rng.random() < 0.25 else rng.randint(0, 5)
            price = None if rng.random() < 0.3 else fmt_float(rng.choice(prices))
        jitter = rng.choice([0, 0, 0, 100, 300])  # a little out of order
        rows.append([shop, item, qty, price, ts_text(rng, t - jitter)])
    return csv_text(["shop", "item", "qty", "price", "ts"], rows)


def gen_multi_key(seed=66):
    """(h) sales keyed by (region string, shop int64, premium bool), JSONL, unicode and quotes."""
    rng = random.Random(seed)
    regions = ["Zürich", "São Paulo", "a,b", 'say "hi"', "東京", "plain"]
    events = []
    for i in range(1200):
        events.append({"region": rng.choice(regions), "shop": rng.randint(1, 3), "premium": rng.random() < 0.3,
                       "value": round(rng.uniform(0.1, 99.9), 2), "ts": BASE + 250 + i * 90})

    def delay(_):
        return rng.randint(0, 1500) if rng.random() < 0.9 else rng.randint(1500, 9000)

    out = []
    for e in arrival_order(events, delay=delay):
        e = dict(e)
        e["ts"] = ts_json(rng, e["ts"])
        out.append(e)
    return jsonl_text(out)


def gen_small_batch(seed=77):
    """(i) request log, CSV, 50 ms grid, read 7 rows per batch."""
    rng = random.Random(seed)
    events = [{"dev": rng.randint(1, 3), "bytes": rng.randint(0, 100000),
               "latency": round(rng.uniform(0.1, 80), 3), "ts": BASE + 1000 + i * 50} for i in range(700)]

    def delay(_):
        return rng.randint(0, 8) * 50 if rng.random() < 0.9 else rng.randint(8, 40) * 50

    rows = [[e["dev"], e["bytes"], fmt_float(e["latency"]), ts_text(rng, e["ts"])]
            for e in arrival_order(events, delay=delay)]
    return csv_text(["dev", "bytes", "latency", "ts"], rows)


def gen_global(seed=88):
    """No key_by: one global key. JSONL."""
    rng = random.Random(seed)
    events = [{"user": rng.randint(1, 30), "amount": round(rng.uniform(1, 50), 2), "ts": BASE + i * 100}
              for i in range(600)]

    def delay(_):
        return rng.randint(0, 10) * 100 if rng.random() < 0.9 else rng.randint(10, 40) * 100

    out = []
    for e in arrival_order(events, delay=delay):
        e = dict(e)
        e["ts"] = ts_json(rng, e["ts"])
        out.append(e)
    return jsonl_text(out)


def no_touching(case, text, dest_file):
    """Sessions whose new [ts, ts+gap) exactly touches an open one are avoided in these
    cases (they were made before touching sessions merged; session_touching has them)."""
    spec, _, fmt, _, _ = ref.load_case(os.path.join(HERE, case))
    with open(dest_file, "w", encoding="utf-8", newline="") as f:
        f.write(text)
    res = ref.simulate(spec, ref.read_input(dest_file, fmt, spec.columns))
    return res.stats["session_touching"] == 0


# case -> (input file name, generator, seeded retry check or None)
CASES = {
    "tumbling_inorder": ("input.csv", gen_inorder, None),
    "ooo_drop": ("input.jsonl", gen_out_of_order, None),
    "ooo_late_output": ("input.jsonl", gen_out_of_order, None),
    "allowed_lateness": ("input.jsonl", gen_out_of_order, None),
    "sliding_10s_2s": ("input.csv", gen_sliding, None),
    "sliding_10s_4s": ("input.csv", gen_sliding, None),
    "session_bridge": ("input.jsonl", gen_sessions, (44, no_touching)),
    "session_lateness": ("input.csv", gen_session_lateness, (45, no_touching)),
    "session_touching": ("input.csv", gen_session_touching, None),
    "distinct_nulls": ("input.csv", gen_nulls, None),
    "multi_key": ("input.jsonl", gen_multi_key, None),
    "small_batch": ("input.csv", gen_small_batch, None),
    "global_window": ("input.jsonl", gen_global, None),
}


def write_all(dest):
    for case, (fname, gen, retry) in CASES.items():
        os.makedirs(os.path.join(dest, case), exist_ok=True)
        path = os.path.join(dest, case, fname)
        if retry is None:
            with open(path, "w", encoding="utf-8", newline="") as f:
                f.write(gen())
            continue
        seed, ok = retry
        for s in range(seed, seed + 1000):
            if ok(case, gen(s), path):
                break
        else:
            raise SystemExit(f"{case}: no seed in [{seed}, {seed + 1000}) passes its check")


if __name__ == "__main__":
    write_all(os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else HERE)
