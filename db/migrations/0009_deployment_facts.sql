CREATE TABLE "deployment_facts" (
	"key" text PRIMARY KEY NOT NULL,
	"value" text,
	"recorded_at" timestamp with time zone DEFAULT now() NOT NULL
);
