-- The three users with the most clicks per page, kept up to date: a group
-- aggregate (an updating stream) ranked by ROW_NUMBER() (a Top-N), printed as
-- a changelog with op first. docs/sql.md has the dialect.
-- Run: build/eddy local configs/sql/top_users.sql
CREATE TABLE clicks (
    user_id BIGINT,
    page STRING
) WITH (
    'connector' = 'datagen',
    'rows-per-second' = '0',
    'number-of-rows' = '50000',
    'fields.user_id.min' = '1',
    'fields.user_id.max' = '100',
    'fields.page.values' = 'home,search,cart'
);

CREATE VIEW clicks_per_user AS
SELECT page, user_id, COUNT(*) AS clicks
FROM clicks
GROUP BY page, user_id;

CREATE TABLE top_users (page STRING, user_id BIGINT, clicks BIGINT) WITH ('connector' = 'print');

INSERT INTO top_users
SELECT page, user_id, clicks
FROM (
    SELECT *, ROW_NUMBER() OVER (PARTITION BY page ORDER BY clicks DESC, user_id ASC) AS rn
    FROM clicks_per_user
)
WHERE rn <= 3;
