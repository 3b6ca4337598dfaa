-- Nexmark q4 (average price per category): the winning bid of each auction
-- (the highest bid while it was open), averaged per category. A join, then two
-- group aggregates, the second over the first's updates. Init: ddl.sql.
CREATE TABLE nexmark_q4 (category BIGINT, final BIGINT) WITH ('connector' = 'blackhole');

INSERT INTO nexmark_q4
SELECT Q.category, AVG(Q.final)
FROM (
    SELECT MAX(B.price) AS final, A.category
    FROM auction A, bid B
    WHERE A.id = B.auction AND B.`dateTime` BETWEEN A.`dateTime` AND A.expires
    GROUP BY A.id, A.category
) Q
GROUP BY Q.category;
