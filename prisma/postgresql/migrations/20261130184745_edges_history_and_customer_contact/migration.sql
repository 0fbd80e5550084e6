-- AlterTable
ALTER TABLE "PersonaSnapshot" ADD COLUMN     "backdatedUnder" TEXT;

-- AlterTable
ALTER TABLE "SyncState" ADD COLUMN     "scoringEdges" TEXT;

-- CreateTable
CREATE TABLE "CustomerContact" (
    "shopId" TEXT NOT NULL,
    "customerKey" TEXT NOT NULL,
    "name" TEXT,
    "email" TEXT,
    "seenAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "CustomerContact_pkey" PRIMARY KEY ("shopId","customerKey")
);
