#!/usr/bin/env python3
"""Self-test of reference.py on tiny cases whose results were worked out by hand
(the derivations are in the comments). Exits 1 on any failure.

Times are small epoch-millisecond numbers. Unless a test says otherwise:
batch_size 1 (a watermark after every record), max_out_of_orderness 0,
allowed_lateness 0, and each record's value v is a distinct power of two so that a
sum names exactly the records in a window.
"""
import json
import os
import sys
import tempfile

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reference as ref  # noqa: E402

FAILURES = []


def check(name, got, want):
    if got != want:
        FAILURES.append(name)
        print(f"FAIL {name}\n  got:  {got}\n  want: {want}")
    else:
        print(f"ok   {name}")


def ts(ms):
    return ref.format_timestamp(ms)


def spec(window, aggregates=(("n", "count(*)"), ("s", "sum(v)")), key_by=(), lateness=0,
         ooo=0, batch=1, late_output=True, columns=(("k", "string"), ("v", "int64"), ("ts", "timestamp"))):
    return ref.Spec(columns=columns, time_column="ts", ooo_ms=ooo, window=window, key_by=key_by,
                    aggregates=aggregates, allowed_lateness_ms=lateness, late_output=late_output,
                    batch_size=batch)


def recs(*pairs, k="k"):
    return [{"k": k, "v": v, "ts": t} for t, v in pairs]


def rows(res):
    return [tuple(r.values()) for r in res.rows]


def final_rows(spec, res):
    """The window rows a run leaves: with allowed_lateness its changelog folded."""
    return ref.fold_changelog(res.rows) if spec.allowed_lateness_ms > 0 else res.rows


def late_ts(res):
    return [r["ts"] for r in res.late]


def test_tumbling_boundary():
    # size 10, lateness 0. Watermark after each record = max ts so far.
    #  ts 3  (v1):  W=-inf -> on time, [0,10).               then W=3
    #  ts 10 (v2):  on time, [10,20).                          then W=10: [0,10) fires (W == end)
    #  ts 9  (v4):  last_end 10 <= W 10 -> late (boundary)
    #  ts 19 (v8):  on time, [10,20).                          then W=19
    #  ts 12 (v16): end 20 > 19 -> on time, [10,20)
    #  end of input: [10,20) fires with v2+v8+v16 = 26
    s = spec({"type": "tumbling", "size": 10})
    res = ref.simulate(s, recs((3, 1), (10, 2), (9, 4), (19, 8), (12, 16)))
    check("tumbling: W == end fires, last_end == W is late",
          (rows(res), late_ts(res)),
          ([(ts(0), ts(10), 1, 1), (ts(10), ts(20), 3, 26)], [ts(9)]))
    check("tumbling: boundary statistics", (res.stats["fired_at_boundary"], res.stats["late_at_boundary"]), (1, 1))
    check("tumbling: watermarks sent only when they advance", res.watermarks[:-1], [3, 10, 19])


def test_tumbling_allowed_lateness():
    # size 10, allowed_lateness 2: a window fires (+I) at W >= end and is kept until
    # W >= end + 2; late iff end + 2 <= W; a record for a fired, kept window: -U, +U.
    #  ts 3  (v1):  [0,10).                       W=3
    #  ts 10 (v2):  [10,20).                      W=10: [0,10) fires (+I, v1)
    #  ts 9  (v4):  12 <= 10? no -> on time: [0,10) updated: -U v1, +U v1+v4 = 5
    #  ts 12 (v8):  [10,20).                      W=12: [0,10) goes (W == end + lateness)
    #  ts 5  (v16): 12 <= 12 -> late
    #  ts 19 (v32): [10,20).                      W=19
    #  ts 11 (v64): 22 <= 19? no -> [10,20)
    #  end: [10,20) = v2+v8+v32+v64 = 106, 4 rows
    s = spec({"type": "tumbling", "size": 10}, lateness=2)
    res = ref.simulate(s, recs((3, 1), (10, 2), (9, 4), (12, 8), (5, 16), (19, 32), (11, 64)))
    check("tumbling + allowed_lateness 2",
          (rows(res), late_ts(res), res.stats["windows_fired"]),
          ([("+I", ts(0), ts(10), 1, 1), ("-U", ts(0), ts(10), 1, 1), ("+U", ts(0), ts(10), 2, 5),
            ("+I", ts(10), ts(20), 4, 106)], [ts(5)], 2))


