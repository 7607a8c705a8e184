-- Every order id is the API's shape (ord_ and the key's digest). NOT VALID: enforced for every new row, without
-- failing on a database that already holds rows of another shape (a test or bench database reused under DATABASE_URL).
ALTER TABLE "orders" ADD CONSTRAINT "orders_id_shape" CHECK ("orders"."id" ~ '^ord_[a-z0-9]{1,40}$') NOT VALID;
