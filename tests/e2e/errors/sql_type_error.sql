-- expect-error: sql_type_error.sql:5:49: error: filter of 'o_filter': operator + needs numeric operands, got float64 and string
CREATE TABLE t (auction BIGINT, price DOUBLE)
  WITH ('connector' = 'datagen', 'number-of-rows' = '10');
CREATE TABLE o (a BIGINT) WITH ('connector' = 'print');
INSERT INTO o SELECT auction FROM t WHERE price + 'x' > 1;
