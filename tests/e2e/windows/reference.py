#!/usr/bin/env python3
"""Reference implementation of eddy's event-time window semantics (docs/windows.md).

Independent of the engine: Python 3 standard library only. It reads a window case
folder (pipeline.yaml + one CSV or JSONL input file), simulates the single source
subtask that reads that one split, and writes the rows the pipeline's sinks must hold:

  expected.jsonl       rows of the sink that reads the window operator (path `out`)
  expected_late.jsonl  rows of the sink that reads the operator's late_output (path `out_late`),
                       only when the pipeline has such a sink

Usage:  reference.py CASE_DIR [--out DIR]     (DIR defaults to CASE_DIR)
The statistics of the simulation (late records, session merges, ...) go to stdout as JSON.

Supported pipelines (anything else is refused with a message):
  - exactly one source: type file, format csv (header: true) or jsonl, a single file,
    schema of int64/float64/bool/string/timestamp, event_time {column,
    max_out_of_orderness[, idle_timeout]};
  - exactly one operator: the window aggregate (key_by optional, window, aggregate,
    allowed_lateness optional, late_output optional), reading the source;
  - file sinks with format jsonl reading the operator (path out) or its late stream
    (path out_late).
  - execution.batch_size (default 1024): rows per source batch.

Model (docs/windows.md):
  - the source reads batch_size rows per batch; after each batch W = max_ts - ooo if that
    advances W (NULL event times ignored); records of a batch see the W after the
    previous batch (initially -infinity);
  - a record is late iff last_end + allowed_lateness <= W (tumbling: end; sliding:
    floor(ts/slide)*slide + size; session: ts + gap); late records go to the late
    stream unchanged, or are dropped;
  - otherwise it updates every window containing it that is kept (end +
    allowed_lateness > W); sessions: [ts, ts+gap) merged with every kept session of the
    key that it overlaps or touches, as Flink's TimeWindow.intersects (start <= other
    end and end >= other start): a record exactly gap after the last one joins its
    session;
  - after each batch's watermark, every window with end <= W fires (+I); with
    allowed_lateness it is kept until end + allowed_lateness <= W, and a record for a
    fired window emits -U (the row before) and +U (after); a window due but without a
    row emits +I at once; a record that grows or merges fired sessions emits -D for
    each and +I for the merged session once its end <= W (docs/windows.md "Allowed
    lateness"); at the end of the input, W = +infinity and every open window fires.
  - with allowed_lateness > 0 the output is a changelog, `op` first: expected.jsonl
    holds what it folds to (each window's last row, without op), as the emitted pairs
    depend on how records are batched; run_windows.py folds eddy's output to compare.
"""
import csv
import datetime
import json
import math
import os
import re
import sys

NEG_INF = float("-inf")
POS_INF = float("inf")


class CaseError(Exception):
    pass


# ---------------------------------------------------------------------------
# A small YAML subset: block mappings, block sequences ("- "), flow mappings and
# sequences ({a: b}, [a, b]), single/double quoted and plain scalars, comments.
# ---------------------------------------------------------------------------

_KEY_RE = re.compile(r'^("(?:[^"\\]|\\.)*"|\'(?:[^\']|\'\')*\'|[^\s"\'{}\[\],:#][^:#]*?)\s*:(?:\s+|$)')


def _strip_comment(line):
    quote = None
    for i, ch in enumerate(line):
        if quote:
            if ch == "\\" and quote == '"':
                continue
            if ch == quote:
                quote = None
        elif ch in "\"'" and (i == 0 or line[i - 1] in " \t:{[,-"):
            quote = ch
        elif ch == "#" and (i == 0 or line[i - 1] in " \t"):
            return line[:i]
    return line


def _plain_scalar(text):
    t = text.strip()
    if t in ("true", "True", "TRUE"):
        return True
    if t in ("false", "False", "FALSE"):
        return False
    if t in ("null", "Null", "NULL", "~", ""):
        return None
    if re.fullmatch(r"[-+]?\d+", t):
        return int(t)
    if re.fullmatch(r"[-+]?(\d+\.\d*|\.\d+|\d+)([eE][-+]?\d+)?", t):
        return float(t)
    return t


