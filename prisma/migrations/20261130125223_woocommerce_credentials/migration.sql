-- AlterTable
ALTER TABLE "SyncState" ADD COLUMN "backfillCursor" TEXT;

-- CreateTable
CREATE TABLE "StoreCredential" (
    "shopId" TEXT NOT NULL PRIMARY KEY,
    "siteUrl" TEXT NOT NULL,
    "consumerKey" TEXT NOT NULL,
    "consumerSecret" TEXT NOT NULL,
    "keyPermissions" TEXT NOT NULL,
    "webhookSecret" TEXT NOT NULL,
    "webhooks" TEXT NOT NULL DEFAULT '{}',
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);

-- CreateIndex
CREATE INDEX "StoreCredential_siteUrl_idx" ON "StoreCredential"("siteUrl");
