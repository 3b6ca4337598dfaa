-- Per ad and 10 s window: how often it was shown and clicked. Two window
-- aggregates joined on their windows, which Flink (and eddy) plans as a window
-- join; LEFT keeps the ads shown but never clicked in their window, with
-- clicks NULL. docs/sql.md has the dialect ("Window joins").
-- Run: build/eddy local configs/sql/ad_clicks.sql
CREATE TABLE shows (
    id BIGINT,
    ad BIGINT,
    ts TIMESTAMP(3),
    WATERMARK FOR ts AS ts - INTERVAL '1' SECOND
) WITH (
    'connector' = 'datagen',
    'rows-per-second' = '0',
    'fields.id.kind' = 'sequence',
    'fields.id.start' = '1',
    'fields.id.end' = '20000',
    'fields.ad.min' = '1',
    'fields.ad.max' = '50',
    'fields.ts.start' = '2024-06-01 00:00:00',
    'fields.ts.step' = '50ms'
);

CREATE TABLE clicks (
    id BIGINT,
    ad BIGINT,
    ts TIMESTAMP(3),
    WATERMARK FOR ts AS ts - INTERVAL '1' SECOND
) WITH (
    'connector' = 'datagen',
    'rows-per-second' = '0',
    'fields.id.kind' = 'sequence',
    'fields.id.start' = '1',
    'fields.id.end' = '4000',
    'fields.ad.min' = '1',
    'fields.ad.max' = '50',
    'fields.ts.start' = '2024-06-01 00:00:00',
    'fields.ts.step' = '250ms'
);

CREATE TABLE ad_clicks (
    ad BIGINT,
    window_start TIMESTAMP(3),
    shown BIGINT,
    clicked BIGINT
) WITH ('connector' = 'print');

INSERT INTO ad_clicks
SELECT S.ad, S.window_start, S.shown, C.clicked
FROM (
    SELECT ad, window_start, window_end, COUNT(*) AS shown
    FROM TABLE(TUMBLE(TABLE shows, DESCRIPTOR(ts), INTERVAL '10' SECOND))
    GROUP BY ad, window_start, window_end
) S
LEFT JOIN (
    SELECT ad, window_start, window_end, COUNT(*) AS clicked
    FROM TABLE(TUMBLE(TABLE clicks, DESCRIPTOR(ts), INTERVAL '10' SECOND))
    GROUP BY ad, window_start, window_end
) C
ON S.ad = C.ad AND S.window_start = C.window_start AND S.window_end = C.window_end;
