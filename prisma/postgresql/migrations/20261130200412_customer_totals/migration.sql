-- DropIndex
DROP INDEX "Customer_shopId_persona_idx";

-- CreateTable
CREATE TABLE "CustomerTotal" (
    "shopId" TEXT NOT NULL,
    "persona" TEXT NOT NULL,
    "r" INTEGER NOT NULL,
    "f" INTEGER NOT NULL,
    "m" INTEGER NOT NULL,
    "lastOrderDay" INTEGER NOT NULL,
    "customers" INTEGER NOT NULL,
    "guests" INTEGER NOT NULL,
    "failedWrites" INTEGER NOT NULL,
    "orders" BIGINT NOT NULL,
    "monetaryMinor" BIGINT NOT NULL,
    "lifetimeMs" BIGINT NOT NULL,
    "lifetimes" INTEGER NOT NULL,

    CONSTRAINT "CustomerTotal_pkey" PRIMARY KEY ("shopId","persona","r","f","m","lastOrderDay")
);

-- CreateIndex
CREATE INDEX "Customer_shopId_persona_monetaryMinor_idx" ON "Customer"("shopId", "persona", "monetaryMinor");

-- CreateIndex
CREATE INDEX "Customer_shopId_persona_frequency_idx" ON "Customer"("shopId", "persona", "frequency");

-- CreateIndex
CREATE INDEX "Customer_shopId_monetaryMinor_idx" ON "Customer"("shopId", "monetaryMinor");

-- CreateIndex
CREATE INDEX "Customer_shopId_frequency_idx" ON "Customer"("shopId", "frequency");

-- CreateIndex
CREATE INDEX "Customer_shopId_lastOrderAt_idx" ON "Customer"("shopId", "lastOrderAt");

-- The totals follow every write to Customer (docs/decisions/025).
CREATE FUNCTION "customer_total_follow"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    INSERT INTO "CustomerTotal" ("shopId", "persona", "r", "f", "m", "lastOrderDay", "customers", "guests", "failedWrites", "orders", "monetaryMinor", "lifetimeMs", "lifetimes")
    VALUES (OLD."shopId", coalesce(OLD."persona", ''), coalesce(OLD."r", 0), coalesce(OLD."f", 0), coalesce(OLD."m", 0), CASE WHEN OLD."lastOrderAt" IS NULL THEN -1 ELSE floor(extract(epoch from OLD."lastOrderAt") / 86400)::integer END,
      -1, -(CASE WHEN OLD."guest" THEN 1 ELSE 0 END), -(CASE WHEN OLD."writeStatus" = 'failed' THEN 1 ELSE 0 END), -OLD."frequency", -OLD."monetaryMinor", -(CASE WHEN OLD."lastOrderAt" IS NOT NULL AND OLD."firstOrderAt" IS NOT NULL THEN (floor(extract(epoch from OLD."lastOrderAt") * 1000) - floor(extract(epoch from OLD."firstOrderAt") * 1000))::bigint ELSE 0 END), -(CASE WHEN OLD."lastOrderAt" IS NOT NULL AND OLD."firstOrderAt" IS NOT NULL THEN 1 ELSE 0 END))
    ON CONFLICT ("shopId", "persona", "r", "f", "m", "lastOrderDay") DO UPDATE SET
      "customers" = "CustomerTotal"."customers" + excluded."customers", "guests" = "CustomerTotal"."guests" + excluded."guests",
      "failedWrites" = "CustomerTotal"."failedWrites" + excluded."failedWrites", "orders" = "CustomerTotal"."orders" + excluded."orders",
      "monetaryMinor" = "CustomerTotal"."monetaryMinor" + excluded."monetaryMinor", "lifetimeMs" = "CustomerTotal"."lifetimeMs" + excluded."lifetimeMs",
      "lifetimes" = "CustomerTotal"."lifetimes" + excluded."lifetimes";
  END IF;
  IF TG_OP IN ('UPDATE', 'INSERT') THEN
    INSERT INTO "CustomerTotal" ("shopId", "persona", "r", "f", "m", "lastOrderDay", "customers", "guests", "failedWrites", "orders", "monetaryMinor", "lifetimeMs", "lifetimes")
    VALUES (NEW."shopId", coalesce(NEW."persona", ''), coalesce(NEW."r", 0), coalesce(NEW."f", 0), coalesce(NEW."m", 0), CASE WHEN NEW."lastOrderAt" IS NULL THEN -1 ELSE floor(extract(epoch from NEW."lastOrderAt") / 86400)::integer END,
      1, (CASE WHEN NEW."guest" THEN 1 ELSE 0 END), (CASE WHEN NEW."writeStatus" = 'failed' THEN 1 ELSE 0 END), NEW."frequency", NEW."monetaryMinor", (CASE WHEN NEW."lastOrderAt" IS NOT NULL AND NEW."firstOrderAt" IS NOT NULL THEN (floor(extract(epoch from NEW."lastOrderAt") * 1000) - floor(extract(epoch from NEW."firstOrderAt") * 1000))::bigint ELSE 0 END), (CASE WHEN NEW."lastOrderAt" IS NOT NULL AND NEW."firstOrderAt" IS NOT NULL THEN 1 ELSE 0 END))
    ON CONFLICT ("shopId", "persona", "r", "f", "m", "lastOrderDay") DO UPDATE SET
      "customers" = "CustomerTotal"."customers" + excluded."customers", "guests" = "CustomerTotal"."guests" + excluded."guests",
      "failedWrites" = "CustomerTotal"."failedWrites" + excluded."failedWrites", "orders" = "CustomerTotal"."orders" + excluded."orders",
      "monetaryMinor" = "CustomerTotal"."monetaryMinor" + excluded."monetaryMinor", "lifetimeMs" = "CustomerTotal"."lifetimeMs" + excluded."lifetimeMs",
      "lifetimes" = "CustomerTotal"."lifetimes" + excluded."lifetimes";
  END IF;
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    DELETE FROM "CustomerTotal" WHERE "shopId" = OLD."shopId" AND "persona" = coalesce(OLD."persona", '') AND "r" = coalesce(OLD."r", 0)
      AND "f" = coalesce(OLD."f", 0) AND "m" = coalesce(OLD."m", 0) AND "lastOrderDay" = CASE WHEN OLD."lastOrderAt" IS NULL THEN -1 ELSE floor(extract(epoch from OLD."lastOrderAt") / 86400)::integer END AND "customers" = 0;
  END IF;
  RETURN NULL;
