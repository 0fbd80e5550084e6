-- AlterTable
ALTER TABLE "StoreCredential" ADD COLUMN "launchSecret" TEXT;

-- CreateTable
CREATE TABLE "LaunchNonce" (
    "nonceHash" TEXT NOT NULL PRIMARY KEY,
    "shopId" TEXT NOT NULL,
    "expiresAt" DATETIME NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateIndex
CREATE INDEX "LaunchNonce_expiresAt_idx" ON "LaunchNonce"("expiresAt");
