-- Page views per page and 5-minute window, with distinct users: a Flink SQL
-- script on generated clicks (datagen). docs/sql.md has the dialect.
-- Run: build/eddy local configs/sql/page_views.sql
SET 'parallelism.default' = '2';

CREATE TABLE clicks (
    id BIGINT,
    user_id BIGINT,
    page STRING,
    ts TIMESTAMP(3),
    WATERMARK FOR ts AS ts - INTERVAL '1' SECOND
) WITH (
    'connector' = 'datagen',
    'rows-per-second' = '0',                  -- as fast as it can (Flink's default is 10000)
    'fields.id.kind' = 'sequence',
    'fields.id.start' = '1',
    'fields.id.end' = '200000',               -- the sequence's end ends the source
    'fields.user_id.min' = '1',
    'fields.user_id.max' = '500',
    'fields.page.values' = 'home,search,cart,checkout',
    'fields.ts.start' = '2024-06-01 00:00:00',
    'fields.ts.step' = '10ms'
);

CREATE TABLE page_views (
    page STRING,
    window_start TIMESTAMP(3),
    window_end TIMESTAMP(3),
    views BIGINT,
    users BIGINT
) WITH ('connector' = 'print');

INSERT INTO page_views
SELECT page, window_start, window_end, COUNT(*) AS views, COUNT(DISTINCT user_id) AS users
FROM TABLE(TUMBLE(TABLE clicks, DESCRIPTOR(ts), INTERVAL '5' MINUTES))
WHERE page <> 'home'
GROUP BY page, window_start, window_end;
