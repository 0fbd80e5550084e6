-- AlterTable
ALTER TABLE "DataRequest" ADD COLUMN "expiresAt" DATETIME;

-- AlterTable
ALTER TABLE "Job" ADD COLUMN "leaseUntil" DATETIME;
ALTER TABLE "Job" ADD COLUMN "owner" TEXT;

-- AlterTable
ALTER TABLE "Shop" ADD COLUMN "scopes" TEXT;

-- CreateTable
CREATE TABLE "RedactedCustomer" (
    "shopId" TEXT NOT NULL,
    "customerKey" TEXT NOT NULL,
    "redactedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,

    PRIMARY KEY ("shopId", "customerKey")
);

-- CreateTable
CREATE TABLE "WebhookProblem" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "shopDomain" TEXT NOT NULL,
    "topic" TEXT NOT NULL,
    "eventId" TEXT NOT NULL,
    "resourceId" TEXT,
    "error" TEXT NOT NULL,
    "body" TEXT NOT NULL,
    "receivedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "resolvedAt" DATETIME
);

-- CreateTable
CREATE TABLE "DownloadToken" (
    "tokenHash" TEXT NOT NULL PRIMARY KEY,
    "shopId" TEXT NOT NULL,
    "purpose" TEXT NOT NULL,
    "params" TEXT NOT NULL DEFAULT '{}',
    "expiresAt" DATETIME NOT NULL,
    "usedAt" DATETIME,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- AlterTable (ADD COLUMN keeps Order WITHOUT ROWID, unlike a table rebuild)
ALTER TABLE "Order" ADD COLUMN "verified" BOOLEAN NOT NULL DEFAULT true;

-- AlterTable
ALTER TABLE "SyncState" ADD COLUMN "skippedLines" INTEGER NOT NULL DEFAULT 0;
ALTER TABLE "SyncState" ADD COLUMN "historyFrom" DATETIME;

-- CreateIndex
CREATE INDEX "WebhookProblem_shopDomain_resolvedAt_idx" ON "WebhookProblem"("shopDomain", "resolvedAt");

-- CreateIndex
CREATE INDEX "DownloadToken_shopId_idx" ON "DownloadToken"("shopId");
