-- AlterTable
ALTER TABLE "SyncState" ADD COLUMN     "totalsRebuilding" BOOLEAN NOT NULL DEFAULT false;
