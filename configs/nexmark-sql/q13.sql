-- Nexmark q13 (bounded side input join): each bid with the side table's rows
-- for its auction modulo 10000, through a temporal join on processing time
-- against a filesystem table that eddy reads whole when the job starts. The
-- table uses Flink's legacy option keys, as the Nexmark suite's query does.
-- Init: ddl.sql.
CREATE TABLE side_input (
    key BIGINT,
    `value` VARCHAR
) WITH (
    'connector.type' = 'filesystem',
    'connector.path' = 'configs/data/side_input.csv',
    'format.type' = 'csv'
);

CREATE TABLE nexmark_q13 (
    auction BIGINT, bidder BIGINT, price BIGINT, date_time TIMESTAMP(3), `value` VARCHAR
) WITH ('connector' = 'blackhole');

INSERT INTO nexmark_q13
SELECT B.auction, B.bidder, B.price, B.`dateTime`, S.`value`
FROM (SELECT *, PROCTIME() AS p_time FROM bid) B
JOIN side_input FOR SYSTEM_TIME AS OF B.p_time AS S
ON mod(B.auction, 10000) = S.key;
