-- expect-error: sql_redis_hash_without_key.sql:4:13: error: table 'cache' (redis, data-type hash) needs PRIMARY KEY (columns) NOT ENFORCED in its CREATE TABLE
CREATE TABLE gen (id BIGINT, v BIGINT) WITH ('connector' = 'datagen', 'number-of-rows' = '10');
CREATE TABLE cache (id BIGINT, v BIGINT) WITH ('connector' = 'redis', 'port' = '1', 'password' = 'hunter2');
INSERT INTO cache SELECT id, v FROM gen;