def test_session_lateness_updates():
    # gap 5, allowed_lateness 20, batch 1, ooo 0, key "k".
    #  r1 0  (v1):  [0,5)                         W=0
    #  r2 3  (v2):  [3,8) -> [0,8)                W=3
    #  r3 12 (v4):  [12,17)                       W=12: [0,8) fires (+I 3)
    #  r4 2  (v8):  inside the fired [0,8): -U 3, +U 11
    #  r5 7  (v16): [7,12) bridges the fired [0,8) and the open [12,17): -D [0,8) 11;
    #               [0,17) = 31, its end 17 > 12: fires later
    #  r6 30 (v32): [30,35)                       W=30: [0,17) fires (+I 31)
    #  r7 14 (v64): [14,19) grows the fired [0,17): -D, then [0,19) = 95 is due: +I
    #  end: [30,35) = 32
    data = recs((0, 1), (3, 2), (12, 4), (2, 8), (7, 16), (30, 32), (14, 64))
    res = ref.simulate(spec({"type": "session", "gap": 5}, key_by=("k",), lateness=20), data)
    check("sessions: allowed_lateness updates, retracts and re-fires",
          rows(res),
          [("+I", "k", ts(0), ts(8), 2, 3), ("-U", "k", ts(0), ts(8), 2, 3), ("+U", "k", ts(0), ts(8), 3, 11),
           ("-D", "k", ts(0), ts(8), 3, 11), ("+I", "k", ts(0), ts(17), 5, 31),
           ("-D", "k", ts(0), ts(17), 5, 31), ("+I", "k", ts(0), ts(19), 6, 95), ("+I", "k", ts(30), ts(35), 1, 32)])


def test_batches_and_out_of_orderness():
    # size 10. Records of a batch see the watermark after the previous batch.
    # batch_size 2: batch [25, 3] is read at W=-inf: both on time; then W=25 fires [0,10) (v2).
    #               batch [5, 21]: 5 is late (10 <= 25); 21 joins [20,30).  end: [20,30) = v1+v8 = 9
    # batch_size 1: 25 -> W=25; 3 is late; 5 is late; 21 joins [20,30) -> same [20,30), no [0,10)
    data = recs((25, 1), (3, 2), (5, 4), (21, 8))
    res = ref.simulate(spec({"type": "tumbling", "size": 10}, batch=2), data)
    check("batch_size 2", (rows(res), late_ts(res)),
          ([(ts(0), ts(10), 1, 2), (ts(20), ts(30), 2, 9)], [ts(5)]))
    res = ref.simulate(spec({"type": "tumbling", "size": 10}, batch=1), data)
    check("batch_size 1", (rows(res), late_ts(res)),
          ([(ts(20), ts(30), 2, 9)], [ts(3), ts(5)]))
    # max_out_of_orderness 4, batch 1: W = max_ts - 4.
    #  25 -> W=21; 3: 10 <= 21 late; 5: late; 21: [20,30) on time -> W stays 21
    #  14 (v16): 20 <= 21 -> late;  the [10,20) window never gets a record
    #  26 (v32): [20,30), W=22.  end: [20,30) = 1+8+32 = 41
    data = recs((25, 1), (3, 2), (5, 4), (21, 8), (14, 16), (26, 32))
    res = ref.simulate(spec({"type": "tumbling", "size": 10}, ooo=4), data)
    check("max_out_of_orderness 4", (rows(res), late_ts(res), res.watermarks),
          ([(ts(20), ts(30), 3, 41)], [ts(3), ts(5), ts(14)], [21, 22, ref.POS_INF]))
    # ooo 6, same data: 25 -> W=19; 3 late; 5 late; 21 ok; 14: 20 <= 19? no -> [10,20) (v16);
    #  26 -> W=20: [10,20) fires (v16).  end: [20,30) 41
    res = ref.simulate(spec({"type": "tumbling", "size": 10}, ooo=6), data)
    check("max_out_of_orderness 6", (rows(res), late_ts(res)),
          ([(ts(10), ts(20), 1, 16), (ts(20), ts(30), 3, 41)], [ts(3), ts(5)]))


