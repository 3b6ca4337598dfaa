-- Clicks from the web and from the app, merged with UNION ALL and counted per
-- minute of event time: the window runs on the union's watermark, the lower
-- of its two inputs'. docs/sql.md has the dialect.
-- Run: build/eddy local configs/sql/union_windows.sql
CREATE TABLE web_clicks (
    user_id BIGINT,
    ts TIMESTAMP(3),
    WATERMARK FOR ts AS ts - INTERVAL '2' SECOND
) WITH (
    'connector' = 'datagen', 'rows-per-second' = '0', 'number-of-rows' = '60000',
    'fields.user_id.min' = '1', 'fields.user_id.max' = '1000',
    'fields.ts.start' = '2024-06-01 00:00:00', 'fields.ts.step' = '5ms'
);

CREATE TABLE app_clicks (
    user_id BIGINT,
    ts TIMESTAMP(3),
    WATERMARK FOR ts AS ts - INTERVAL '2' SECOND
) WITH (
    'connector' = 'datagen', 'rows-per-second' = '0', 'number-of-rows' = '20000',
    'fields.user_id.min' = '1', 'fields.user_id.max' = '1000',
    'fields.ts.start' = '2024-06-01 00:00:00', 'fields.ts.step' = '15ms'
);

CREATE TABLE clicks_per_minute (
    channel STRING, window_start TIMESTAMP(3), clicks BIGINT
) WITH ('connector' = 'print');

INSERT INTO clicks_per_minute
WITH all_clicks AS (
    SELECT 'web' AS channel, user_id, ts FROM web_clicks
    UNION ALL
    SELECT 'app' AS channel, user_id, ts FROM app_clicks
)
SELECT channel, window_start, COUNT(*) AS clicks
FROM TABLE(TUMBLE(TABLE all_clicks, DESCRIPTOR(ts), INTERVAL '1' MINUTE))
GROUP BY channel, window_start, window_end;
