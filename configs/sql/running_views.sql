-- Page views per page so far in each 10-minute period, updated every minute:
-- Flink's CUMULATE window TVF (step, then size) on generated clicks.
-- docs/sql.md has the dialect. Run: build/eddy local configs/sql/running_views.sql
SET 'parallelism.default' = '2';

CREATE TABLE clicks (
    id BIGINT,
    page STRING,
    ts TIMESTAMP(3),
    WATERMARK FOR ts AS ts - INTERVAL '1' SECOND
) WITH (
    'connector' = 'datagen',
    'rows-per-second' = '0',
    'fields.id.kind' = 'sequence',
    'fields.id.start' = '1',
    'fields.id.end' = '120000',               -- 20 minutes of clicks, 10 ms apart
    'fields.page.values' = 'home,search,cart',
    'fields.ts.start' = '2024-06-01 00:00:00',
    'fields.ts.step' = '10ms'
);

CREATE TABLE running_views (
    page STRING,
    window_start TIMESTAMP(3),
    window_end TIMESTAMP(3),
    views BIGINT
) WITH ('connector' = 'print');

INSERT INTO running_views
SELECT page, window_start, window_end, COUNT(*) AS views
FROM TABLE(CUMULATE(TABLE clicks, DESCRIPTOR(ts), INTERVAL '1' MINUTE, INTERVAL '10' MINUTES))
GROUP BY page, window_start, window_end;
