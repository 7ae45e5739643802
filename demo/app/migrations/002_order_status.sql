-- Orders get a status; existing ones are delivered.
ALTER TABLE orders ADD COLUMN status text NOT NULL DEFAULT 'new'
  CHECK (status IN ('new', 'paid', 'shipped', 'delivered'));
UPDATE orders SET status = 'delivered';