def _unquote(text):
    if text[0] == '"':
        return json.loads(text)  # YAML double-quoted escapes are a superset of what we use
    return text[1:-1].replace("''", "'")


class _Flow:
    """Parser of one flow value ({...}, [...], quoted or plain scalar)."""

    def __init__(self, text):
        self.s = text
        self.i = 0

    def ws(self):
        while self.i < len(self.s) and self.s[self.i] in " \t":
            self.i += 1

    def value(self, in_flow):
        self.ws()
        if self.i >= len(self.s):
            return None
        c = self.s[self.i]
        if c == "{":
            return self.mapping()
        if c == "[":
            return self.sequence()
        if c in "\"'":
            return _unquote(self.quoted())
        start = self.i
        stops = ",]}" if in_flow else ""
        while self.i < len(self.s) and self.s[self.i] not in stops:
            if in_flow and self.s[self.i] == ":" and self.i + 1 < len(self.s) and self.s[self.i + 1] in " \t":
                break
            self.i += 1
        return _plain_scalar(self.s[start:self.i])

    def quoted(self):
        q = self.s[self.i]
        j = self.i + 1
        while j < len(self.s):
            if q == '"' and self.s[j] == "\\":
                j += 2
                continue
            if self.s[j] == q:
                if q == "'" and j + 1 < len(self.s) and self.s[j + 1] == "'":
                    j += 2
                    continue
                break
            j += 1
        if j >= len(self.s):
            raise CaseError(f"yaml: unterminated quote in {self.s!r}")
        text = self.s[self.i:j + 1]
        self.i = j + 1
        return text

    def expect(self, ch):
        self.ws()
        if self.i >= len(self.s) or self.s[self.i] != ch:
            raise CaseError(f"yaml: expected {ch!r} at column {self.i + 1} of {self.s!r}")
        self.i += 1

    def mapping(self):
        self.expect("{")
        out = {}
        self.ws()
        if self.s[self.i:self.i + 1] == "}":
            self.i += 1
            return out
        while True:
            self.ws()
            key = self.value(True)
            self.expect(":")
            out[str(key)] = self.value(True)
            self.ws()
            if self.s[self.i:self.i + 1] == ",":
                self.i += 1
                continue
            self.expect("}")
            return out

    def sequence(self):
        self.expect("[")
        out = []
        self.ws()
        if self.s[self.i:self.i + 1] == "]":
            self.i += 1
            return out
        while True:
            out.append(self.value(True))
            self.ws()
            if self.s[self.i:self.i + 1] == ",":
                self.i += 1
                continue
            self.expect("]")
            return out


def _inline_value(text):
    f = _Flow(text)
    v = f.value(False)
    f.ws()
    if f.i != len(text):
        raise CaseError(f"yaml: cannot read {text!r}")
    return v


def parse_yaml(text):
    lines = []
    for raw in text.splitlines():
        s = _strip_comment(raw).rstrip()
        if not s.strip() or s.strip() == "---":
            continue
        body = s.lstrip(" ")
        if body.startswith("\t"):
            raise CaseError("yaml: tabs are not allowed for indentation")
        lines.append([len(s) - len(body), body])
    if not lines:
        return None
    node, i = _block(lines, 0, lines[0][0])
    if i != len(lines):
        raise CaseError(f"yaml: unexpected indentation at {lines[i][1]!r}")
    return node


def _is_item(body):
    return body == "-" or body.startswith("- ")


def _block(lines, i, indent):
    if _is_item(lines[i][1]):
        return _sequence(lines, i, indent)
    if _KEY_RE.match(lines[i][1]):
        return _mapping(lines, i, indent)
    return _inline_value(lines[i][1]), i + 1


