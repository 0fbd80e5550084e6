-- AlterTable
ALTER TABLE "SyncState" ADD COLUMN "scoringDay" INTEGER;
