-- CreateTable
CREATE TABLE "PersonaSegment" (
    "shopId" TEXT NOT NULL,
    "persona" TEXT NOT NULL,
    "segmentId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "query" TEXT NOT NULL,
    "updatedAt" DATETIME NOT NULL,

    PRIMARY KEY ("shopId", "persona")
);

-- CreateTable
CREATE TABLE "WritebackRun" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "shopId" TEXT NOT NULL,
    "mode" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'running',
    "startedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" DATETIME,
    "customersPlanned" INTEGER NOT NULL DEFAULT 0,
    "customersWritten" INTEGER NOT NULL DEFAULT 0,
    "customersFailed" INTEGER NOT NULL DEFAULT 0,
    "requests" INTEGER NOT NULL DEFAULT 0,
    "costPoints" INTEGER NOT NULL DEFAULT 0,
    "throttled" INTEGER NOT NULL DEFAULT 0,
    "flowTriggers" INTEGER NOT NULL DEFAULT 0,
    "error" TEXT
);

-- CreateIndex
CREATE INDEX "WritebackRun_shopId_startedAt_idx" ON "WritebackRun"("shopId", "startedAt");