def test_sliding_membership():
    # size 10, slide 2: ts 1007 is in [998,1008) [1000,1010) [1002,1012) [1004,1014) [1006,1016)
    res = ref.simulate(spec({"type": "sliding", "size": 10, "slide": 2}), recs((1007, 1)))
    check("sliding 10/2: five windows",
          rows(res), [(ts(s), ts(s + 10), 1, 1) for s in (998, 1000, 1002, 1004, 1006)])
    # size 10, slide 4 (not a multiple): ts 1013 is in starts 1012, 1008, 1004 (1004+10 > 1013);
    # ts 1014 only in 1012, 1008 (1004+10 = 1014 is not > 1014); ts 1000 in 1000, 996, 992.
    # So [1004,1014) = {1013}: 1 row, sum 1; [1008,1018) = [1012,1022) = {1013, 1014}: 2 rows, sum 3.
    res = ref.simulate(spec({"type": "sliding", "size": 10, "slide": 4}, ooo=100),
                       recs((1013, 1), (1014, 2), (1000, 4)))
    check("sliding 10/4: two or three windows",
          rows(res),
          [(ts(992), ts(1002), 1, 4), (ts(996), ts(1006), 1, 4), (ts(1000), ts(1010), 1, 4),
           (ts(1004), ts(1014), 1, 1), (ts(1008), ts(1018), 2, 3), (ts(1012), ts(1022), 2, 3)])


def test_sliding_lateness():
    # size 10, slide 4, global key, batch 1, ooo 0.
    #  13 (v1): windows [4,14) [8,18) [12,22).                 W=13, nothing ends <= 13
    #  14 (v2): [8,18) [12,22).                                W=14: [4,14) fires (v1)
    #  5  (v4): last_end = 4 + 10 = 14 <= 14 -> late
    #  9  (v8): windows [0,10) [4,14) [8,18); last_end 18 > 14 -> on time, but [0,10) and
    #           [4,14) have fired: it joins [8,18) only. [0,10) had no record: it never emits.
    #  30 (v16): windows [24,34) [28,38) ([20,30) ends at 30, not > 30).   W=30: [8,18) fires
    #           (v1+v2+v8 = 11), [12,22) fires (v1+v2 = 3)
    #  end: [24,34) v16, [28,38) v16
    res = ref.simulate(spec({"type": "sliding", "size": 10, "slide": 4}), recs((13, 1), (14, 2), (5, 4), (9, 8), (30, 16)))
    check("sliding: late records and partially fired windows",
          (rows(res), late_ts(res), res.stats["sliding_partial"]),
          ([(ts(4), ts(14), 1, 1), (ts(8), ts(18), 3, 11), (ts(12), ts(22), 2, 3),
            (ts(24), ts(34), 1, 16), (ts(28), ts(38), 1, 16)], [ts(5)], 1))


def test_sessions():
    # gap 5, ooo 10 (W = max_ts - 10), batch 1, key "k". Sessions that touch merge
    # (Flink's TimeWindow.intersects: start <= other end and end >= other start).
    #  r1  10 (v1):    [10,15)                                        W=0
    #  r2  20 (v2):    [20,25)                                        W=10
    #  r3  14 (v4):    [14,19) overlaps [10,15) -> [10,19)
    #  r4  17 (v8):    [17,22) overlaps [10,19) and [20,25): bridge -> [10,25), v1+2+4+8 = 15
    #  r5  30 (v16):   [30,35)                                        W=20
    #  r6  36 (v32):   [36,41): 36 > 35, apart from [30,35)           W=26: [10,25) fires
    #  r7  41 (v64):   [41,46) touches [36,41): merged -> [36,46)     W=31
    #  r8  30 (v128):  35 > 31 on time; joins [30,35), which [36,46) does not touch
    #  r9  47 (v256):  [47,52): 47 > 46, apart                        W=37: [30,35) fires (16+128 = 144)
    #  r10 34 (v512):  34+5 = 39 > 37 on time; [34,39) overlaps the fired [30,35) (not joined)
    #                  and the open [36,46): -> [34,46)
    #  r11 33 (v1024): 38 > 37 on time; [33,38) overlaps the fired [30,35) (not joined) and
    #                  the open [34,46) -> [33,46)
    #  r12 31 (v2048): 36 <= 37 -> late, although [31,36) overlaps the open [33,46)
    #  end: [33,46) = 32+64+512+1024 = 1632 (4 rows), [47,52) = 256
    data = recs((10, 1), (20, 2), (14, 4), (17, 8), (30, 16), (36, 32), (41, 64), (30, 128),
                (47, 256), (34, 512), (33, 1024), (31, 2048))
    res = ref.simulate(spec({"type": "session", "gap": 5}, key_by=("k",), ooo=10), data)
    check("sessions: merge, bridge, touching, fired sessions are not joined",
          (rows(res), late_ts(res)),
          ([("k", ts(10), ts(25), 4, 15), ("k", ts(30), ts(35), 2, 144), ("k", ts(33), ts(46), 4, 1632),
            ("k", ts(47), ts(52), 1, 256)], [ts(31)]))
    st = res.stats
    check("sessions: statistics",
          (st["session_merges"], st["session_bridges"], st["session_touching"],
           st["session_after_fired"], st["session_late_overlapping_open"]),
          (6, 1, 1, 2, 1))  # merges: r3 r4 r7 r8 r10 r11; touching: r7; after fired: r10 r11; late: r12