def _mapping(lines, i, indent):
    out = {}
    while i < len(lines) and lines[i][0] == indent and not _is_item(lines[i][1]):
        body = lines[i][1]
        m = _KEY_RE.match(body)
        if not m:
            raise CaseError(f"yaml: expected 'key: value', got {body!r}")
        key = m.group(1).strip()
        if key[0] in "\"'":
            key = _unquote(key)
        rest = body[m.end():].strip()
        i += 1
        if rest:
            out[key] = _inline_value(rest)
        elif i < len(lines) and (lines[i][0] > indent or (lines[i][0] == indent and _is_item(lines[i][1]))):
            out[key], i = _block(lines, i, lines[i][0])
        else:
            out[key] = None
    if i < len(lines) and lines[i][0] > indent:
        raise CaseError(f"yaml: unexpected indentation at {lines[i][1]!r}")
    return out, i


def _sequence(lines, i, indent):
    out = []
    while i < len(lines) and lines[i][0] == indent and _is_item(lines[i][1]):
        body = lines[i][1]
        content = body[1:].lstrip(" ")
        if not content:
            i += 1
            if i < len(lines) and lines[i][0] > indent:
                item, i = _block(lines, i, lines[i][0])
            else:
                item = None
        elif _KEY_RE.match(content) or _is_item(content):
            # "- key: v" starts a mapping whose keys sit at the column of `key`
            lines[i] = [indent + (len(body) - len(content)), content]
            item, i = _block(lines, i, lines[i][0])
        else:
            item = _inline_value(content)
            i += 1
        out.append(item)
    return out, i


# ---------------------------------------------------------------------------
# Values
# ---------------------------------------------------------------------------

EPOCH = datetime.datetime(1970, 1, 1)
_TS_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,3}))?$")
_DUR_RE = re.compile(r"^\s*(\d+)\s*(us|ms|s|m|h)\s*$")
_DUR_US = {"us": 1, "ms": 1000, "s": 1000_000, "m": 60_000_000, "h": 3600_000_000}


def duration_ms(text, what):
    if text is None:
        return None
    m = _DUR_RE.match(str(text))
    if not m:
        raise CaseError(f"{what}: not a duration with a unit: {text!r}")
    us = int(m.group(1)) * _DUR_US[m.group(2)]
    if us % 1000:
        raise CaseError(f"{what}: {text!r} is not a whole number of milliseconds (the reference works in ms)")
    return us // 1000


def parse_timestamp_text(text):
    text = text.strip()
    if re.fullmatch(r"[-+]?\d+", text):
        return int(text)
    m = _TS_RE.match(text)
    if not m:
        raise CaseError(f"not a timestamp: {text!r}")
    y, mo, d, h, mi, s = (int(g) for g in m.groups()[:6])
    frac = m.group(7) or "0"
    ms = int(frac.ljust(3, "0"))
    dt = datetime.datetime(y, mo, d, h, mi, s)
    delta = dt - EPOCH
    return (delta.days * 86400 + delta.seconds) * 1000 + ms


def format_timestamp(ms):
    dt = EPOCH + datetime.timedelta(milliseconds=ms)
    return dt.strftime("%Y-%m-%d %H:%M:%S") + f".{ms % 1000:03d}"


TYPES = ("int64", "float64", "bool", "string", "timestamp")


def parse_field(text, typ, where):
    """A CSV field: empty is NULL."""
    if text == "":
        return None
    try:
        if typ == "int64":
            return int(text)
        if typ == "float64":
            v = float(text)
            if math.isnan(v) or math.isinf(v):
                raise ValueError
            return v
        if typ == "bool":
            if text not in ("true", "false"):
                raise ValueError
            return text == "true"
        if typ == "string":
            return text
        if typ == "timestamp":
            return parse_timestamp_text(text)
    except (ValueError, CaseError):
        pass
    raise CaseError(f"{where}: {text!r} is not a {typ}")


def parse_json_value(v, typ, where):
    if v is None:
        return None
    ok = False
    if typ == "int64":
        ok = isinstance(v, int) and not isinstance(v, bool)
    elif typ == "float64":
        ok = isinstance(v, (int, float)) and not isinstance(v, bool)
        v = float(v) if ok else v
    elif typ == "bool":
        ok = isinstance(v, bool)
    elif typ == "string":
        ok = isinstance(v, str)
    elif typ == "timestamp":
        if isinstance(v, int) and not isinstance(v, bool):
            return v
        if isinstance(v, str):
            return parse_timestamp_text(v)
    if not ok:
        raise CaseError(f"{where}: {v!r} is not a {typ}")
    return v


