-- AlterTable
ALTER TABLE "SyncState" ADD COLUMN "writebackSettledAt" BIGINT;
ALTER TABLE "SyncState" ADD COLUMN "writebackSettledBasis" TEXT;

-- CreateTable
CREATE TABLE "ScoringChange" (
    "shopId" TEXT NOT NULL,
    "generation" INTEGER NOT NULL,
    "customerKey" TEXT NOT NULL,

    PRIMARY KEY ("shopId", "generation", "customerKey")
) WITHOUT ROWID;