def test_session_keys_and_lateness():
    # gap 5, allowed_lateness 3, ooo 0, batch 1; keys a and b are independent.
    #  a 10 (v1): [10,15)                     W=10
    #  b 12 (v2): [12,17)                     W=12
    #  a 16 (v4): [16,21): does not overlap a's [10,15) (b's session is another key)
    #                                         W=16: a[10,15) fires (+I)
    #  b 9  (v8): 9+5+3 = 17 > 16 on time: [9,14) overlaps b's [12,17) -> [9,17)
    #  a 18 (v16): [18,23) overlaps [16,21) -> [16,23)   W=18: a[10,15) goes (15+3 <= 18)
    #  a 12 (v32): 12+5+3 = 20 > 18 on time; [12,17) overlaps a's open [16,23) -> [12,23);
    #              (the fired [10,15) is gone, not joined)
    #  b 20 (v64): [20,25)                    W=20: b[9,17) fires (+I)
    #  b 11 (v128): 11+5+3 = 19 <= 20 -> late
    #  end: a[12,23) = 4+16+32 = 52, b[20,25) = 64
    data = [{"k": k, "v": v, "ts": t} for k, t, v in
            (("a", 10, 1), ("b", 12, 2), ("a", 16, 4), ("b", 9, 8), ("a", 18, 16), ("a", 12, 32),
             ("b", 20, 64), ("b", 11, 128))]
    res = ref.simulate(spec({"type": "session", "gap": 5}, key_by=("k",), lateness=3), data)
    check("sessions: keys, allowed_lateness",
          (rows(res), late_ts(res)),
          ([("+I", "a", ts(10), ts(15), 1, 1), ("+I", "b", ts(9), ts(17), 2, 10),
            ("+I", "a", ts(12), ts(23), 3, 52), ("+I", "b", ts(20), ts(25), 1, 64)], [ts(11)]))


def test_aggregates_and_nulls():
    # One batch, tumbling 10, key k. Every row in [0,10).
    #  a: two rows, every aggregated column NULL -> count(*) 2, count(x) 0, distincts 0,
    #     sum/min/max/avg NULL, min(ts) = 1
    #  b: x = 5, NULL, 5, -7 ; f = 1.5, 2.5, NULL, 0.25 ; s = pear, peach, pear, NULL
    #     count(*) 4, count(x) 3, count(distinct x) 2 {5,-7}, count(distinct s) 2 {pear,peach},
    #     sum(x) 3, sum(f) 4.25, min(x) -7, max(s) "pear" ('r' > 'c'), avg(x) 3/3 = 1.0,
    #     avg(f) 4.25/3 = 1.4166666666666667, min(f) 0.25, min(ts) 3, max(f) 2.5
    cols = (("k", "string"), ("x", "int64"), ("f", "float64"), ("s", "string"), ("ts", "timestamp"))
    aggs = (("n", "count(*)"), ("cx", "count(x)"), ("dx", "count(distinct x)"), ("ds", "COUNT(DISTINCT s)"),
            ("sx", "sum(x)"), ("sf", "sum(f)"), ("mnx", "min(x)"), ("mxs", "max(s)"), ("ax", "avg(x)"),
            ("af", "avg(f)"), ("mnf", "min(f)"), ("mnts", "min(ts)"), ("mxf", "max(f)"))
    data = [dict(zip(("k", "x", "f", "s", "ts"), r)) for r in (
        ("a", None, None, None, 1), ("a", None, None, None, 2),
        ("b", 5, 1.5, "pear", 3), ("b", None, 2.5, "peach", 4), ("b", 5, None, "pear", 5), ("b", -7, 0.25, None, 6))]
    s = spec({"type": "tumbling", "size": 10}, aggregates=aggs, key_by=("k",), batch=100, columns=cols)
    res = ref.simulate(s, data)
    check("aggregates: NULL rules",
          res.rows,
          [{"k": "a", "window_start": ts(0), "window_end": ts(10), "n": 2, "cx": 0, "dx": 0, "ds": 0,
            "sx": None, "sf": None, "mnx": None, "mxs": None, "ax": None, "af": None, "mnf": None,
            "mnts": ts(1), "mxf": None},
           {"k": "b", "window_start": ts(0), "window_end": ts(10), "n": 4, "cx": 3, "dx": 2, "ds": 2,
            "sx": 3, "sf": 4.25, "mnx": -7, "mxs": "pear", "ax": 1.0, "af": 4.25 / 3, "mnf": 0.25,
            "mnts": ts(3), "mxf": 2.5}])
    check("aggregates: avg(f) value", res.rows[1]["af"], 1.4166666666666667)
    check("aggregates: avg is float64 even for int64", type(res.rows[1]["ax"]), float)


