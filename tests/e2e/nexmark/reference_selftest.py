#!/usr/bin/env python3
"""Checks of the Nexmark reference (reference.py) on tables small enough to
work out by hand, at the edges Flink's SQL defines: BETWEEN including both
ends, ties kept (q5, q7) or broken (q9: the earliest bid), sessions that touch
merged (q11), BIGINT averages truncated (q4, q17), a seller counted once
per window (q8)."""
import sys
import os

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reference as ref  # noqa: E402

T0 = ref.ms("2015-07-15 00:00:00.000")
failures = []


def at(offset_ms):
    return ref.ts(T0 + offset_ms)


def bid(auction, price, offset_ms, bidder=1, channel="Google", extra=""):
    return {"auction": auction, "bidder": bidder, "price": price, "channel": channel, "url": "u",
            "date_time": at(offset_ms), "extra": extra}


def auction(id_, start_ms, expires_ms, category=10, seller=1):
    return {"id": id_, "item_name": "i", "description": "d", "initial_bid": 1, "reserve": 2,
            "date_time": at(start_ms), "expires": at(expires_ms), "seller": seller, "category": category,
            "extra": ""}


def person(id_, offset_ms, state="OR", name="P"):
    return {"id": id_, "name": name, "email_address": "e", "credit_card": "c", "city": "C", "state": state,
            "date_time": at(offset_ms), "extra": ""}


def check(what, got, want):
    key = lambda r: sorted(r.items())  # noqa: E731
    ok = sorted(got, key=key) == sorted(want, key=key)
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        failures.append(what)
        print("  got ", sorted(got, key=key))
        print("  want", sorted(want, key=key))