def output_value(v, typ):
    if v is None:
        return None
    if typ == "timestamp":
        return format_timestamp(v)
    if typ == "float64":
        return float(v)
    return v


# ---------------------------------------------------------------------------
# The case's pipeline
# ---------------------------------------------------------------------------

AGG_RE = re.compile(r"^\s*(count|sum|min|max|avg)\s*\(\s*(distinct\s+)?(\*|[A-Za-z_][A-Za-z0-9_]*)\s*\)\s*$",
                    re.IGNORECASE)


class Spec:
    """Everything the simulation needs, from a pipeline (or built by hand in tests)."""

    def __init__(self, columns, time_column, ooo_ms, window, key_by=(), aggregates=(),
                 allowed_lateness_ms=0, late_output=False, batch_size=1024):
        self.columns = list(columns)              # [(name, type)] of the operator's input
        self.types = dict(self.columns)
        self.time_column = time_column
        self.ooo_ms = ooo_ms
        self.window = dict(window)                # {type, size, slide, gap} in ms
        self.key_by = list(key_by)
        self.aggregates = []                      # [(output, function, column or None)]
        for out, call in aggregates:
            self.aggregates.append((out,) + parse_aggregate(call, self.types))
        self.allowed_lateness_ms = allowed_lateness_ms
        self.late_output = late_output
        self.batch_size = batch_size
        for k in self.key_by:
            if k not in self.types:
                raise CaseError(f"key_by column {k!r} is not an input column")
        if self.types.get(time_column) != "timestamp":
            raise CaseError(f"event_time column {time_column!r} is not a timestamp column")
        wt = self.window.get("type")
        need = {"tumbling": ("size",), "sliding": ("size", "slide"), "session": ("gap",)}.get(wt)
        if need is None:
            raise CaseError(f"window type {wt!r}")
        for n in need:
            if not self.window.get(n) or self.window[n] <= 0:
                raise CaseError(f"window {n} must be a positive duration")
        if batch_size < 1:
            raise CaseError("batch_size must be >= 1")

    def output_columns(self):
        cols = list(self.key_by) + ["window_start", "window_end"]
        return cols + [a[0] for a in self.aggregates]


def parse_aggregate(call, types):
    m = AGG_RE.match(call)
    if not m:
        raise CaseError(f"unsupported aggregate call {call!r}")
    fn, distinct, col = m.group(1).lower(), bool(m.group(2)), m.group(3)
    if col == "*":
        if fn != "count" or distinct:
            raise CaseError(f"{call!r}: only count(*) takes *")
        return ("count_star", None)
    if col not in types:
        raise CaseError(f"{call!r}: no input column {col!r}")
    if distinct:
        if fn != "count":
            raise CaseError(f"{call!r}: only count takes distinct")
        return ("count_distinct", col)
    typ = types[col]
    if fn in ("sum", "avg") and typ not in ("int64", "float64"):
        raise CaseError(f"{call!r}: {fn} of a {typ} column")
    if fn in ("min", "max") and typ == "bool":
        raise CaseError(f"{call!r}: {fn} of a bool column")
    return (fn, col)


def _named(items, kind):
    out = {}
    for it in items or []:
        if not isinstance(it, dict) or "name" not in it:
            raise CaseError(f"every {kind} needs a name")
        out[it["name"]] = it
    return out


