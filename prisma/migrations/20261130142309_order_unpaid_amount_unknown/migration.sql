-- AlterTable (ADD COLUMN keeps Order WITHOUT ROWID, unlike a table rebuild)
ALTER TABLE "Order" ADD COLUMN "unpaid" BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE "Order" ADD COLUMN "amountUnknown" BOOLEAN NOT NULL DEFAULT false;
