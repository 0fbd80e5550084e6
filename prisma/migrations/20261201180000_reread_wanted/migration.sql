-- CreateTable
CREATE TABLE "RereadWanted" (
    "shopId" TEXT NOT NULL,
    "orderId" TEXT NOT NULL,
    "lines" INTEGER,
    "askedAt" DATETIME NOT NULL,
    "asks" INTEGER NOT NULL DEFAULT 1,

    PRIMARY KEY ("shopId", "orderId")
);

-- CreateIndex
CREATE INDEX "RereadWanted_shopId_askedAt_idx" ON "RereadWanted"("shopId", "askedAt");