def load_case(case_dir):
    """(spec, input path, input format, main sink path or None, late sink path or None)."""
    with open(os.path.join(case_dir, "pipeline.yaml"), encoding="utf-8") as f:
        doc = parse_yaml(f.read())
    if not isinstance(doc, dict):
        raise CaseError("pipeline.yaml is not a mapping")
    if "parallelism" in doc:
        raise CaseError("window cases leave parallelism unset (the runner sets -p)")
    sources = doc.get("sources") or []
    operators = doc.get("operators") or []
    sinks = doc.get("sinks") or []
    if len(sources) != 1 or len(operators) != 1:
        raise CaseError("the reference supports one source and one (window) operator")
    src, op = sources[0], operators[0]
    if src.get("type") != "file" or src.get("format") not in ("csv", "jsonl"):
        raise CaseError("the source must be a file source with format csv or jsonl")
    if src.get("format") == "csv" and src.get("header") is not True:
        raise CaseError("csv input needs header: true")
    schema = src.get("schema")
    if not isinstance(schema, dict) or not schema:
        raise CaseError("the source needs a schema")
    for name, typ in schema.items():
        if typ not in TYPES:
            raise CaseError(f"column {name}: unsupported type {typ!r}")
    et = src.get("event_time")
    if not isinstance(et, dict) or "column" not in et:
        raise CaseError("the source needs event_time (the reference models event time only)")
    input_path = os.path.join(case_dir, src["path"])
    if op.get("input") != src["name"]:
        raise CaseError("the window operator must read the source")
    known = {"name", "input", "key_by", "window", "aggregate", "allowed_lateness", "late_output"}
    if set(op) - known:
        raise CaseError(f"operator keys the reference does not model: {sorted(set(op) - known)}")
    win = op.get("window") or {}
    window = {"type": win.get("type"),
              "size": duration_ms(win.get("size"), "window size"),
              "slide": duration_ms(win.get("slide"), "window slide"),
              "gap": duration_ms(win.get("gap"), "window gap")}
    aggs = op.get("aggregate")
    if not isinstance(aggs, dict) or not aggs:
        raise CaseError("the operator needs an aggregate mapping")
    execution = doc.get("execution") or {}
    spec = Spec(columns=list(schema.items()),
                time_column=et["column"],
                ooo_ms=duration_ms(et.get("max_out_of_orderness", "0ms"), "max_out_of_orderness"),
                window=window,
                key_by=op.get("key_by") or [],
                aggregates=list(aggs.items()),
                allowed_lateness_ms=duration_ms(op.get("allowed_lateness", "0ms"), "allowed_lateness"),
                late_output=bool(op.get("late_output")),
                batch_size=int(execution.get("batch_size", 1024)))
    main_sink = late_sink = None
    for sink in sinks:
        if sink.get("input") == op["name"]:
            which = "main"
        elif op.get("late_output") and sink.get("input") == op["late_output"]:
            which = "late"
        else:
            raise CaseError(f"sink {sink.get('name')!r} reads {sink.get('input')!r}, which the reference does not model")
        want_path = "out" if which == "main" else "out_late"
        if sink.get("type") != "file" or sink.get("format") != "jsonl" or sink.get("path") != want_path:
            raise CaseError(f"sink {sink.get('name')!r}: must be type file, format jsonl, path {want_path}")
        if which == "main":
            main_sink = want_path
        else:
            late_sink = want_path
    return spec, input_path, src["format"], main_sink, late_sink


def read_input(path, fmt, columns):
    """Rows as dicts (column -> value; timestamps in epoch ms), in file order."""
    types = dict(columns)
    rows = []
    with open(path, encoding="utf-8-sig", newline="") as f:
        if fmt == "csv":
            reader = csv.reader(f)
            header = next(reader)
            missing = [c for c in types if c not in header]
            if missing:
                raise CaseError(f"{path}: header lacks {missing}")
            for n, rec in enumerate(reader, start=2):
                if not rec:
                    continue
                if len(rec) != len(header):
                    raise CaseError(f"{path}:{n}: {len(rec)} fields, header has {len(header)}")
                byname = dict(zip(header, rec))
                rows.append({c: parse_field(byname[c], t, f"{path}:{n}") for c, t in columns})
        else:
            for n, line in enumerate(f, start=1):
                if not line.strip():
                    continue
                obj = json.loads(line)
                rows.append({c: parse_json_value(obj.get(c), t, f"{path}:{n}") for c, t in columns})
    return rows


# ---------------------------------------------------------------------------
# Accumulators
# ---------------------------------------------------------------------------

