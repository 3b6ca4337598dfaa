#!/usr/bin/env python3
"""Writes the inputs and independently computed expected results of the e2e join
cases join_inner, join_left, join_full, join_interval, join_interval_right and
join_window (seeded:
rerunning gives the same files). The expected rows come from nested loops over the
inputs, the plain definition of each join. Run from this folder:
python3 make_join_cases.py"""
import json
import os
import random

BASE = 1704067200000  # 2024-01-01 00:00:00 UTC


def ts_text(ms):
    s, milli = divmod(ms, 1000)
    d, s = divmod(s, 86400)
    h, s = divmod(s, 3600)
    m, s = divmod(s, 60)
    return f"2024-01-{1 + d - 19723:02d} {h:02d}:{m:02d}:{s:02d}.{milli:03d}"


def write_csv(path, header, rows):
    with open(path, "w") as f:
        f.write(",".join(header) + "\n")
        for r in rows:
            f.write(",".join(str(v) for v in r) + "\n")


def write_jsonl(path, rows):
    with open(path, "w") as f:
        for r in sorted(rows, key=lambda r: json.dumps(r)):
            f.write(json.dumps(r) + "\n")


def write(case, name, text):
    os.makedirs(case, exist_ok=True)
    with open(os.path.join(case, name), "w") as f:
        f.write(text)


rng = random.Random(20)

# --- regular joins: auctions and persons, no event time ----------------------
# Persons 1..40, a few ids twice (a key matching several rows), none for 41..50.
persons = [(pid, rng.choice(["ann", "bob", "cy", "dee"]), rng.choice(["OR", "ID", "CA"])) for pid in range(1, 41)]
persons += [(pid, "twin", "WA") for pid in (3, 7, 7)]
persons += [(pid, "lonely", "NV") for pid in (60, 61)]  # sell nothing: only a full join keeps them
rng.shuffle(persons)
auctions = [(aid, rng.randint(1, 50), rng.choice([10, 11, 12])) for aid in range(1000, 1200)]

SOURCES = """sources:
  - name: auction
    type: file
    path: auction.csv
    format: csv
    header: true
    schema: { aid: int64, pid: int64, category: int64 }
  - name: person
    type: file
    path: person.csv
    format: csv
    header: true
    schema: { pid: int64, name: string, city: string }
"""
for case in ("join_inner", "join_left", "join_full"):
    os.makedirs(case, exist_ok=True)
    write_csv(f"{case}/auction.csv", ["aid", "pid", "category"], auctions)
    write_csv(f"{case}/person.csv", ["pid", "name", "city"], persons)

# Nexmark q3's shape: inner join, a residual condition, select over both inputs.
write("join_inner", "pipeline.yaml", "name: join-inner\nexecution: { batch_size: 16 }\n" + SOURCES + """operators:
  - name: q3
    join:
      left: auction
      right: {input: person, as: P}
      on: "auction.pid = P.pid AND auction.category = 10"
    select:
      name: P.name
      city: city
      aid: auction.aid
sinks:
  - { name: out, input: q3, type: file, path: out, format: jsonl }
""")
write("join_inner", "case.json", '{"three_ways": {"copies": 1000, "shift": {"pid": 1000}, "shift_expected": {}}}\n')
write_jsonl("join_inner/expected.jsonl", [
    {"name": n, "city": c, "aid": a} for a, s, cat in auctions for p, n, c in persons if s == p and cat == 10])


def outer_rows(keep_left, keep_right):
    rows = [{"aid": a, "auction_pid": s, "category": cat, "person_pid": p, "name": n, "city": c}
            for a, s, cat in auctions for p, n, c in persons if s == p]
    if keep_left:
        matched = {r["aid"] for r in rows}
        rows += [{"aid": a, "auction_pid": s, "category": cat, "person_pid": None, "name": None, "city": None}
                 for a, s, cat in auctions if a not in matched]
    if keep_right:
        sellers = {s for _, s, _ in auctions}
        rows += [{"aid": None, "auction_pid": None, "category": None, "person_pid": p, "name": n, "city": c}
                 for p, n, c in persons if p not in sellers]
    return rows


CHANGELOG = ('{"changelog": {"mode": "set", "expected": "expected_final.jsonl"}, '
             '"three_ways": {"copies": 1000, "shift": {"pid": 1000}, '
             '"shift_expected": {"auction_pid": 1000, "person_pid": 1000}}}\n')
for case, kind in (("join_left", "left"), ("join_full", "full")):
    write(case, "pipeline.yaml", f"name: {case.replace('_', '-')}\nexecution: {{ batch_size: 16 }}\n" + SOURCES +
          f"""operators:
  - name: sold
    join:
      left: auction
      right: person
      type: {kind}
      on: "auction.pid = person.pid"
sinks:
  - {{ name: out, input: sold, type: file, path: out, format: jsonl }}
""")
    write(case, "case.json", CHANGELOG)
    write_jsonl(f"{case}/expected_final.jsonl", outer_rows(True, kind == "full"))