def main():
    assert ref.ts(ref.ms("2015-07-15 01:02:03.456")) == "2015-07-15 01:02:03.456"

    # q4: bids at the auction's start and at its expiry count, one after it does not;
    # the category's average of 5 and 10 is 7 (BIGINT), not 7.5.
    t = {"auction": [auction(1, 0, 1000, category=11), auction(2, 0, 1000, category=11)],
         "bid": [bid(1, 5, 0), bid(1, 99, 1001), bid(2, 10, 1000), bid(2, 3, 500)], "person": []}
    check("q4 BETWEEN includes both ends, AVG truncates", ref.q4(t), [{"category": 11, "final": 7}])

    # q5: windows [-8 s, 2 s) ... [0, 10 s) hold the bids at 0 and 1 s; auctions 1 and 2 tie.
    t = {"bid": [bid(1, 1, 0), bid(2, 1, 1000)]}
    got = ref.q5(t)
    check("q5 keeps every auction tied for the most bids", got,
          [{"auction": a, "num": 1} for a in (1, 2) for _ in range(5)])
    t = {"bid": [bid(1, 1, 0), bid(1, 1, 500), bid(2, 1, 1000)]}
    check("q5 drops an auction with fewer bids", ref.q5(t),
          [{"auction": 1, "num": 2}] * 5)

    # q7: the window [0, 10 s) has its maximum 50 twice; a bid at exactly 10 s with price
    # 50 matches the first window (BETWEEN end - 10 s AND end) and is its own window's max.
    t = {"bid": [bid(1, 50, 100), bid(2, 50, 9000), bid(3, 7, 5000), bid(4, 50, 10000)]}
    rows = ref.q7(t)
    check("q7 keeps ties and matches a bid at the window's end twice",
          [{"auction": r["auction"]} for r in rows],
          [{"auction": 1}, {"auction": 2}, {"auction": 4}, {"auction": 4}])

    # q8: person 1 registered in [0, 10 s) and sold twice in it: one row; person 2 sold
    # only in the next window: no row.
    t = {"person": [person(1, 100, name="A"), person(2, 200, name="B")],
         "auction": [auction(10, 300, 900, seller=1), auction(11, 400, 900, seller=1),
                     auction(12, 10500, 20000, seller=2)]}
    check("q8 a seller once per window, only in the window they registered",
          ref.q8(t), [{"id": 1, "name": "A", "starttime": at(0)}])

    # q9: prices 20 at 300 ms and 20 at 200 ms: the earlier wins; a bid after expiry never.
    t = {"auction": [auction(1, 0, 1000)],
         "bid": [bid(1, 20, 300, bidder=7), bid(1, 20, 200, bidder=8), bid(1, 99, 1500, bidder=9)]}
    rows = ref.q9(t)
    check("q9 the highest price, then the earliest bid, before expiry",
          [{"bidder": r["bidder"], "bid_date_time": r["bid_date_time"]} for r in rows],
          [{"bidder": 8, "bid_date_time": at(200)}])

    # q11: bids at 0, 10 s and 20 s are one session (windows [t, t + 10 s) that touch
    # merge, as in Flink); one at 30.001 s, more than 10 s later, starts the next.
    t = {"bid": [bid(1, 1, 0), bid(1, 1, 10000), bid(1, 1, 20000), bid(1, 1, 30001)]}
    check("q11 touching sessions merge; a gap over 10 s starts a new one", ref.q11(t),
          [{"bidder": 1, "window_start": at(0), "window_end": at(30000), "bid_count": 3},
           {"bidder": 1, "window_start": at(30001), "window_end": at(40001), "bid_count": 1}])

    # q15: price ranks split at 10,000 and 1,000,000.
    t = {"bid": [bid(1, 9999, 0, bidder=1), bid(2, 10000, 1, bidder=1), bid(2, 999999, 2, bidder=2),
                 bid(3, 1000000, 3, bidder=2)]}
    check("q15 ranks and distinct counts", ref.q15(t), [{
        "day": "2015-07-15", "total_bids": 4, "rank1_bids": 1, "rank2_bids": 2, "rank3_bids": 1,
        "total_bidders": 2, "rank1_bidders": 1, "rank2_bidders": 2, "rank3_bidders": 1,
        "total_auctions": 3, "rank1_auctions": 1, "rank2_auctions": 1, "rank3_auctions": 1}])
    row = ref.q16(t)[0]
    check("q16 the latest minute", [{"minute": row["minute"], "channel": row["channel"]}],
          [{"minute": "00:00", "channel": "Google"}])

    # q17: avg of 1 and 2 is 1 (BIGINT).
    t = {"bid": [bid(5, 1, 0), bid(5, 2, 1)]}
    check("q17 min, max, truncated avg, sum", ref.q17(t), [{
        "auction": 5, "day": "2015-07-15", "total_bids": 2, "rank1_bids": 2, "rank2_bids": 0,
        "rank3_bids": 0, "min_price": 1, "max_price": 2, "avg_price": 1, "sum_price": 3}])

    # q18: of equal times the later event wins.
    t = {"bid": [bid(1, 1, 0, extra="a"), bid(1, 2, 5, extra="b"), bid(1, 3, 5, extra="c")]}
    check("q18 the latest bid per bidder and auction", [{"extra": r["extra"]} for r in ref.q18(t)],
          [{"extra": "c"}])

    # q3 and q20: filters on both sides of the join.
    t = {"auction": [auction(1, 0, 9, category=10, seller=5), auction(2, 0, 9, category=11, seller=5),
                     auction(3, 0, 9, category=10, seller=6)],
         "person": [person(5, 0, state="CA", name="X"), person(6, 0, state="WA", name="Y")],
         "bid": [bid(1, 1, 0), bid(2, 1, 0), bid(3, 1, 0)]}
    check("q3 category 10 and the seller's state", ref.q3(t),
          [{"name": "X", "city": "C", "state": "CA", "id": 1}])
    check("q20 bids of category-10 auctions", [{"auction": r["auction"]} for r in ref.q20(t)],
          [{"auction": 1}, {"auction": 3}])

    print(f"{len(failures)} failed")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