def acc_new(spec):
    acc = []
    for _, fn, _ in spec.aggregates:
        if fn in ("count_star", "count"):
            acc.append(0)
        elif fn == "count_distinct":
            acc.append(set())
        elif fn == "avg":
            acc.append([None, 0])   # sum of non-NULL values, their count
        else:
            acc.append(None)        # sum, min, max: None until a non-NULL value
    return acc


def acc_add(spec, acc, rec):
    for i, (_, fn, col) in enumerate(spec.aggregates):
        if fn == "count_star":
            acc[i] += 1
            continue
        v = rec[col]
        if v is None:
            continue
        if fn == "count":
            acc[i] += 1
        elif fn == "count_distinct":
            acc[i].add(v)
        elif fn == "sum":
            acc[i] = v if acc[i] is None else acc[i] + v
        elif fn == "min":
            acc[i] = v if acc[i] is None or v < acc[i] else acc[i]
        elif fn == "max":
            acc[i] = v if acc[i] is None or v > acc[i] else acc[i]
        elif fn == "avg":
            s, n = acc[i]
            acc[i] = [v if s is None else s + v, n + 1]


def acc_merge(spec, a, b):
    """a := a merged with b (session merging)."""
    for i, (_, fn, _) in enumerate(spec.aggregates):
        x, y = a[i], b[i]
        if fn in ("count_star", "count"):
            a[i] = x + y
        elif fn == "count_distinct":
            a[i] = x | y
        elif fn == "sum":
            a[i] = y if x is None else (x if y is None else x + y)
        elif fn == "min":
            a[i] = y if x is None else (x if y is None else min(x, y))
        elif fn == "max":
            a[i] = y if x is None else (x if y is None else max(x, y))
        elif fn == "avg":
            s = y[0] if x[0] is None else (x[0] if y[0] is None else x[0] + y[0])
            a[i] = [s, x[1] + y[1]]


def acc_values(spec, acc):
    out = []
    for i, (_, fn, col) in enumerate(spec.aggregates):
        v = acc[i]
        if fn in ("count_star", "count"):
            out.append(v)
        elif fn == "count_distinct":
            out.append(len(v))
        elif fn == "avg":
            s, n = v
            out.append(None if n == 0 else s / n)  # int / int is true division: float64
        else:
            out.append(output_value(v, spec.types[col]))
    return out


# ---------------------------------------------------------------------------
# The simulation
# ---------------------------------------------------------------------------

class Result:
    def __init__(self):
        self.rows = []        # window output rows (dicts, column order), in emission order
        self.late = []        # late records (input rows, output-formatted), in arrival order
        self.watermarks = []  # every watermark the operator saw, in order
        self.stats = {
            "records": 0, "batches": 0, "windows_fired": 0,
            "late_records": 0,            # late: sent to late_output, or dropped
            "late_at_boundary": 0,        # late with last_end + lateness == W exactly
            "fired_at_boundary": 0,       # fired by a W == end + lateness exactly
            "fired_at_end_of_input": 0,   # fired by the final +infinity watermark
            "sliding_partial": 0,         # on time, but some of its sliding windows had fired
            "session_merges": 0,          # records that joined at least one open session
            "session_bridges": 0,         # records that merged two or more open sessions
            "session_after_fired": 0,     # on time, overlapping a fired session: started a new one
            "session_late_overlapping_open": 0,  # late by ts+gap, yet overlapping an open session
            "session_touching": 0,        # [ts, ts+gap) touches an open session (and merges with it)
        }


def _key_of(spec, rec):
    return tuple(rec[k] for k in spec.key_by)


