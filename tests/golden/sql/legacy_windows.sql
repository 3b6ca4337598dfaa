-- Golden plan: Flink's legacy group windows, GROUP BY TUMBLE / HOP / SESSION
-- with their _START and _END functions, over the Nexmark tables (ddl.sql).
-- golden-init: configs/nexmark-sql/ddl.sql
CREATE TABLE tumbling (auction BIGINT, bids BIGINT, wstart TIMESTAMP(3), wend TIMESTAMP(3))
WITH ('connector' = 'blackhole');
CREATE TABLE hopping (bidder BIGINT, top_price BIGINT, wstart TIMESTAMP(3), wend TIMESTAMP(3))
WITH ('connector' = 'blackhole');
CREATE TABLE sessions (seller BIGINT, auctions BIGINT, wstart TIMESTAMP(3), wend TIMESTAMP(3))
WITH ('connector' = 'blackhole');

EXECUTE STATEMENT SET
BEGIN
INSERT INTO tumbling
SELECT auction, COUNT(*) AS bids,
       TUMBLE_START(`dateTime`, INTERVAL '10' SECOND), TUMBLE_END(`dateTime`, INTERVAL '10' SECOND)
FROM bid
GROUP BY auction, TUMBLE(`dateTime`, INTERVAL '10' SECOND);

INSERT INTO hopping
SELECT bidder, MAX(price), HOP_START(`dateTime`, INTERVAL '2' SECONDS, INTERVAL '10' SECONDS),
       HOP_END(`dateTime`, INTERVAL '2' SECONDS, INTERVAL '10' SECONDS)
FROM bid
WHERE price > 100
GROUP BY HOP(`dateTime`, INTERVAL '2' SECONDS, INTERVAL '10' SECONDS), bidder;

INSERT INTO sessions
SELECT seller, COUNT(*) FILTER (WHERE category = 10),
       SESSION_START(`dateTime`, INTERVAL '1' MINUTE), SESSION_END(`dateTime`, INTERVAL '1' MINUTE)
FROM auction
GROUP BY seller, SESSION(`dateTime`, INTERVAL '1' MINUTE);
END;
