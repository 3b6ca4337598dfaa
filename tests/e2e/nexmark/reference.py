#!/usr/bin/env python3
"""An independent Python reference for eddy's Nexmark queries (configs/nexmark/).

Each function takes the generated tables (lists of dicts, as eddy's file sink
writes them: timestamps as 'YYYY-MM-DD HH:MM:SS.fff' text) and returns the
query's final result as a list of dicts, computed the way Flink's Nexmark SQL
query of the same number defines it (docs/nexmark.md). Nothing here reads
eddy's pipeline files: the semantics are written out again, plainly.

q12 (processing-time windows) has no deterministic result: its reference is
the number of bids per bidder, which the windows' counts must add up to.
"""
import calendar
import collections
import os
import re
import time

DAY_MS = 86_400_000
# q13's side table (no header: key,value per line).
SIDE_INPUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "configs", "data",
                          "side_input.csv")


def ms(text):
    """'YYYY-MM-DD HH:MM:SS.fff' (UTC) -> epoch milliseconds."""
    secs = calendar.timegm(time.strptime(text[:19], "%Y-%m-%d %H:%M:%S"))
    return secs * 1000 + int(text[20:23])


def ts(millis):
    """Epoch milliseconds -> 'YYYY-MM-DD HH:MM:SS.fff' (UTC)."""
    secs, milli = divmod(millis, 1000)
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(secs)) + f".{milli:03d}"


def pick(row, *cols):
    return {c: row[c] for c in cols}


def q0(t):
    return [pick(b, "auction", "bidder", "price", "date_time", "extra") for b in t["bid"]]


def q1(t):
    return [dict(pick(b, "auction", "bidder", "date_time", "extra"), price=b["price"] * 0.908)
            for b in t["bid"]]


def q2(t):
    return [pick(b, "auction", "price") for b in t["bid"] if b["auction"] % 123 == 0]


def q3(t):
    people = {p["id"]: p for p in t["person"] if p["state"] in ("OR", "ID", "CA")}
    return [dict(pick(people[a["seller"]], "name", "city", "state"), id=a["id"])
            for a in t["auction"] if a["category"] == 10 and a["seller"] in people]


def bids_in_time(t):
    """(auction, bid) pairs with the bid placed between the auction's start and
    its expiry, both included (SQL BETWEEN)."""
    by_auction = collections.defaultdict(list)
    for b in t["bid"]:
        by_auction[b["auction"]].append(b)
    for a in t["auction"]:
        lo, hi = ms(a["date_time"]), ms(a["expires"])
        for b in by_auction.get(a["id"], ()):
            if lo <= ms(b["date_time"]) <= hi:
                yield a, b


