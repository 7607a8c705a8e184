DROP INDEX IF EXISTS "orders_customer_idx";--> statement-breakpoint
DROP INDEX IF EXISTS "orders_status_idx";--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "orders_customer_created_idx" ON "orders" USING btree ("customer_id","created_at");--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "orders_status_created_idx" ON "orders" USING btree ("status","created_at");--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "orders_created_idx" ON "orders" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "shipments_tracking_idx" ON "shipments" USING btree ("tracking_number");