# --- event-time joins: ad displays and clicks --------------------------------
displays, clicks = [], []
t = BASE
for did in range(300):
    t += rng.randint(0, 2000)
    displays.append((did, rng.randint(1, 8), t))
t = BASE
for cid in range(300):
    t += rng.randint(0, 2000)
    clicks.append((cid, rng.randint(1, 8), t))

TIMED = """sources:
  - name: display
    type: file
    path: display.csv
    format: csv
    header: true
    schema: { did: int64, ad: int64, ts: timestamp }
    event_time: { column: ts, max_out_of_orderness: 1s }
  - name: click
    type: file
    path: click.csv
    format: csv
    header: true
    schema: { cid: int64, ad: int64, ts: timestamp }
    event_time: { column: ts, max_out_of_orderness: 1s }
"""
for case in ("join_interval", "join_interval_right", "join_window"):
    os.makedirs(case, exist_ok=True)
    # Times as epoch milliseconds, which case_ways.py can shift per copy.
    write_csv(f"{case}/display.csv", ["did", "ad", "ts"], displays)
    write_csv(f"{case}/click.csv", ["cid", "ad", "ts"], clicks)

# Kuaishou's shape: a click within 20 s after its display.
write("join_interval", "pipeline.yaml", "name: join-interval\nexecution: { batch_size: 16 }\n" + TIMED + """operators:
  - name: attributed
    join:
      left: display
      right: click
      on: "display.ad = click.ad AND click.ts BETWEEN display.ts AND display.ts + INTERVAL '20' SECOND"
    select:
      did: did
      cid: cid
      shown: display.ts
      clicked: click.ts
sinks:
  - { name: out, input: attributed, type: file, path: out, format: jsonl }
""")
# Copies for the failure and savepoint runs follow each other 1000 s apart.
write("join_interval", "case.json", '{"three_ways": {"copies": 300, "shift": {"ts": 1000000}, '
      '"shift_expected": {"shown": 1000000, "clicked": 1000000}}}\n')
write_jsonl("join_interval/expected.jsonl", [
    {"did": d, "cid": c, "shown": ts_text(dt), "clicked": ts_text(ct)}
    for d, da, dt in displays for c, ca, ct in clicks if da == ca and dt <= ct <= dt + 20000])

write("join_window", "pipeline.yaml", "name: join-window\nexecution: { batch_size: 16 }\n" + TIMED + """operators:
  - name: same_window
    join:
      left: display
      right: click
      on: "display.ad = click.ad"
      window: { type: tumbling, size: 10s }
    select:
      did: did
      cid: cid
sinks:
  - { name: out, input: same_window, type: file, path: out, format: jsonl }
""")
write("join_window", "case.json", '{"three_ways": {"copies": 300, "shift": {"ts": 1000000}, '
      '"shift_expected": {"window_start": 1000000, "window_end": 1000000}}}\n')
write_jsonl("join_window/expected.jsonl", [
    {"did": d, "cid": c, "window_start": ts_text(dt // 10000 * 10000), "window_end": ts_text(dt // 10000 * 10000 + 10000)}
    for d, da, dt in displays for c, ca, ct in clicks if da == ca and dt // 10000 == ct // 10000])

# A right interval join: every click, with its displays of the 20 s before or
# NULL-padded when it has none (it comes out as the click leaves state), then
# counted per 10 s window of the click's time. The padded rows are as old as
# the click, behind the watermark the join gets: the window counts them only
# because the join holds its watermark back.
write("join_interval_right", "pipeline.yaml", "name: join-interval-right\nexecution: { batch_size: 16 }\n" + TIMED +
      """operators:
  - name: attributed
    join:
      left: display
      right: click
      type: right
      on: "display.ad = click.ad AND click.ts BETWEEN display.ts AND display.ts + INTERVAL '20' SECOND"
    select:
      cid: cid
      did: did
      clicked: click.ts
  - name: per_window
    input: attributed
    window: { type: tumbling, size: 10s }
    aggregate:
      rows: count(*)
      attributed: count(did)
sinks:
  - { name: out, input: per_window, type: file, path: out, format: jsonl }
""")
write("join_interval_right", "case.json", '{"three_ways": {"copies": 300, "shift": {"ts": 1000000}, '
      '"shift_expected": {"window_start": 1000000, "window_end": 1000000}}}\n')
per_window = {}
for c, ca, ct in clicks:
    partners = sum(1 for d, da, dt in displays if da == ca and dt <= ct <= dt + 20000)
    w = per_window.setdefault(ct // 10000 * 10000, [0, 0])
    w[0] += max(1, partners)
    w[1] += partners
write_jsonl("join_interval_right/expected.jsonl", [
    {"window_start": ts_text(w), "window_end": ts_text(w + 10000), "rows": n, "attributed": a}
    for w, (n, a) in per_window.items()])
