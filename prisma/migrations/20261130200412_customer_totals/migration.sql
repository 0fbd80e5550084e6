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

    PRIMARY KEY ("shopId", "persona", "r", "f", "m", "lastOrderDay")
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

-- The totals follow every write to Customer (docs/decisions/025). A rebuild of "Customer" by a
-- later migration drops these triggers: recreate them there.
CREATE TRIGGER "Customer_total_insert" AFTER INSERT ON "Customer" BEGIN
  INSERT INTO "CustomerTotal" ("shopId", "persona", "r", "f", "m", "lastOrderDay", "customers", "guests", "failedWrites", "orders", "monetaryMinor", "lifetimeMs", "lifetimes")
  VALUES (NEW."shopId", coalesce(NEW."persona", ''), coalesce(NEW."r", 0), coalesce(NEW."f", 0), coalesce(NEW."m", 0), CASE WHEN typeof(NEW.lastOrderAt) = 'integer' THEN NEW.lastOrderAt / 86400000 ELSE -1 END,
    1, (CASE WHEN NEW."guest" THEN 1 ELSE 0 END), (CASE WHEN NEW."writeStatus" = 'failed' THEN 1 ELSE 0 END), NEW."frequency", NEW."monetaryMinor", (CASE WHEN typeof(NEW.lastOrderAt) = 'integer' AND typeof(NEW.firstOrderAt) = 'integer' THEN NEW.lastOrderAt - NEW.firstOrderAt ELSE 0 END), (CASE WHEN typeof(NEW.lastOrderAt) = 'integer' AND typeof(NEW.firstOrderAt) = 'integer' THEN 1 ELSE 0 END))
  ON CONFLICT ("shopId", "persona", "r", "f", "m", "lastOrderDay") DO UPDATE SET
    "customers" = "customers" + excluded."customers", "guests" = "guests" + excluded."guests", "failedWrites" = "failedWrites" + excluded."failedWrites",
    "orders" = "orders" + excluded."orders", "monetaryMinor" = "monetaryMinor" + excluded."monetaryMinor",
    "lifetimeMs" = "lifetimeMs" + excluded."lifetimeMs", "lifetimes" = "lifetimes" + excluded."lifetimes";
END;

CREATE TRIGGER "Customer_total_delete" AFTER DELETE ON "Customer" BEGIN
  INSERT INTO "CustomerTotal" ("shopId", "persona", "r", "f", "m", "lastOrderDay", "customers", "guests", "failedWrites", "orders", "monetaryMinor", "lifetimeMs", "lifetimes")
  VALUES (OLD."shopId", coalesce(OLD."persona", ''), coalesce(OLD."r", 0), coalesce(OLD."f", 0), coalesce(OLD."m", 0), CASE WHEN typeof(OLD.lastOrderAt) = 'integer' THEN OLD.lastOrderAt / 86400000 ELSE -1 END,
    -1, -(CASE WHEN OLD."guest" THEN 1 ELSE 0 END), -(CASE WHEN OLD."writeStatus" = 'failed' THEN 1 ELSE 0 END), -OLD."frequency", -OLD."monetaryMinor", -(CASE WHEN typeof(OLD.lastOrderAt) = 'integer' AND typeof(OLD.firstOrderAt) = 'integer' THEN OLD.lastOrderAt - OLD.firstOrderAt ELSE 0 END), -(CASE WHEN typeof(OLD.lastOrderAt) = 'integer' AND typeof(OLD.firstOrderAt) = 'integer' THEN 1 ELSE 0 END))
  ON CONFLICT ("shopId", "persona", "r", "f", "m", "lastOrderDay") DO UPDATE SET
    "customers" = "customers" + excluded."customers", "guests" = "guests" + excluded."guests", "failedWrites" = "failedWrites" + excluded."failedWrites",
    "orders" = "orders" + excluded."orders", "monetaryMinor" = "monetaryMinor" + excluded."monetaryMinor",
    "lifetimeMs" = "lifetimeMs" + excluded."lifetimeMs", "lifetimes" = "lifetimes" + excluded."lifetimes";
  DELETE FROM "CustomerTotal" WHERE "shopId" = OLD."shopId" AND "persona" = coalesce(OLD."persona", '') AND "r" = coalesce(OLD."r", 0)
    AND "f" = coalesce(OLD."f", 0) AND "m" = coalesce(OLD."m", 0) AND "lastOrderDay" = CASE WHEN typeof(OLD.lastOrderAt) = 'integer' THEN OLD.lastOrderAt / 86400000 ELSE -1 END AND "customers" = 0;
END;