def simulate(spec, records):
    """Runs the window operator over `records` (dicts, file order). Returns a Result."""
    res = Result()
    st = res.stats
    L = spec.allowed_lateness_ms
    wt = spec.window["type"]
    size, slide, gap = spec.window.get("size"), spec.window.get("slide"), spec.window.get("gap")
    W = NEG_INF
    max_ts = None
    seq = 0
    windows = {}    # tumbling/sliding: (key, start) -> [end, seq, acc, fired]
    sessions = {}   # session: key -> list of [start, end, seq, acc, fired], kept ones only
    fired_sessions = {}  # key -> [(start, end)], for statistics only

    def last_end(ts):
        if wt == "tumbling":
            return ts // size * size + size
        if wt == "sliding":
            return ts // slide * slide + size
        return ts + gap

    def emit(op, key, start, end, acc):
        row = {"op": op} if L > 0 else {}
        for k, v in zip(spec.key_by, key):
            row[k] = output_value(v, spec.types[k])
        row["window_start"] = format_timestamp(start)
        row["window_end"] = format_timestamp(end)
        for (out, _, _), v in zip(spec.aggregates, acc_values(spec, acc)):
            row[out] = v
        res.rows.append(row)
        if op != "+I":
            return
        st["windows_fired"] += 1
        if W == POS_INF:
            st["fired_at_end_of_input"] += 1
        elif W == end:
            st["fired_at_boundary"] += 1

    def copy_acc(acc):
        c = acc_new(spec)
        acc_merge(spec, c, acc)
        return c

    def fire():
        due = []
        if wt == "session":
            for key, lst in sessions.items():
                for s in lst:
                    if not s[4] and s[1] <= W:
                        due.append((s[1], s[0], s[2], key, s[3]))
                        s[4] = True
                        fired_sessions.setdefault(key, []).append((s[0], s[1]))
                lst[:] = [s for s in lst if not (s[4] and s[1] + L <= W)]
        else:
            for (key, start), slot in list(windows.items()):
                end, sq, acc, fired = slot
                if not fired and end <= W:
                    due.append((end, start, sq, key, acc))
                    slot[3] = True
                if slot[3] and end + L <= W:
                    del windows[(key, start)]
        due.sort(key=lambda d: (d[0], d[1], d[2]))
        for end, start, _, key, acc in due:
            emit("+I", key, start, end, acc)

    def add_session(rec, ts, key):
        nonlocal seq
        new_start, new_end = ts, ts + gap
        acc = acc_new(spec)
        acc_add(spec, acc, rec)
        lst = sessions.setdefault(key, [])
        overlapping = [s for s in lst if s[0] <= new_end and new_start <= s[1]]
        if any(s[1] == new_start or new_end == s[0] for s in overlapping):
            st["session_touching"] += 1
        if any(fs <= new_end and new_start <= fe for fs, fe in fired_sessions.get(key, [])):
            st["session_after_fired"] += 1
        if len(overlapping) == 1 and overlapping[0][4] and overlapping[0][0] <= new_start \
                and new_end <= overlapping[0][1]:
            s = overlapping[0]  # inside one fired session: its row is updated
            before = copy_acc(s[3])
            acc_add(spec, s[3], rec)
            emit("-U", key, s[0], s[1], before)
            emit("+U", key, s[0], s[1], s[3])
            st["session_merges"] += 1
            return
        if overlapping:
            st["session_merges"] += 1
            if len(overlapping) >= 2:
                st["session_bridges"] += 1
            overlapping.sort(key=lambda s: (s[0], s[2]))
            for s in overlapping:
                if s[4]:
                    emit("-D", key, s[0], s[1], s[3])
            merged = acc_new(spec)
            for s in overlapping:
                acc_merge(spec, merged, s[3])
            acc_merge(spec, merged, acc)
            acc = merged
            new_start = min(new_start, overlapping[0][0])
            new_end = max([new_end] + [s[1] for s in overlapping])
            first_seq = min(s[2] for s in overlapping)
            lst[:] = [s for s in lst if all(s is not o for o in overlapping)]
        else:
            first_seq = seq
            seq += 1
        due = new_end <= W
        lst.append([new_start, new_end, first_seq, acc, due])
        lst.sort(key=lambda s: s[0])
        if due:
            emit("+I", key, new_start, new_end, acc)
            fired_sessions.setdefault(key, []).append((new_start, new_end))

    def add(rec, ts):
        nonlocal seq
        key = _key_of(spec, rec)
        if wt == "session":
            add_session(rec, ts, key)
            return
        if wt == "tumbling":
            starts = [ts // size * size]
        else:
            starts = []
            s = ts // slide * slide
            while s + size > ts:
                starts.append(s)
                s -= slide
        open_starts = [s for s in starts if s + size + L > W]
        if len(open_starts) < len(starts):
            st["sliding_partial"] += 1
        for s in sorted(open_starts):
            slot = windows.get((key, s))
            if slot is None:
                slot = windows[(key, s)] = [s + size, seq, acc_new(spec), False]
                seq += 1
            before = copy_acc(slot[2])
            acc_add(spec, slot[2], rec)
            if slot[3]:
                emit("-U", key, s, s + size, before)
                emit("+U", key, s, s + size, slot[2])
            elif slot[0] <= W:  # due already, and no row yet
                emit("+I", key, s, s + size, slot[2])
                slot[3] = True

    for b in range(0, len(records), spec.batch_size):
        batch = records[b:b + spec.batch_size]
        st["batches"] += 1
        for rec in batch:
            st["records"] += 1
            ts = rec[spec.time_column]
            if ts is None:
                raise CaseError("a NULL event time: docs/windows.md does not say which window it joins")
            le = last_end(ts)
            if le + L <= W:
                st["late_records"] += 1
                if le + L == W:
                    st["late_at_boundary"] += 1
                if wt == "session":
                    key = _key_of(spec, rec)
                    if any(s[0] <= ts + gap and ts <= s[1] for s in sessions.get(key, [])):
                        st["session_late_overlapping_open"] += 1
                if spec.late_output:
                    res.late.append({c: output_value(rec[c], t) for c, t in spec.columns})
                continue
            add(rec, ts)
        for rec in batch:
            ts = rec[spec.time_column]
            if ts is not None and (max_ts is None or ts > max_ts):
                max_ts = ts
        if max_ts is not None and max_ts - spec.ooo_ms > W:
            W = max_ts - spec.ooo_ms
            res.watermarks.append(W)
            fire()
    W = POS_INF
    res.watermarks.append(W)
    fire()
    return res


def fold_changelog(rows):
    """The rows a changelog (dicts, `op` first) leaves, in order: +I/+U add a row,
    -U/-D take back an equal row emitted before. Raises CaseError when one is missing."""
    live = []
    for r in rows:
        r = dict(r)
        op = r.pop("op")
        if op in ("+I", "+U"):
            live.append(r)
        elif r in live:
            live.remove(r)
        else:
            raise CaseError(f"{op} of a row not emitted before: {r}")
    return live


def run_case(case_dir):
    spec, input_path, fmt, main_sink, late_sink = load_case(case_dir)
    if not os.path.isfile(input_path):
        raise CaseError(f"input {os.path.relpath(input_path, case_dir)!r} must be one file (one split)")
    records = read_input(input_path, fmt, spec.columns)
    return spec, simulate(spec, records), main_sink, late_sink


def write_jsonl(path, rows):
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")


def write_expected(case_dir, out_dir):
    spec, res, main_sink, late_sink = run_case(case_dir)
    if main_sink is None:
        raise CaseError("no sink reads the window operator")
    os.makedirs(out_dir, exist_ok=True)
    rows = fold_changelog(res.rows) if spec.allowed_lateness_ms > 0 else res.rows
    write_jsonl(os.path.join(out_dir, "expected.jsonl"), rows)
    if late_sink is not None:
        write_jsonl(os.path.join(out_dir, "expected_late.jsonl"), res.late)
    stats = dict(res.stats)
    stats["rows"] = len(rows)
    stats["changelog_rows"] = len(res.rows)
    stats["late_rows_written"] = len(res.late)
    return stats


def main(argv):
    args = list(argv[1:])
    out_dir = None
    if "--out" in args:
        i = args.index("--out")
        out_dir = args[i + 1]
        del args[i:i + 2]
    if len(args) != 1:
        print(__doc__.split("\n\n")[2], file=sys.stderr)
        return 2
    case_dir = args[0]
    try:
        stats = write_expected(case_dir, out_dir or case_dir)
    except CaseError as e:
        print(f"reference: {case_dir}: {e}", file=sys.stderr)
        return 1
    print(json.dumps(stats, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
