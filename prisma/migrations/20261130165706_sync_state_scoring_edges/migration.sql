-- AlterTable
ALTER TABLE "SyncState" ADD COLUMN "scoringEdges" TEXT;
