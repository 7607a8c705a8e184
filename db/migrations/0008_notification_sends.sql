CREATE TABLE "notification_sends" (
	"key" text PRIMARY KEY NOT NULL,
	"message_id" text NOT NULL,
	"accepted_at" timestamp with time zone DEFAULT now() NOT NULL,
	"response" text
);
