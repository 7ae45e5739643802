-- The first release: customers' orders.
CREATE TABLE orders (
  id serial PRIMARY KEY,
  customer text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO orders (customer) VALUES ('ada'), ('grace'), ('linus');
