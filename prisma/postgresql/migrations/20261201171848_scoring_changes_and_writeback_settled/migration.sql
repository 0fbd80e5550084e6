-- AlterTable
ALTER TABLE "SyncState" ADD COLUMN     "writebackSettledAt" BIGINT,
ADD COLUMN     "writebackSettledBasis" TEXT;

-- CreateTable
CREATE TABLE "ScoringChange" (
    "shopId" TEXT NOT NULL,
    "generation" INTEGER NOT NULL,
    "customerKey" TEXT NOT NULL,

    CONSTRAINT "ScoringChange_pkey" PRIMARY KEY ("shopId","generation","customerKey")
);
