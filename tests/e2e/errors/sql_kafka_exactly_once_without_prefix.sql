-- expect-error: sql_kafka_exactly_once_without_prefix.sql:5:31: error: 'sink.delivery-guarantee' = 'exactly-once' needs 'sink.transactional-id-prefix'
CREATE TABLE src (id BIGINT) WITH ('connector' = 'kafka', 'topic' = 'in',
  'properties.bootstrap.servers' = '127.0.0.1:9092');
CREATE TABLE dst (id BIGINT) WITH ('connector' = 'kafka', 'topic' = 'out', 'properties.bootstrap.servers' = '127.0.0.1:9092',
  'sink.delivery-guarantee' = 'exactly-once');
INSERT INTO dst SELECT id FROM src;
