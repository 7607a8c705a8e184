CREATE TABLE "reconciliation_runs" (
	"id" text PRIMARY KEY NOT NULL,
	"trigger" text NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"finished_at" timestamp with time zone DEFAULT now() NOT NULL,
	"skus_checked" integer NOT NULL,
	"corrections" integer NOT NULL,
	"units_corrected" integer NOT NULL,
	"variance_pct" text NOT NULL,
	"holds_released" integer NOT NULL,
	"details" jsonb NOT NULL
);
