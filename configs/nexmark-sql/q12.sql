-- Nexmark q12 (processing-time windows): bids per bidder per 10 s window of
-- processing time. A view adds PROCTIME(); the window TVF runs on it.
-- Init: ddl.sql.
CREATE VIEW B AS SELECT *, PROCTIME() AS p_time FROM bid;

CREATE TABLE nexmark_q12 (
    bidder BIGINT, bid_count BIGINT, starttime TIMESTAMP(3), endtime TIMESTAMP(3)
) WITH ('connector' = 'blackhole');

INSERT INTO nexmark_q12
SELECT B.bidder, COUNT(*) AS bid_count, window_start, window_end
FROM TABLE(TUMBLE(TABLE B, DESCRIPTOR(p_time), INTERVAL '10' SECOND))
GROUP BY B.bidder, window_start, window_end;
