-- Amounts in minor units become BIGINT (PostgreSQL's INTEGER is 32-bit; SQLite stores both alike).
-- Prisma rebuilds the tables; scripts/db.mjs keeps Order, OrderLine and Customer WITHOUT ROWID.
-- PersonaSnapshot keeps backdatedUnder (20261130165732, which sorts before this one).
-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_Customer" (
    "shopId" TEXT NOT NULL,
    "customerKey" TEXT NOT NULL,
    "guest" BOOLEAN NOT NULL DEFAULT false,
    "email" TEXT,
    "recencyDays" INTEGER,
    "frequency" INTEGER NOT NULL DEFAULT 0,
    "monetaryMinor" BIGINT NOT NULL DEFAULT 0,
    "firstOrderAt" DATETIME,
    "lastOrderAt" DATETIME,
    "r" INTEGER,
    "f" INTEGER,
    "m" INTEGER,
    "persona" TEXT,
    "previousPersona" TEXT,
    "personaSince" DATETIME,
    "scoredAt" DATETIME,
    "written" TEXT,
    "writtenAt" DATETIME,
    "writeStatus" TEXT,
    "writeError" TEXT,
    "writeAttempts" INTEGER NOT NULL DEFAULT 0,

    PRIMARY KEY ("shopId", "customerKey")
) WITHOUT ROWID;
INSERT INTO "new_Customer" ("customerKey", "email", "f", "firstOrderAt", "frequency", "guest", "lastOrderAt", "m", "monetaryMinor", "persona", "personaSince", "previousPersona", "r", "recencyDays", "scoredAt", "shopId", "writeAttempts", "writeError", "writeStatus", "written", "writtenAt") SELECT "customerKey", "email", "f", "firstOrderAt", "frequency", "guest", "lastOrderAt", "m", "monetaryMinor", "persona", "personaSince", "previousPersona", "r", "recencyDays", "scoredAt", "shopId", "writeAttempts", "writeError", "writeStatus", "written", "writtenAt" FROM "Customer";
DROP TABLE "Customer";
ALTER TABLE "new_Customer" RENAME TO "Customer";
CREATE INDEX "Customer_shopId_persona_idx" ON "Customer"("shopId", "persona");
CREATE TABLE "new_Order" (
    "shopId" TEXT NOT NULL,
    "id" TEXT NOT NULL,
    "customerKey" TEXT,
    "guest" BOOLEAN NOT NULL DEFAULT false,
    "processedAt" DATETIME NOT NULL,
    "updatedAt" DATETIME NOT NULL,
    "currency" TEXT NOT NULL,
    "totalMinor" BIGINT NOT NULL,
    "refundedMinor" BIGINT NOT NULL DEFAULT 0,
    "channel" TEXT,
    "pos" BOOLEAN NOT NULL DEFAULT false,
    "subscription" BOOLEAN NOT NULL DEFAULT false,
    "test" BOOLEAN NOT NULL DEFAULT false,
    "cancelled" BOOLEAN NOT NULL DEFAULT false,
    "unpaid" BOOLEAN NOT NULL DEFAULT false,
    "amountUnknown" BOOLEAN NOT NULL DEFAULT false,
    "tags" TEXT NOT NULL DEFAULT '[]',
    "deleted" BOOLEAN NOT NULL DEFAULT false,
    "verified" BOOLEAN NOT NULL DEFAULT true,
    "itemsTotalMinor" BIGINT NOT NULL DEFAULT 0,
    "lineCount" INTEGER NOT NULL DEFAULT 0,
    "specialLineCount" INTEGER NOT NULL DEFAULT 0,

    PRIMARY KEY ("shopId", "id")
) WITHOUT ROWID;
INSERT INTO "new_Order" ("amountUnknown", "cancelled", "channel", "currency", "customerKey", "deleted", "guest", "id", "itemsTotalMinor", "lineCount", "pos", "processedAt", "refundedMinor", "shopId", "specialLineCount", "subscription", "tags", "test", "totalMinor", "unpaid", "updatedAt", "verified") SELECT "amountUnknown", "cancelled", "channel", "currency", "customerKey", "deleted", "guest", "id", "itemsTotalMinor", "lineCount", "pos", "processedAt", "refundedMinor", "shopId", "specialLineCount", "subscription", "tags", "test", "totalMinor", "unpaid", "updatedAt", "verified" FROM "Order";
DROP TABLE "Order";
ALTER TABLE "new_Order" RENAME TO "Order";
CREATE INDEX "Order_shopId_customerKey_idx" ON "Order"("shopId", "customerKey");
CREATE TABLE "new_OrderLine" (
    "shopId" TEXT NOT NULL,
    "orderId" TEXT NOT NULL,
    "id" TEXT NOT NULL,
    "quantity" INTEGER NOT NULL,
    "unitPriceMinor" BIGINT NOT NULL,
    "totalMinor" BIGINT NOT NULL,
    "subscription" BOOLEAN NOT NULL DEFAULT false,

    PRIMARY KEY ("shopId", "orderId", "id")
) WITHOUT ROWID;
INSERT INTO "new_OrderLine" ("id", "orderId", "quantity", "shopId", "subscription", "totalMinor", "unitPriceMinor") SELECT "id", "orderId", "quantity", "shopId", "subscription", "totalMinor", "unitPriceMinor" FROM "OrderLine";
DROP TABLE "OrderLine";
ALTER TABLE "new_OrderLine" RENAME TO "OrderLine";
CREATE TABLE "new_PersonaSnapshot" (
    "shopId" TEXT NOT NULL,
    "day" TEXT NOT NULL,
    "persona" TEXT NOT NULL,
    "customers" INTEGER NOT NULL,
    "orders" INTEGER NOT NULL,
    "revenueMinor" BIGINT NOT NULL,
    "backdatedUnder" TEXT,

    PRIMARY KEY ("shopId", "day", "persona")
);
INSERT INTO "new_PersonaSnapshot" ("backdatedUnder", "customers", "day", "orders", "persona", "revenueMinor", "shopId") SELECT "backdatedUnder", "customers", "day", "orders", "persona", "revenueMinor", "shopId" FROM "PersonaSnapshot";
DROP TABLE "PersonaSnapshot";
ALTER TABLE "new_PersonaSnapshot" RENAME TO "PersonaSnapshot";
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;
