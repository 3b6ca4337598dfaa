-- Nexmark q0 (pass through): every bid, as read. Init: ddl.sql.
CREATE TABLE nexmark_q0 (
    auction BIGINT, bidder BIGINT, price BIGINT, date_time TIMESTAMP(3), extra VARCHAR
) WITH ('connector' = 'blackhole');

INSERT INTO nexmark_q0
SELECT auction, bidder, price, `dateTime`, extra FROM bid;
