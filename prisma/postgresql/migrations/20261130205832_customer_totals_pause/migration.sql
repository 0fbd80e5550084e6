-- AlterTable
ALTER TABLE "SyncState" ADD COLUMN     "totalsPaused" BOOLEAN NOT NULL DEFAULT false;

-- The totals trigger skips a shop whose recompute rebuilds its totals in one statement (docs/decisions/025).
CREATE OR REPLACE FUNCTION "customer_total_follow"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM "SyncState" WHERE "shopId" = CASE WHEN TG_OP = 'DELETE' THEN OLD."shopId" ELSE NEW."shopId" END AND "totalsPaused") THEN
    RETURN NULL;
  END IF;
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
