-- AlterTable (a column added in place: SyncState keeps its rows and layout)
ALTER TABLE "SyncState" ADD COLUMN "totalsRebuilding" BOOLEAN NOT NULL DEFAULT false;

-- While a recompute corrects its shop's totals from a snapshot it read outside the write lock
-- (app/scoring/customer-totals.server.ts, docs/decisions/045), the triggers add every change
-- but keep rows that reach zero customers: their other sums are only right once the correction
-- is in, and the recompute removes the empty rows then.
DROP TRIGGER "Customer_total_delete";
CREATE TRIGGER "Customer_total_delete" AFTER DELETE ON "Customer"
  WHEN NOT EXISTS (SELECT 1 FROM "SyncState" WHERE "shopId" = OLD."shopId" AND "totalsPaused") BEGIN
  INSERT INTO "CustomerTotal" ("shopId", "persona", "r", "f", "m", "lastOrderDay", "customers", "guests", "failedWrites", "orders", "monetaryMinor", "lifetimeMs", "lifetimes")
  VALUES (OLD."shopId", coalesce(OLD."persona", ''), coalesce(OLD."r", 0), coalesce(OLD."f", 0), coalesce(OLD."m", 0), CASE WHEN typeof(OLD.lastOrderAt) = 'integer' THEN OLD.lastOrderAt / 86400000 ELSE -1 END,
    -1, -(CASE WHEN OLD."guest" THEN 1 ELSE 0 END), -(CASE WHEN OLD."writeStatus" = 'failed' THEN 1 ELSE 0 END), -OLD."frequency", -OLD."monetaryMinor", -(CASE WHEN typeof(OLD.lastOrderAt) = 'integer' AND typeof(OLD.firstOrderAt) = 'integer' THEN OLD.lastOrderAt - OLD.firstOrderAt ELSE 0 END), -(CASE WHEN typeof(OLD.lastOrderAt) = 'integer' AND typeof(OLD.firstOrderAt) = 'integer' THEN 1 ELSE 0 END))
  ON CONFLICT ("shopId", "persona", "r", "f", "m", "lastOrderDay") DO UPDATE SET
    "customers" = "customers" + excluded."customers", "guests" = "guests" + excluded."guests", "failedWrites" = "failedWrites" + excluded."failedWrites",
    "orders" = "orders" + excluded."orders", "monetaryMinor" = "monetaryMinor" + excluded."monetaryMinor",
    "lifetimeMs" = "lifetimeMs" + excluded."lifetimeMs", "lifetimes" = "lifetimes" + excluded."lifetimes";
  DELETE FROM "CustomerTotal" WHERE "shopId" = OLD."shopId" AND "persona" = coalesce(OLD."persona", '') AND "r" = coalesce(OLD."r", 0)
    AND "f" = coalesce(OLD."f", 0) AND "m" = coalesce(OLD."m", 0) AND "lastOrderDay" = CASE WHEN typeof(OLD.lastOrderAt) = 'integer' THEN OLD.lastOrderAt / 86400000 ELSE -1 END AND "customers" = 0
    AND NOT EXISTS (SELECT 1 FROM "SyncState" WHERE "shopId" = OLD."shopId" AND "totalsRebuilding");
END;
DROP TRIGGER "Customer_total_update";
CREATE TRIGGER "Customer_total_update" AFTER UPDATE OF "persona", "r", "f", "m", "lastOrderAt", "firstOrderAt", "guest", "writeStatus", "frequency", "monetaryMinor" ON "Customer"
  WHEN NOT EXISTS (SELECT 1 FROM "SyncState" WHERE "shopId" = NEW."shopId" AND "totalsPaused") BEGIN
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
    AND "f" = coalesce(OLD."f", 0) AND "m" = coalesce(OLD."m", 0) AND "lastOrderDay" = CASE WHEN typeof(OLD.lastOrderAt) = 'integer' THEN OLD.lastOrderAt / 86400000 ELSE -1 END AND "customers" = 0
    AND NOT EXISTS (SELECT 1 FROM "SyncState" WHERE "shopId" = OLD."shopId" AND "totalsRebuilding");
END;
