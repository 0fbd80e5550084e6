-- CreateTable
CREATE TABLE "RereadWanted" (
    "shopId" TEXT NOT NULL,
    "orderId" TEXT NOT NULL,
    "lines" INTEGER,
    "askedAt" TIMESTAMP(3) NOT NULL,
    "asks" INTEGER NOT NULL DEFAULT 1,

    CONSTRAINT "RereadWanted_pkey" PRIMARY KEY ("shopId","orderId")
);

-- CreateIndex
CREATE INDEX "RereadWanted_shopId_askedAt_idx" ON "RereadWanted"("shopId", "askedAt");