def q4(t):
    final = {}
    for a, b in bids_in_time(t):
        key = (a["id"], a["category"])
        final[key] = max(final.get(key, b["price"]), b["price"])
    per_category = collections.defaultdict(list)
    for (_, category), price in final.items():
        per_category[category].append(price)
    # AVG over BIGINT is a BIGINT in Flink: the sum divided by the count, truncated.
    return [{"category": c, "final": sum(v) // len(v)} for c, v in per_category.items()]


def q5(t, size=10_000, slide=2_000):
    counts = collections.Counter()
    for b in t["bid"]:
        at = ms(b["date_time"])
        start = at - at % slide
        while start > at - size:
            counts[(start, b["auction"])] += 1
            start -= slide
    most = {}
    for (start, _), n in counts.items():
        most[start] = max(most.get(start, 0), n)
    return [{"auction": a, "num": n} for (start, a), n in counts.items() if n >= most[start]]


def q7(t, size=10_000):
    window_max = {}
    for b in t["bid"]:
        end = ms(b["date_time"]) // size * size + size
        window_max[end] = max(window_max.get(end, b["price"]), b["price"])
    by_price = collections.defaultdict(list)
    for b in t["bid"]:
        by_price[b["price"]].append(b)
    out = []
    for end, price in window_max.items():
        for b in by_price[price]:
            if end - size <= ms(b["date_time"]) <= end:
                out.append(pick(b, "auction", "bidder", "price", "date_time", "extra"))
    return out


def q8(t, size=10_000):
    def window(row):
        return ms(row["date_time"]) // size * size

    sellers = {(a["seller"], window(a)) for a in t["auction"]}
    people = {(p["id"], p["name"], window(p)) for p in t["person"]}
    return [{"id": i, "name": n, "starttime": ts(w)} for i, n, w in people if (i, w) in sellers]


def q9(t):
    best = {}
    for a, b in bids_in_time(t):
        rank = (b["price"], -ms(b["date_time"]))  # the highest price, then the earliest bid
        if a["id"] not in best or rank > best[a["id"]][0]:
            best[a["id"]] = (rank, a, b)
    out = []
    for _, a, b in best.values():
        row = pick(a, "id", "item_name", "description", "initial_bid", "reserve", "date_time",
                   "expires", "seller", "category", "extra")
        row.update(pick(b, "auction", "bidder", "price"))
        row.update(bid_date_time=b["date_time"], bid_extra=b["extra"])
        out.append(row)
    return out


def q11(t, gap=10_000):
    times = collections.defaultdict(list)
    for b in t["bid"]:
        times[b["bidder"]].append(ms(b["date_time"]))
    out = []
    for bidder, stamps in times.items():
        stamps.sort()
        first = last = stamps[0]
        n = 0
        for at in stamps:
            if at - last > gap:  # windows [t, t + gap) that do not even touch (Flink merges touching ones)
                out.append({"bidder": bidder, "window_start": ts(first), "window_end": ts(last + gap),
                            "bid_count": n})
                first, n = at, 0
            last = at
            n += 1
        out.append({"bidder": bidder, "window_start": ts(first), "window_end": ts(last + gap),
                    "bid_count": n})
    return out


def q13(t):
    side = collections.defaultdict(list)
    for line in open(SIDE_INPUT):
        key, value = line.rstrip("\n").split(",", 1)
        side[int(key)].append(value)
    return [dict(pick(b, "auction", "bidder", "price", "date_time"), value=v)
            for b in t["bid"] for v in side[b["auction"] % 10_000]]


def q12(t):
    counts = collections.Counter(b["bidder"] for b in t["bid"])
    return [{"bidder": k, "bid_count": n} for k, n in counts.items()]


RANKS = (("rank1", lambda p: p < 10_000), ("rank2", lambda p: 10_000 <= p < 1_000_000),
         ("rank3", lambda p: p >= 1_000_000))


def price_statistics(bids, distinct):
    """q15's counts over `bids`: all, and per price rank; `distinct` adds the
    distinct bidders and auctions."""
    row = {"total_bids": len(bids)}
    for name, in_rank in RANKS:
        row[name + "_bids"] = sum(1 for b in bids if in_rank(b["price"]))
    if distinct:
        for col, plural in (("bidder", "bidders"), ("auction", "auctions")):
            row["total_" + plural] = len({b[col] for b in bids})
            for name, in_rank in RANKS:
                row[f"{name}_{plural}"] = len({b[col] for b in bids if in_rank(b["price"])})
    return row


def group(bids, key):
    groups = collections.defaultdict(list)
    for b in bids:
        groups[key(b)].append(b)
    return groups


def q14(t):
    def time_type(date_time):
        hour = int(date_time[11:13])
        return "dayTime" if 8 <= hour <= 18 else "nightTime" if hour <= 6 or hour >= 20 else "otherTime"

    return [dict(pick(b, "auction", "bidder"), price=b["price"] * 0.908, bid_time_type=time_type(b["date_time"]),
                 date_time=b["date_time"], extra=b["extra"], c_counts=b["extra"].count("c"))
            for b in t["bid"] if 1000000 < b["price"] * 0.908 < 50000000]


def q15(t):
    return [dict({"day": day}, **price_statistics(bids, True))
            for day, bids in group(t["bid"], lambda b: b["date_time"][:10]).items()]


def q16(t):
    out = []
    for (channel, day), bids in group(t["bid"], lambda b: (b["channel"], b["date_time"][:10])).items():
        row = {"channel": channel, "day": day, "minute": max(b["date_time"][11:16] for b in bids)}
        row.update(price_statistics(bids, True))
        out.append(row)
    return out


def q17(t):
    out = []
    for (auction, day), bids in group(t["bid"], lambda b: (b["auction"], b["date_time"][:10])).items():
        row = {"auction": auction, "day": day}
        row.update(price_statistics(bids, False))
        prices = [b["price"] for b in bids]
        row.update(min_price=min(prices), max_price=max(prices), avg_price=sum(prices) // len(prices),
                   sum_price=sum(prices))
        out.append(row)
    return out


def q18(t):
    last = {}
    for b in t["bid"]:  # in event order: of equal times the later bid wins
        key = (b["bidder"], b["auction"])
        if key not in last or ms(b["date_time"]) >= ms(last[key]["date_time"]):
            last[key] = b
    return list(last.values())


def q19(t, n=10):
    out = []
    for bids in group(t["bid"], lambda b: b["auction"]).values():
        out.extend(sorted(bids, key=lambda b: -b["price"])[:n])
    return out


def q20(t):
    auctions = {a["id"]: a for a in t["auction"] if a["category"] == 10}
    out = []
    for b in t["bid"]:
        a = auctions.get(b["auction"])
        if a is None:
            continue
        row = pick(b, "auction", "bidder", "price", "channel", "url")
        row.update(bid_date_time=b["date_time"], bid_extra=b["extra"])
        row.update(pick(a, "item_name", "description", "initial_bid", "reserve"))
        row.update(auction_date_time=a["date_time"])
        row.update(pick(a, "expires", "seller", "category"))
        row.update(auction_extra=a["extra"])
        out.append(row)
    return out


def q21(t):
    big = {"apple": "0", "google": "1", "facebook": "2", "baidu": "3"}
    out = []
    for b in t["bid"]:
        found = re.search(r"(&|^)channel_id=([^&]*)", b["url"])
        channel_id = big.get(b["channel"].lower(), found.group(2) if found else None)
        if found or b["channel"].lower() in big:
            out.append(dict(pick(b, "auction", "bidder", "price", "channel"), channel_id=channel_id))
    return out


def q22(t):
    def part(url, i):
        parts = url.split("/")
        return parts[i] if i < len(parts) else None

    return [dict(pick(b, "auction", "bidder", "price", "channel"),
                 dir1=part(b["url"], 3), dir2=part(b["url"], 4), dir3=part(b["url"], 5)) for b in t["bid"]]


QUERIES = {name: fn for name, fn in globals().items()
           if name.startswith("q") and name[1:].isdigit() and callable(fn)}
