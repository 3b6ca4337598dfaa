-- Nexmark q1 (currency conversion): bid prices in euros. Init: ddl.sql.
CREATE TABLE nexmark_q1 (
    auction BIGINT, bidder BIGINT, price DOUBLE, date_time TIMESTAMP(3), extra VARCHAR
) WITH ('connector' = 'blackhole');

INSERT INTO nexmark_q1
SELECT auction, bidder, 0.908 * price AS price, `dateTime`, extra
FROM bid;
