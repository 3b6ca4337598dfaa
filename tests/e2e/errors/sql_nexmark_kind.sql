-- expect-error: sql_nexmark_kind.sql:6:25: error: reading the nexmark table 'nx' needs WHERE event_type = 0, 1 or 2
CREATE TABLE nx (event_type INT, bid ROW<auction BIGINT, price BIGINT>)
  WITH ('connector' = 'nexmark', 'events.num' = '100');
CREATE TABLE o (a BIGINT) WITH ('connector' = 'print');
INSERT INTO o
SELECT bid.auction FROM nx;
