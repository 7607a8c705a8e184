ALTER TABLE "webhook_subscriptions" ADD COLUMN "dropped_events" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
-- The backlog of endpoints disabled before this migration waits paused, outside the due index the claim scans,
-- until the endpoint is enabled again (as endpoints disabled from now on do).
UPDATE "webhook_deliveries" SET "state" = 'paused' WHERE "state" = 'pending' AND "subscription_id" IN (SELECT "id" FROM "webhook_subscriptions" WHERE "disabled_at" IS NOT NULL);
