-- Order, OrderLine and Customer are WITHOUT ROWID: rows live in their primary-key
-- B-tree, halving the writes of a bulk ingest (docs/decisions/004).
-- CreateTable
CREATE TABLE "Order" (
    "shopId" TEXT NOT NULL,
    "id" TEXT NOT NULL,
    "customerKey" TEXT,
    "guest" BOOLEAN NOT NULL DEFAULT false,
    "processedAt" DATETIME NOT NULL,
    "updatedAt" DATETIME NOT NULL,
    "currency" TEXT NOT NULL,
    "totalMinor" INTEGER NOT NULL,
    "refundedMinor" INTEGER NOT NULL DEFAULT 0,
    "channel" TEXT,
    "pos" BOOLEAN NOT NULL DEFAULT false,
    "subscription" BOOLEAN NOT NULL DEFAULT false,
    "test" BOOLEAN NOT NULL DEFAULT false,
    "cancelled" BOOLEAN NOT NULL DEFAULT false,
    "tags" TEXT NOT NULL DEFAULT '[]',
    "deleted" BOOLEAN NOT NULL DEFAULT false,
    "itemsTotalMinor" INTEGER NOT NULL DEFAULT 0,
    "lineCount" INTEGER NOT NULL DEFAULT 0,
    "specialLineCount" INTEGER NOT NULL DEFAULT 0,

    PRIMARY KEY ("shopId", "id")
) WITHOUT ROWID;

-- CreateTable
CREATE TABLE "OrderLine" (
    "shopId" TEXT NOT NULL,
    "orderId" TEXT NOT NULL,
    "id" TEXT NOT NULL,
    "quantity" INTEGER NOT NULL,
    "unitPriceMinor" INTEGER NOT NULL,
    "totalMinor" INTEGER NOT NULL,
    "subscription" BOOLEAN NOT NULL DEFAULT false,

    PRIMARY KEY ("shopId", "orderId", "id")
) WITHOUT ROWID;

-- CreateTable
CREATE TABLE "Customer" (
    "shopId" TEXT NOT NULL,
    "customerKey" TEXT NOT NULL,
    "guest" BOOLEAN NOT NULL DEFAULT false,
    "email" TEXT,
    "recencyDays" INTEGER,
    "frequency" INTEGER NOT NULL DEFAULT 0,
    "monetaryMinor" INTEGER NOT NULL DEFAULT 0,
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

-- CreateTable
CREATE TABLE "PersonaSnapshot" (
    "shopId" TEXT NOT NULL,
    "day" TEXT NOT NULL,
    "persona" TEXT NOT NULL,
    "customers" INTEGER NOT NULL,
    "orders" INTEGER NOT NULL,
    "revenueMinor" INTEGER NOT NULL,

    PRIMARY KEY ("shopId", "day", "persona")
);

-- CreateTable
CREATE TABLE "PersonaTransition" (
    "shopId" TEXT NOT NULL,
    "day" TEXT NOT NULL,
    "fromPersona" TEXT NOT NULL,
    "toPersona" TEXT NOT NULL,
    "customers" INTEGER NOT NULL,

    PRIMARY KEY ("shopId", "day", "fromPersona", "toPersona")
);

-- CreateTable
CREATE TABLE "SyncState" (
    "shopId" TEXT NOT NULL PRIMARY KEY,
    "phase" TEXT NOT NULL DEFAULT 'idle',
    "bulkOperationId" TEXT,
    "bulkStatus" TEXT,
    "bulkAttempts" INTEGER NOT NULL DEFAULT 0,
    "bulkLinesDone" INTEGER NOT NULL DEFAULT 0,
    "ordersDone" INTEGER NOT NULL DEFAULT 0,
    "ordersEstimated" INTEGER,
    "backfillStartedAt" DATETIME,
    "backfillFinishedAt" DATETIME,
    "sweepFrom" DATETIME,
    "lastSweepAt" DATETIME,
    "lastRecomputeAt" DATETIME,
    "lastError" TEXT,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "WebhookEvent" (
    "shopDomain" TEXT NOT NULL,
    "eventId" TEXT NOT NULL,
    "topic" TEXT NOT NULL,
    "receivedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,

    PRIMARY KEY ("shopDomain", "eventId")
);

-- CreateTable
CREATE TABLE "Job" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "shopId" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "key" TEXT NOT NULL DEFAULT '',
    "status" TEXT NOT NULL DEFAULT 'pending',
    "runAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "payload" TEXT NOT NULL DEFAULT '{}',
    "lastError" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "DataRequest" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "shopDomain" TEXT NOT NULL,
    "requestId" TEXT NOT NULL,
    "customerKey" TEXT NOT NULL,
    "export" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateIndex
CREATE INDEX "Order_shopId_customerKey_idx" ON "Order"("shopId", "customerKey");

-- CreateIndex
CREATE INDEX "Customer_shopId_persona_idx" ON "Customer"("shopId", "persona");

-- CreateIndex
CREATE INDEX "Job_status_runAt_idx" ON "Job"("status", "runAt");

-- CreateIndex
CREATE INDEX "Job_shopId_type_key_status_idx" ON "Job"("shopId", "type", "key", "status");

-- CreateIndex
CREATE UNIQUE INDEX "DataRequest_shopDomain_requestId_key" ON "DataRequest"("shopDomain", "requestId");