END
$$;

CREATE TRIGGER "Customer_total_insert_delete" AFTER INSERT OR DELETE ON "Customer" FOR EACH ROW EXECUTE FUNCTION "customer_total_follow"();
CREATE TRIGGER "Customer_total_update" AFTER UPDATE OF "persona", "r", "f", "m", "lastOrderAt", "firstOrderAt", "guest", "writeStatus", "frequency", "monetaryMinor" ON "Customer" FOR EACH ROW EXECUTE FUNCTION "customer_total_follow"();

-- Shops scored before the totals existed.
INSERT INTO "CustomerTotal" ("shopId", "persona", "r", "f", "m", "lastOrderDay", "customers", "guests", "failedWrites", "orders", "monetaryMinor", "lifetimeMs", "lifetimes")
SELECT "shopId", coalesce("persona", ''), coalesce("r", 0), coalesce("f", 0), coalesce("m", 0),
  CASE WHEN "lastOrderAt" IS NULL THEN -1 ELSE floor(extract(epoch from "lastOrderAt") / 86400)::integer END,
  count(*), sum(CASE WHEN "guest" THEN 1 ELSE 0 END), sum(CASE WHEN "writeStatus" = 'failed' THEN 1 ELSE 0 END), sum("frequency"), sum("monetaryMinor"),
  sum(CASE WHEN "lastOrderAt" IS NOT NULL AND "firstOrderAt" IS NOT NULL THEN (floor(extract(epoch from "lastOrderAt") * 1000) - floor(extract(epoch from "firstOrderAt") * 1000))::bigint ELSE 0 END),
  sum(CASE WHEN "lastOrderAt" IS NOT NULL AND "firstOrderAt" IS NOT NULL THEN 1 ELSE 0 END)
FROM "Customer" GROUP BY 1, 2, 3, 4, 5, 6;
