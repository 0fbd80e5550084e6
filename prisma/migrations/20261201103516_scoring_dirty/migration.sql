-- AlterTable (a column added in place: SyncState keeps its rows and layout)
ALTER TABLE "SyncState" ADD COLUMN "scoringGeneration" INTEGER NOT NULL DEFAULT 0;

-- CreateTable
CREATE TABLE "ScoringDirty" (
    "shopId" TEXT NOT NULL,
    "customerKey" TEXT NOT NULL,
    "claimed" BOOLEAN NOT NULL DEFAULT false,

    PRIMARY KEY ("shopId", "customerKey")
) WITHOUT ROWID;

-- Every change to a customer's orders marks the customer for the next recompute, in the order's
-- own transaction, whichever path wrote it (webhook inbox, re-read, sweep, erasure). Only once
-- the shop has been scored: before that the first recompute reads every order anyway
-- (docs/decisions/047).
CREATE TRIGGER "Order_scoring_dirty_insert" AFTER INSERT ON "Order"
  WHEN NEW."customerKey" IS NOT NULL AND EXISTS (SELECT 1 FROM "SyncState" WHERE "shopId" = NEW."shopId" AND "scoringGeneration" > 0) BEGIN
  INSERT INTO "ScoringDirty" ("shopId", "customerKey", "claimed") VALUES (NEW."shopId", NEW."customerKey", false)
  ON CONFLICT ("shopId", "customerKey") DO UPDATE SET "claimed" = false;
END;
CREATE TRIGGER "Order_scoring_dirty_update" AFTER UPDATE ON "Order"
  WHEN EXISTS (SELECT 1 FROM "SyncState" WHERE "shopId" = NEW."shopId" AND "scoringGeneration" > 0) BEGIN
  INSERT INTO "ScoringDirty" ("shopId", "customerKey", "claimed") SELECT NEW."shopId", NEW."customerKey", false WHERE NEW."customerKey" IS NOT NULL
  ON CONFLICT ("shopId", "customerKey") DO UPDATE SET "claimed" = false;
  INSERT INTO "ScoringDirty" ("shopId", "customerKey", "claimed") SELECT OLD."shopId", OLD."customerKey", false
    WHERE OLD."customerKey" IS NOT NULL AND OLD."customerKey" IS NOT NEW."customerKey"
  ON CONFLICT ("shopId", "customerKey") DO UPDATE SET "claimed" = false;
END;
CREATE TRIGGER "Order_scoring_dirty_delete" AFTER DELETE ON "Order"
  WHEN OLD."customerKey" IS NOT NULL AND EXISTS (SELECT 1 FROM "SyncState" WHERE "shopId" = OLD."shopId" AND "scoringGeneration" > 0) BEGIN
  INSERT INTO "ScoringDirty" ("shopId", "customerKey", "claimed") VALUES (OLD."shopId", OLD."customerKey", false)
  ON CONFLICT ("shopId", "customerKey") DO UPDATE SET "claimed" = false;
END;
