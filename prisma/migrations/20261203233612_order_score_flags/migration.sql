-- AlterTable (a column added in place: the orders keep their rows and layout)
ALTER TABLE "Order" ADD COLUMN "scoreFlags" INTEGER NOT NULL DEFAULT 0;

-- The stored orders' flags, as the order store writes them from here on (ORDER_FLAG in
-- app/rfm/rules-columns.ts; docs/decisions/074). Most orders have none: only those are written.
UPDATE "Order" SET "scoreFlags" = (CASE WHEN "test" THEN 1 ELSE 0 END) + (CASE WHEN "cancelled" THEN 2 ELSE 0 END) + (CASE WHEN "subscription" THEN 4 ELSE 0 END) + (CASE WHEN "pos" THEN 8 ELSE 0 END) + (CASE WHEN "unpaid" THEN 16 ELSE 0 END) + (CASE WHEN "amountUnknown" THEN 32 ELSE 0 END) + (CASE WHEN "refundedMinor" > 0 AND "refundedMinor" >= "totalMinor" THEN 64 ELSE 0 END) + (CASE WHEN "guest" THEN 256 ELSE 0 END)
WHERE "deleted" = false AND ((CASE WHEN "test" THEN 1 ELSE 0 END) + (CASE WHEN "cancelled" THEN 2 ELSE 0 END) + (CASE WHEN "subscription" THEN 4 ELSE 0 END) + (CASE WHEN "pos" THEN 8 ELSE 0 END) + (CASE WHEN "unpaid" THEN 16 ELSE 0 END) + (CASE WHEN "amountUnknown" THEN 32 ELSE 0 END) + (CASE WHEN "refundedMinor" > 0 AND "refundedMinor" >= "totalMinor" THEN 64 ELSE 0 END) + (CASE WHEN "guest" THEN 256 ELSE 0 END)) <> 0;
