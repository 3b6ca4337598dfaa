-- Nexmark q14 (calculation): expensive bids with the time of day they came in
-- and a user-defined function, count_char, that counts a character of their
-- extra text. The function is C, loaded from a shared library that CMake
-- builds (examples/udf/count_char.c, include/eddy_udf.h). Run from the
-- repository's root (the library's path is relative). Init: ddl.sql.
CREATE FUNCTION count_char AS 'build/examples/udf/libeddy_count_char.so:count_char_udf';

CREATE TABLE nexmark_q14 (
    auction BIGINT, bidder BIGINT, price DOUBLE, bid_time_type VARCHAR,
    date_time TIMESTAMP(3), extra VARCHAR, c_counts BIGINT
) WITH ('connector' = 'blackhole');

INSERT INTO nexmark_q14
SELECT auction, bidder, 0.908 * price AS price,
    CASE
        WHEN HOUR(`dateTime`) >= 8 AND HOUR(`dateTime`) <= 18 THEN 'dayTime'
        WHEN HOUR(`dateTime`) <= 6 OR HOUR(`dateTime`) >= 20 THEN 'nightTime'
        ELSE 'otherTime'
    END AS bidTimeType,
    `dateTime`, extra, count_char(extra, 'c') AS c_counts
FROM bid
WHERE 0.908 * price > 1000000 AND 0.908 * price < 50000000;