CREATE TRIGGER "Customer_total_update" AFTER UPDATE OF "persona", "r", "f", "m", "lastOrderAt", "firstOrderAt", "guest", "writeStatus", "frequency", "monetaryMinor" ON "Customer" BEGIN
  INSERT INTO "CustomerTotal" ("shopId", "persona", "r", "f", "m", "lastOrderDay", "customers", "guests", "failedWrites", "orders", "monetaryMinor", "lifetimeMs", "lifetimes")
  VALUES (OLD."shopId", coalesce(OLD."persona", ''), coalesce(OLD."r", 0), coalesce(OLD."f", 0), coalesce(OLD."m", 0), CASE WHEN typeof(OLD.lastOrderAt) = 'integer' THEN OLD.lastOrderAt / 86400000 ELSE -1 END,
    -1, -(CASE WHEN OLD."guest" THEN 1 ELSE 0 END), -(CASE WHEN OLD."writeStatus" = 'failed' THEN 1 ELSE 0 END), -OLD."frequency", -OLD."monetaryMinor", -(CASE WHEN typeof(OLD.lastOrderAt) = 'integer' AND typeof(OLD.firstOrderAt) = 'integer' THEN OLD.lastOrderAt - OLD.firstOrderAt ELSE 0 END), -(CASE WHEN typeof(OLD.lastOrderAt) = 'integer' AND typeof(OLD.firstOrderAt) = 'integer' THEN 1 ELSE 0 END))
  ON CONFLICT ("shopId", "persona", "r", "f", "m", "lastOrderDay") DO UPDATE SET
    "customers" = "customers" + excluded."customers", "guests" = "guests" + excluded."guests", "failedWrites" = "failedWrites" + excluded."failedWrites",
    "orders" = "orders" + excluded."orders", "monetaryMinor" = "monetaryMinor" + excluded."monetaryMinor",
    "lifetimeMs" = "lifetimeMs" + excluded."lifetimeMs", "lifetimes" = "lifetimes" + excluded."lifetimes";
  INSERT INTO "CustomerTotal" ("shopId", "persona", "r", "f", "m", "lastOrderDay", "customers", "guests", "failedWrites", "orders", "monetaryMinor", "lifetimeMs", "lifetimes")
  VALUES (NEW."shopId", coalesce(NEW."persona", ''), coalesce(NEW."r", 0), coalesce(NEW."f", 0), coalesce(NEW."m", 0), CASE WHEN typeof(NEW.lastOrderAt) = 'integer' THEN NEW.lastOrderAt / 86400000 ELSE -1 END,
    1, (CASE WHEN NEW."guest" THEN 1 ELSE 0 END), (CASE WHEN NEW."writeStatus" = 'failed' THEN 1 ELSE 0 END), NEW."frequency", NEW."monetaryMinor", (CASE WHEN typeof(NEW.lastOrderAt) = 'integer' AND typeof(NEW.firstOrderAt) = 'integer' THEN NEW.lastOrderAt - NEW.firstOrderAt ELSE 0 END), (CASE WHEN typeof(NEW.lastOrderAt) = 'integer' AND typeof(NEW.firstOrderAt) = 'integer' THEN 1 ELSE 0 END))
  ON CONFLICT ("shopId", "persona", "r", "f", "m", "lastOrderDay") DO UPDATE SET
    "customers" = "customers" + excluded."customers", "guests" = "guests" + excluded."guests", "failedWrites" = "failedWrites" + excluded."failedWrites",
    "orders" = "orders" + excluded."orders", "monetaryMinor" = "monetaryMinor" + excluded."monetaryMinor",
    "lifetimeMs" = "lifetimeMs" + excluded."lifetimeMs", "lifetimes" = "lifetimes" + excluded."lifetimes";
  DELETE FROM "CustomerTotal" WHERE "shopId" = OLD."shopId" AND "persona" = coalesce(OLD."persona", '') AND "r" = coalesce(OLD."r", 0)
    AND "f" = coalesce(OLD."f", 0) AND "m" = coalesce(OLD."m", 0) AND "lastOrderDay" = CASE WHEN typeof(OLD.lastOrderAt) = 'integer' THEN OLD.lastOrderAt / 86400000 ELSE -1 END AND "customers" = 0;
END;

-- Shops scored before the totals existed.
INSERT INTO "CustomerTotal" ("shopId", "persona", "r", "f", "m", "lastOrderDay", "customers", "guests", "failedWrites", "orders", "monetaryMinor", "lifetimeMs", "lifetimes")
SELECT "shopId", coalesce("persona", ''), coalesce("r", 0), coalesce("f", 0), coalesce("m", 0),
  CASE WHEN typeof("lastOrderAt") = 'integer' THEN "lastOrderAt" / 86400000 ELSE -1 END AS d,
  count(*), sum(CASE WHEN "guest" THEN 1 ELSE 0 END), sum(CASE WHEN "writeStatus" = 'failed' THEN 1 ELSE 0 END), sum("frequency"), sum("monetaryMinor"),
  sum(CASE WHEN typeof("lastOrderAt") = 'integer' AND typeof("firstOrderAt") = 'integer' THEN "lastOrderAt" - "firstOrderAt" ELSE 0 END),
  sum(CASE WHEN typeof("lastOrderAt") = 'integer' AND typeof("firstOrderAt") = 'integer' THEN 1 ELSE 0 END)
FROM "Customer" GROUP BY 1, 2, 3, 4, 5, 6;
