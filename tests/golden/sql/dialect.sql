/* Golden plan: Flink's lexical rules and query shapes on one datagen table:
   block and line comments, backquoted names, case-sensitive names, plural
   interval units, CAST to Flink's types, views, WITH, DISTINCT, HAVING,
   UNION ALL, a subquery without an alias, DISTINCT and FILTER aggregates,
   Top-N and dedup, and both statement set forms. */
SET 'parallelism.default' = '2';
SET 'table.exec.state.ttl' = '1 h';

CREATE TEMPORARY TABLE Clicks (
    id BIGINT,
    `User` BIGINT,                          -- a name in backquotes keeps its case
    page VARCHAR(20),
    price DECIMAL(10, 2),
    ts TIMESTAMP(3),
    price_cents AS CAST(price * 100 AS BIGINT),
    WATERMARK FOR ts AS ts - INTERVAL '2' SECONDS,
    PRIMARY KEY (id) NOT ENFORCED
) WITH (
    'connector' = 'datagen',
    'number-of-rows' = '1000',
    'fields.id.kind' = 'sequence',
    'fields.id.start' = '1',
    'fields.User.min' = '1',
    'fields.User.max' = '50',
    'fields.page.values' = 'home,cart,pay',
    'fields.price.min' = '1',
    'fields.price.max' = '99'
);

CREATE VIEW paid AS SELECT `User`, price_cents, ts FROM Clicks WHERE page = 'pay';

CREATE TABLE per_user (`User` BIGINT, n BIGINT, spent BIGINT, pages BIGINT) WITH ('connector' = 'blackhole');
CREATE TABLE pages (page VARCHAR, kind VARCHAR) WITH ('connector' = 'blackhole');
CREATE TABLE top2 (`User` BIGINT, price_cents BIGINT, ts TIMESTAMP(3)) WITH ('connector' = 'blackhole');
CREATE TABLE last_click (`User` BIGINT, page VARCHAR, ts TIMESTAMP(3)) WITH ('connector' = 'blackhole');

BEGIN STATEMENT SET;
INSERT INTO per_user
WITH big AS (SELECT * FROM paid WHERE price_cents > 1000)
SELECT `User`, COUNT(*), SUM(price_cents), COUNT(DISTINCT price_cents) FILTER (WHERE price_cents > 5000)
FROM big
GROUP BY `User`
HAVING COUNT(*) > 1;

INSERT INTO pages
SELECT DISTINCT page, 'seen' FROM Clicks
UNION ALL
SELECT page, 'paid' FROM (SELECT page FROM Clicks WHERE page = 'pay');

INSERT INTO top2
SELECT `User`, price_cents, ts FROM (
    SELECT *, ROW_NUMBER() OVER (PARTITION BY `User` ORDER BY price_cents DESC) AS rn FROM paid
) WHERE rn <= 2;

INSERT INTO last_click
SELECT `User`, page, ts FROM (
    SELECT `User`, page, ts, ROW_NUMBER() OVER (PARTITION BY `User` ORDER BY ts DESC) AS rownum FROM Clicks
) WHERE rownum = 1;
END;