def test_values_and_yaml():
    check("format_timestamp", ref.format_timestamp(1704067200123), "2024-01-01 00:00:00.123")
    check("format_timestamp before 1970", ref.format_timestamp(-4), "1969-12-31 23:59:59.996")
    check("parse timestamp text", [ref.parse_timestamp_text(t) for t in
                                   ("2024-01-01 00:00:00.5", "2024-01-01 00:00:01", "1704067200123")],
          [1704067200500, 1704067201000, 1704067200123])
    check("durations", [ref.duration_ms(d, "d") for d in ("10s", "250ms", "2m", "1h", "3000us")],
          [10000, 250, 120000, 3600000, 3])
    doc = ref.parse_yaml(
        "name: t   # comment\n"
        "execution:\n  batch_size: 7\n"
        "sources:\n"
        "  - name: s\n    schema: { a: int64, 'b c': string }\n"
        "    event_time: {column: ts, max_out_of_orderness: 2s}\n"
        "operators:\n"
        "- name: w\n  key_by: [a, \"b c\"]\n  aggregate:\n    n: count(*)\n    d: \"count(distinct a)\"\n"
        "  filter: \"x = '#'\"\n")
    check("yaml subset", doc,
          {"name": "t", "execution": {"batch_size": 7},
           "sources": [{"name": "s", "schema": {"a": "int64", "b c": "string"},
                        "event_time": {"column": "ts", "max_out_of_orderness": "2s"}}],
           "operators": [{"name": "w", "key_by": ["a", "b c"],
                          "aggregate": {"n": "count(*)", "d": "count(distinct a)"},
                          "filter": "x = '#'"}]})


def test_case_folder():
    # The tumbling_boundary data through a case folder: pipeline.yaml + CSV (mixed timestamp
    # forms) -> expected.jsonl and expected_late.jsonl, as the runner uses them.
    with tempfile.TemporaryDirectory() as d:
        with open(os.path.join(d, "pipeline.yaml"), "w") as f:
            f.write("""name: selftest
sources:
  - name: src
    type: file
    path: input.csv
    format: csv
    header: true
    schema: { k: string, v: int64, ts: timestamp }
    event_time: { column: ts, max_out_of_orderness: 0s }
execution:
  batch_size: 1
operators:
  - name: w
    input: src
    key_by: [k]
    window: { type: tumbling, size: 10ms }
    aggregate: { n: count(*), s: sum(v) }
    late_output: late
sinks:
  - { name: out, input: w, type: file, path: out, format: jsonl }
  - { name: late_sink, input: late, type: file, path: out_late, format: jsonl }
""")
        with open(os.path.join(d, "input.csv"), "w") as f:
            f.write("v,k,ts\n1,k,3\n2,k,1970-01-01 00:00:00.010\n4,k,9\n8,k,19\n16,k,12\n")
        ref.write_expected(d, d)
        with open(os.path.join(d, "expected.jsonl")) as f:
            got = [json.loads(line) for line in f]
        with open(os.path.join(d, "expected_late.jsonl")) as f:
            late = [list(json.loads(line).items()) for line in f]
    check("case folder: expected.jsonl", got,
          [{"k": "k", "window_start": ts(0), "window_end": ts(10), "n": 1, "s": 1},
           {"k": "k", "window_start": ts(10), "window_end": ts(20), "n": 3, "s": 26}])
    check("case folder: expected_late.jsonl (input schema, schema column order)", late,
          [[("k", "k"), ("v", 4), ("ts", ts(9))]])


