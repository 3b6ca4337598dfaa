-- expect-error: sql_unknown_column.sql:6:8: error: unknown column 'pric'; did you mean 'price'? (in scope: t.auction, t.price)
CREATE TABLE t (auction BIGINT, price DOUBLE)
  WITH ('connector' = 'datagen', 'number-of-rows' = '10');
CREATE TABLE o (a DOUBLE) WITH ('connector' = 'print');
INSERT INTO o
SELECT pric FROM t;
