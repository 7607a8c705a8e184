CREATE TABLE "retention_runs" (
	"id" text PRIMARY KEY NOT NULL,
	"trigger" text NOT NULL,
	"as_of" timestamp with time zone NOT NULL,
	"policy" jsonb NOT NULL,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone,
	"webhook_deliveries_deleted" integer DEFAULT 0 NOT NULL,
	"webhook_events_deleted" integer DEFAULT 0 NOT NULL,
	"idempotency_keys_expired" integer DEFAULT 0 NOT NULL,
	"order_events_deleted" integer DEFAULT 0 NOT NULL,
	"orders_redacted" integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
ALTER TABLE "orders" ALTER COLUMN "request_hash" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "orders" ADD COLUMN "pii_redacted_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "orders" ADD COLUMN "events_pruned_at" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "orders_ended_key_held_idx" ON "orders" USING btree ("updated_at") WHERE "orders"."status" in ('completed', 'rejected', 'failed', 'cancelled') and "orders"."request_hash" is not null;--> statement-breakpoint
CREATE INDEX "orders_ended_pii_held_idx" ON "orders" USING btree ("updated_at") WHERE "orders"."status" in ('completed', 'rejected', 'failed', 'cancelled') and "orders"."pii_redacted_at" is null;--> statement-breakpoint
CREATE INDEX "orders_ended_events_held_idx" ON "orders" USING btree ("updated_at") WHERE "orders"."status" in ('completed', 'rejected', 'failed', 'cancelled') and "orders"."events_pruned_at" is null;--> statement-breakpoint
CREATE INDEX "webhook_deliveries_delivered_idx" ON "webhook_deliveries" USING btree ("delivered_at") WHERE "webhook_deliveries"."state" = 'delivered';--> statement-breakpoint
CREATE INDEX "webhook_events_fanned_out_idx" ON "webhook_events" USING btree ("created_at") WHERE "webhook_events"."fanned_out_at" is not null;