-- CreateTable
CREATE TABLE "CustomerContact" (
    "shopId" TEXT NOT NULL,
    "customerKey" TEXT NOT NULL,
    "name" TEXT,
    "email" TEXT,
    "seenAt" DATETIME NOT NULL,

    PRIMARY KEY ("shopId", "customerKey")
);
