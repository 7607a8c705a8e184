CREATE TABLE "auth_failures" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"address" text NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
DROP INDEX "orders_idempotency_key_uq";--> statement-breakpoint
ALTER TABLE "orders" ADD COLUMN "owner" text;--> statement-breakpoint
CREATE INDEX "auth_failures_address_at_idx" ON "auth_failures" USING btree ("address","at");--> statement-breakpoint
CREATE INDEX "orders_owner_idempotency_key_idx" ON "orders" USING btree ("owner","idempotency_key");