-- expect-error: sql_not_grouped.sql:6:31: error: unknown column 'price'
-- expect-error: (with GROUP BY, a column must be grouped or inside an aggregate)
CREATE TABLE t (auction BIGINT, price DOUBLE)
  WITH ('connector' = 'datagen', 'number-of-rows' = '10');
CREATE TABLE o (a BIGINT, p DOUBLE) WITH ('connector' = 'print');
INSERT INTO o SELECT auction, price FROM t GROUP BY auction;
