-- expect-error: sql_jdbc_updating_without_key.sql:6:13: error: INSERT INTO totals writes an updating stream (op: +I, -U, +U, -D), but table 'totals' (jdbc) declares no primary key to upsert on; add PRIMARY KEY (columns) NOT ENFORCED
CREATE TABLE gen (id BIGINT) WITH ('connector' = 'datagen', 'number-of-rows' = '10');
CREATE TABLE totals (id BIGINT, n BIGINT)
  WITH ('connector' = 'jdbc', 'url' = 'jdbc:postgresql://127.0.0.1:1/db', 'table-name' = 'totals',
        'password' = 'hunter2');
INSERT INTO totals SELECT id, COUNT(*) FROM gen GROUP BY id;
