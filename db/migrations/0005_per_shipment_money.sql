CREATE TABLE "reconciliation_releases" (
	"run_id" text NOT NULL,
	"order_id" text NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "reconciliation_releases_run_id_order_id_pk" PRIMARY KEY("run_id","order_id")
);
--> statement-breakpoint
ALTER TABLE "reconciliation_runs" ALTER COLUMN "finished_at" DROP DEFAULT;--> statement-breakpoint
ALTER TABLE "reconciliation_runs" ALTER COLUMN "finished_at" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "reservations" ALTER COLUMN "expires_at" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "shipments" ADD COLUMN "amount_cents" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "shipments" ADD COLUMN "priced_lines" jsonb;--> statement-breakpoint
ALTER TABLE "shipments" ADD COLUMN "captured_cents" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "shipments" ADD COLUMN "refunded_cents" integer DEFAULT 0 NOT NULL;