def _offline_windows(spec, records):
    """Batch GROUP BY over all records, written independently of simulate(): what the
    windows must hold when nothing is late and everything fires at the end of input."""
    wt, w = spec.window["type"], spec.window
    groups = {}
    key_of = lambda r: tuple(r[k] for k in spec.key_by)  # noqa: E731
    if wt in ("tumbling", "sliding"):
        slide = w["size"] if wt == "tumbling" else w["slide"]
        for r in records:
            t = r[spec.time_column]
            start = t - t % slide
            while start > t - w["size"]:
                groups.setdefault((key_of(r), start, start + w["size"]), []).append(r)
                start -= slide
    else:
        by_key = {}
        for r in records:
            by_key.setdefault(key_of(r), []).append(r)
        for key, rs in by_key.items():
            rs = sorted(rs, key=lambda r: r[spec.time_column])
            cur, start, end = [], None, None
            for r in rs + [None]:
                t = None if r is None else r[spec.time_column]
                if cur and (r is None or t > end):   # more than `gap` later: the session closed
                    # (exactly `gap` later touches it, and touching sessions merge, as in Flink)
                    groups[(key, start, end)] = cur
                    cur = []
                if r is not None:
                    if not cur:
                        start, end = t, t + w["gap"]
                    cur.append(r)
                    end = max(end, t + w["gap"])
    rows = []
    for (key, start, end), rs in groups.items():
        row = {k: ref.output_value(v, spec.types[k]) for k, v in zip(spec.key_by, key)}
        row["window_start"], row["window_end"] = ts(start), ts(end)
        for out, fn, col in spec.aggregates:
            vals = [r[col] for r in rs if r[col] is not None] if col else []
            if fn == "count_star":
                v = len(rs)
            elif fn == "count":
                v = len(vals)
            elif fn == "count_distinct":
                v = len(set(vals))
            elif not vals:
                v = None
            elif fn == "sum":
                v = sum(vals)
            elif fn == "avg":
                v = sum(vals) / len(vals)
            else:
                v = (min if fn == "min" else max)(vals)
            if fn in ("min", "max", "sum") and v is not None:
                v = ref.output_value(v, spec.types[col])
            row[out] = v
        rows.append(row)
    return rows


def _canon(rows):
    def norm(v):
        return float(f"{v:.10g}") if isinstance(v, float) else v
    return sorted(json.dumps([[k, norm(v)] for k, v in r.items()], ensure_ascii=False) for r in rows)


def test_cases_against_offline_group_by():
    # Every committed case's input, with max_out_of_orderness so large that nothing is late
    # and every window fires at the end: simulate() must equal a plain GROUP BY.
    # And with the case's real settings: every record is either late or counted.
    here = os.path.dirname(os.path.abspath(__file__))
    cases = sorted(c for c in os.listdir(here) if os.path.isfile(os.path.join(here, c, "pipeline.yaml")))
    check("cases found", len(cases) >= 10, True)
    for case in cases:
        spec, path, fmt, _, _ = ref.load_case(os.path.join(here, case))
        records = ref.read_input(path, fmt, spec.columns)
        real = ref.simulate(spec, records)
        star = [a[0] for a in spec.aggregates if a[1] == "count_star"]
        if star and spec.window["type"] != "sliding":
            check(f"{case}: late + counted == records",
                  real.stats["late_records"] + sum(r[star[0]] for r in final_rows(spec, real)), len(records))
        spec.ooo_ms = 10 ** 15
        res = ref.simulate(spec, records)
        check(f"{case}: equals an offline GROUP BY when nothing is late",
              (_canon(final_rows(spec, res)), res.stats["late_records"]), (_canon(_offline_windows(spec, records)), 0))


def main():
    for name, fn in sorted(globals().items()):
        if name.startswith("test_") and callable(fn):
            try:
                fn()
            except Exception as e:  # a crash is a failure too
                FAILURES.append(name)
                print(f"FAIL {name}: {type(e).__name__}: {e}")
    print(f"reference self-test: {len(FAILURES)} failed")
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
