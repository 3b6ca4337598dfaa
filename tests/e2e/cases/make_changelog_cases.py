#!/usr/bin/env python3
"""Writes the inputs and independently computed expected results of the e2e cases
keyed_aggregate_changelog, top_n_window, top_n_keyed, changelog_retraction,
dedup_last_row and aggregate_filter (seeded: rerunning gives the same files; each
case draws from the generator after the ones before it, so new cases go last).
Run from this folder: python3 make_changelog_cases.py"""
import json
import random

BASE = 1704067200000  # 2024-01-01 00:00:00 UTC


def ts_text(ms):
    s, milli = divmod(ms, 1000)
    d, s = divmod(s, 86400)
    h, s = divmod(s, 3600)
    m, s = divmod(s, 60)
    return f"2024-01-{1 + d - 19723:02d} {h:02d}:{m:02d}:{s:02d}.{milli:03d}"


def write_jsonl(path, rows):
    with open(path, "w") as f:
        for r in rows:
            f.write(json.dumps(r) + "\n")


rng = random.Random(7)

# --- unbounded keyed aggregation: final state per key -----------------------
rows = [(rng.randint(1, 12), rng.choice([1.5, 2.0, 2.5, 10.0, None])) for _ in range(700)]
with open("keyed_aggregate_changelog/input.csv", "w") as f:
    f.write("user,amount\n")
    for u, a in rows:
        f.write(f"{u},{'' if a is None else a}\n")
final = {}
for u, a in rows:
    st = final.setdefault(u, {"n": 0, "vals": [], "distinct": set()})
    st["n"] += 1
    if a is not None:
        st["vals"].append(a)
        st["distinct"].add(a)
write_jsonl("keyed_aggregate_changelog/expected_final.jsonl", [
    {"user": u, "n": st["n"], "total": sum(st["vals"]) if st["vals"] else None,
     "d": len(st["distinct"])} for u, st in sorted(final.items())])

# --- top-n after a tumbling window: per 10 s, the 3 auctions with most bids --
bids = []
t = BASE
for i in range(900):
    t += rng.randint(0, 150)
    bids.append((min(int(rng.expovariate(0.3)) + 1, 15), t))
with open("top_n_window/input.csv", "w") as f:
    f.write("auction,ts\n")
    for a, ms in bids:
        f.write(f"{a},{ms}\n")
counts = {}
for a, ms in bids:
    start = ms // 10000 * 10000
    counts[(start, a)] = counts.get((start, a), 0) + 1
expected = []
tied = []  # windows with a tie at the cut: which of the tied rows is kept is the
           # engine's fixed tie-break, so those windows are not compared
for start in sorted({s for s, _ in counts}):
    per = sorted(((n, a) for (s, a), n in counts.items() if s == start), key=lambda x: -x[0])
    if len(per) > 3 and per[2][0] == per[3][0]:
        tied.append(ts_text(start))
        continue
    for n, a in per[:3]:
        expected.append({"auction": a, "window_start": ts_text(start),
                         "window_end": ts_text(start + 10000), "n": n})
write_jsonl("top_n_window/expected.jsonl", expected)
with open("top_n_window/case.json", "w") as f:
    # three_ways: the input 700 times, each copy 70 s later (its own windows), to run long
    # enough to checkpoint mid-run (tests/e2e/case_ways.py).
    json.dump({"ignore_rows_where": {"window_start": tied},
               "three_ways": {"copies": 700, "shift": {"ts": 70000},
                              "shift_expected": {"window_start": 70000, "window_end": 70000}}}, f)
    f.write("\n")

# --- top-n on a keyed stream: per auction the 3 highest bids, as a changelog --
bids = [(rng.randint(1, 8), i, rng.randint(1, 60)) for i in range(600)]
with open("top_n_keyed/input.csv", "w") as f:
    f.write("auction,bidder,price\n")
    for a, b, p in bids:
        f.write(f"{a},{b},{p}\n")
top = {}
for a, b, p in bids:  # earlier rows win ties: a new row must beat the 3rd strictly
    cur = top.setdefault(a, [])
    cur.append((p, -b, b))
    cur.sort(key=lambda x: (-x[0], -x[1]))
    del cur[3:]
write_jsonl("top_n_keyed/expected_final.jsonl", [
    {"auction": a, "bidder": b, "price": p} for a, cur in sorted(top.items()) for p, _, b in cur])

# --- retraction: users per click count (a keyed aggregate over a changelog) -----
clicks = [(rng.randint(1, 40), rng.choice(["home", "cart", "help"])) for _ in range(900)]
with open("changelog_retraction/input.csv", "w") as f:
    f.write("user,page\n")
    for u, pg in clicks:
        f.write(f"{u},{pg}\n")
per_user = {}
for u, _ in clicks:
    per_user[u] = per_user.get(u, 0) + 1
buckets = {}
for u, n in per_user.items():
    buckets.setdefault(n, []).append(u)
write_jsonl("changelog_retraction/expected_final.jsonl", [
    {"clicks": n, "users": len(us), "lo": min(us), "hi": max(us), "total": sum(us)}
    for n, us in sorted(buckets.items())])

# --- dedup keeping the last row, then users per last page -------------------
visits = []
t = BASE
for i in range(700):
    t += rng.randint(1, 40)  # distinct times: the last row of a user is one row
    visits.append((rng.randint(1, 30), rng.choice(["home", "cart", "help", "faq"]), t))
rng.shuffle(visits)  # out of time order: an older row must not replace a newer one
with open("dedup_last_row/input.csv", "w") as f:
    f.write("user,page,ts\n")
    for u, pg, ms in visits:
        f.write(f"{u},{pg},{ms}\n")
last = {}
for u, pg, ms in visits:
    if u not in last or ms > last[u][1]:
        last[u] = (pg, ms)
pages = {}
for u, (pg, ms) in last.items():
    pages.setdefault(pg, []).append((u, ms))
write_jsonl("dedup_last_row/expected_final.jsonl", [
    {"page": pg, "users": len(us), "latest": ts_text(max(ms for _, ms in us))}
    for pg, us in sorted(pages.items())])

# --- FILTER (WHERE ...) in window aggregates (Nexmark q15 to q17) --------------
bids = []
t = BASE
for i in range(1200):
    t += rng.randint(0, 60)
    bids.append((rng.choice(["apple", "google", "baidu"]), f"b{rng.randint(1, 50)}",
                 rng.choice([5, 50, 500, 5000, 50000]) + rng.randint(0, 4), t))
with open("aggregate_filter/input.csv", "w") as f:
    f.write("channel,bidder,price,ts\n")
    for c, b, p, ms in bids:
        f.write(f"{c},{b},{p},{ms}\n")
windows = {}
for c, b, p, ms in bids:
    windows.setdefault((c, ms // 10000 * 10000), []).append((b, p))
expected = []
for (c, start), rows in sorted(windows.items()):
    mid = [p for _, p in rows if 100 <= p < 10000]
    expected.append({
        "channel": c, "window_start": ts_text(start), "window_end": ts_text(start + 10000),
        "total": len(rows),
        "cheap": sum(1 for _, p in rows if p < 100),
        "mid": len(mid),
        "bidders": len({b for b, _ in rows}),
        "rich_bidders": len({b for b, p in rows if p >= 10000}),
        "top": max(p for _, p in rows),
        "low_rich": min((p for _, p in rows if p >= 10000), default=None),
        "spent": sum(p for _, p in rows),
        "mid_avg": sum(mid) / len(mid) if mid else None,
    })
write_jsonl("aggregate_filter/expected.jsonl", expected)
