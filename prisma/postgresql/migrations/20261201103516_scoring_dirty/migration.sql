-- AlterTable
ALTER TABLE "SyncState" ADD COLUMN     "scoringGeneration" INTEGER NOT NULL DEFAULT 0;

-- CreateTable
CREATE TABLE "ScoringDirty" (
    "shopId" TEXT NOT NULL,
    "customerKey" TEXT NOT NULL,
    "claimed" BOOLEAN NOT NULL DEFAULT false,

    CONSTRAINT "ScoringDirty_pkey" PRIMARY KEY ("shopId","customerKey")
);

-- Every change to a customer's orders marks the customer for the next recompute, in the order's
-- own transaction, whichever path wrote it (webhook inbox, re-read, sweep, erasure). Only once
-- the shop has been scored: before that the first recompute reads every order anyway
-- (docs/decisions/047). A mark taken by a recompute (claimed) is set back by a later change.
CREATE FUNCTION "order_scoring_dirty"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  shop TEXT := CASE WHEN TG_OP = 'DELETE' THEN OLD."shopId" ELSE NEW."shopId" END;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM "SyncState" WHERE "shopId" = shop AND "scoringGeneration" > 0) THEN
    RETURN NULL;
  END IF;
  IF TG_OP <> 'DELETE' AND NEW."customerKey" IS NOT NULL THEN
    INSERT INTO "ScoringDirty" ("shopId", "customerKey", "claimed") VALUES (NEW."shopId", NEW."customerKey", false)
    ON CONFLICT ("shopId", "customerKey") DO UPDATE SET "claimed" = false;
  END IF;
  IF TG_OP <> 'INSERT' AND OLD."customerKey" IS NOT NULL AND (TG_OP = 'DELETE' OR OLD."customerKey" IS DISTINCT FROM NEW."customerKey") THEN
    INSERT INTO "ScoringDirty" ("shopId", "customerKey", "claimed") VALUES (OLD."shopId", OLD."customerKey", false)
    ON CONFLICT ("shopId", "customerKey") DO UPDATE SET "claimed" = false;
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER "Order_scoring_dirty" AFTER INSERT OR UPDATE OR DELETE ON "Order" FOR EACH ROW EXECUTE FUNCTION "order_scoring_dirty"();
