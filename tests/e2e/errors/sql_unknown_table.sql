-- expect-error: sql_unknown_table.sql:5:35: error: unknown table or view 'bids'; did you mean 'bid'?
CREATE TABLE bid (auction BIGINT, price DOUBLE)
  WITH ('connector' = 'datagen', 'number-of-rows' = '10');
CREATE TABLE o (a BIGINT) WITH ('connector' = 'print');
INSERT INTO o SELECT auction FROM bids;
