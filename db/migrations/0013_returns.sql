CREATE TABLE "return_lines" (
	"return_id" text NOT NULL,
	"order_id" text NOT NULL,
	"line_no" integer NOT NULL,
	"shipment_id" text NOT NULL,
	"warehouse" text NOT NULL,
	"sku" text NOT NULL,
	"quantity" integer NOT NULL,
	"unit_price_cents" integer NOT NULL,
	"resellable" integer,
	"damaged" integer,
	"missing" integer,
	"refunded_cents" integer DEFAULT 0 NOT NULL,
	"stock_settled_at" timestamp with time zone,
	"erp_credited_at" timestamp with time zone,
	CONSTRAINT "return_lines_return_id_line_no_shipment_id_pk" PRIMARY KEY("return_id","line_no","shipment_id"),
	CONSTRAINT "return_lines_quantity_positive" CHECK ("return_lines"."quantity" > 0)
);
--> statement-breakpoint
CREATE TABLE "returns" (
	"id" text PRIMARY KEY NOT NULL,
	"order_id" text NOT NULL,
	"requested_by" text NOT NULL,
	"idempotency_key" text NOT NULL,
	"request_hash" text NOT NULL,
	"reason" text NOT NULL,
	"resolution" text NOT NULL,
	"status" text NOT NULL,
	"status_seq" integer DEFAULT 0 NOT NULL,
	"workflow_id" text NOT NULL,
	"workflow_started_at" timestamp with time zone,
	"labels" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"refunded_cents" integer DEFAULT 0 NOT NULL,
	"received_at" timestamp with time zone,
	"expires_at" timestamp with time zone NOT NULL,
	"cancelled_by" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "returns_id_shape" CHECK ("returns"."id" ~ '^ret_[a-z0-9]{1,40}$')
);
--> statement-breakpoint
ALTER TABLE "return_lines" ADD CONSTRAINT "return_lines_return_id_returns_id_fk" FOREIGN KEY ("return_id") REFERENCES "public"."returns"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "returns" ADD CONSTRAINT "returns_order_id_orders_id_fk" FOREIGN KEY ("order_id") REFERENCES "public"."orders"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "return_lines_order_idx" ON "return_lines" USING btree ("order_id","line_no");--> statement-breakpoint
CREATE INDEX "return_lines_restocked_uncredited_idx" ON "return_lines" USING btree ("stock_settled_at") WHERE "return_lines"."stock_settled_at" is not null and "return_lines"."erp_credited_at" is null;--> statement-breakpoint
CREATE INDEX "returns_order_idx" ON "returns" USING btree ("order_id","created_at");