-- A broken migration, on purpose: the index names a column that does not exist (a typo), so
-- psql stops with exit code 3 and the whole file, the new column included, is rolled back.
ALTER TABLE orders ADD COLUMN total_cents bigint NOT NULL DEFAULT 0;
CREATE INDEX orders_total ON orders (totl_cents);
