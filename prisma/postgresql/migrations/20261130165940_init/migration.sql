-- CreateTable
CREATE TABLE "Session" (
    "id" TEXT NOT NULL,
    "shop" TEXT NOT NULL,
    "state" TEXT NOT NULL,
    "isOnline" BOOLEAN NOT NULL DEFAULT false,
    "scope" TEXT,
    "expires" TIMESTAMP(3),
    "accessToken" TEXT NOT NULL,
    "userId" BIGINT,
    "firstName" TEXT,
    "lastName" TEXT,
    "email" TEXT,
    "accountOwner" BOOLEAN NOT NULL DEFAULT false,
    "locale" TEXT,
    "collaborator" BOOLEAN DEFAULT false,
    "emailVerified" BOOLEAN DEFAULT false,
    "refreshToken" TEXT,
    "refreshTokenExpires" TIMESTAMP(3),

    CONSTRAINT "Session_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Shop" (
    "id" TEXT NOT NULL,
    "domain" TEXT NOT NULL,
    "platform" TEXT NOT NULL DEFAULT 'shopify',
    "name" TEXT,
    "currency" TEXT NOT NULL DEFAULT 'USD',
    "timezone" TEXT NOT NULL DEFAULT 'UTC',
    "installedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "uninstalledAt" TIMESTAMP(3),
    "settings" TEXT NOT NULL DEFAULT '{}',
    "scopes" TEXT,
    "writeConsent" TEXT NOT NULL DEFAULT 'pending',
    "writeConsentAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Shop_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Order" (
    "shopId" TEXT NOT NULL,
    "id" TEXT NOT NULL,
    "customerKey" TEXT,
    "guest" BOOLEAN NOT NULL DEFAULT false,
    "processedAt" TIMESTAMP(3) NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "currency" TEXT NOT NULL,
    "totalMinor" INTEGER NOT NULL,
    "refundedMinor" INTEGER NOT NULL DEFAULT 0,
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
    "itemsTotalMinor" INTEGER NOT NULL DEFAULT 0,
    "lineCount" INTEGER NOT NULL DEFAULT 0,
    "specialLineCount" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "Order_pkey" PRIMARY KEY ("shopId","id")
);

-- CreateTable
CREATE TABLE "OrderLine" (
    "shopId" TEXT NOT NULL,
    "orderId" TEXT NOT NULL,
    "id" TEXT NOT NULL,
    "quantity" INTEGER NOT NULL,
    "unitPriceMinor" INTEGER NOT NULL,
    "totalMinor" INTEGER NOT NULL,
    "subscription" BOOLEAN NOT NULL DEFAULT false,

    CONSTRAINT "OrderLine_pkey" PRIMARY KEY ("shopId","orderId","id")
);

-- CreateTable
CREATE TABLE "Customer" (
    "shopId" TEXT NOT NULL,
    "customerKey" TEXT NOT NULL,
    "guest" BOOLEAN NOT NULL DEFAULT false,
    "email" TEXT,
    "recencyDays" INTEGER,
    "frequency" INTEGER NOT NULL DEFAULT 0,
    "monetaryMinor" INTEGER NOT NULL DEFAULT 0,
    "firstOrderAt" TIMESTAMP(3),
    "lastOrderAt" TIMESTAMP(3),
    "r" INTEGER,
    "f" INTEGER,
    "m" INTEGER,
    "persona" TEXT,
    "previousPersona" TEXT,
    "personaSince" TIMESTAMP(3),
    "scoredAt" TIMESTAMP(3),
    "written" TEXT,
    "writtenAt" TIMESTAMP(3),
    "writeStatus" TEXT,
    "writeError" TEXT,
    "writeAttempts" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "Customer_pkey" PRIMARY KEY ("shopId","customerKey")
);

-- CreateTable
CREATE TABLE "PersonaSnapshot" (
    "shopId" TEXT NOT NULL,
    "day" TEXT NOT NULL,
    "persona" TEXT NOT NULL,
    "customers" INTEGER NOT NULL,
    "orders" INTEGER NOT NULL,
    "revenueMinor" INTEGER NOT NULL,

    CONSTRAINT "PersonaSnapshot_pkey" PRIMARY KEY ("shopId","day","persona")
);

-- CreateTable
CREATE TABLE "PersonaTransition" (
    "shopId" TEXT NOT NULL,
    "day" TEXT NOT NULL,
    "fromPersona" TEXT NOT NULL,
    "toPersona" TEXT NOT NULL,
    "customers" INTEGER NOT NULL,

    CONSTRAINT "PersonaTransition_pkey" PRIMARY KEY ("shopId","day","fromPersona","toPersona")
);

-- CreateTable
CREATE TABLE "SyncState" (
    "shopId" TEXT NOT NULL,
    "phase" TEXT NOT NULL DEFAULT 'idle',
    "bulkOperationId" TEXT,
    "bulkStatus" TEXT,
    "bulkAttempts" INTEGER NOT NULL DEFAULT 0,
    "bulkLinesDone" INTEGER NOT NULL DEFAULT 0,
    "ordersDone" INTEGER NOT NULL DEFAULT 0,
    "ordersEstimated" INTEGER,
    "backfillStartedAt" TIMESTAMP(3),
    "backfillFinishedAt" TIMESTAMP(3),
    "sweepFrom" TIMESTAMP(3),
    "lastSweepAt" TIMESTAMP(3),
    "lastRecomputeAt" TIMESTAMP(3),
    "scoringDay" INTEGER,
    "lastError" TEXT,
    "skippedLines" INTEGER NOT NULL DEFAULT 0,
    "historyFrom" TIMESTAMP(3),
    "backfillCursor" TEXT,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "SyncState_pkey" PRIMARY KEY ("shopId")
);

-- CreateTable
CREATE TABLE "WebhookEvent" (
    "shopDomain" TEXT NOT NULL,
    "eventId" TEXT NOT NULL,
    "topic" TEXT NOT NULL,
    "receivedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "WebhookEvent_pkey" PRIMARY KEY ("shopDomain","eventId")
);

-- CreateTable
CREATE TABLE "Job" (
    "id" SERIAL NOT NULL,
    "shopId" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "key" TEXT NOT NULL DEFAULT '',
    "status" TEXT NOT NULL DEFAULT 'pending',
    "runAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "payload" TEXT NOT NULL DEFAULT '{}',
    "lastError" TEXT,
    "owner" TEXT,
    "leaseUntil" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Job_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "DataRequest" (
    "id" SERIAL NOT NULL,
    "shopDomain" TEXT NOT NULL,
    "requestId" TEXT NOT NULL,
    "customerKey" TEXT NOT NULL,
    "export" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" TIMESTAMP(3),

    CONSTRAINT "DataRequest_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "RedactedCustomer" (
    "shopId" TEXT NOT NULL,
    "customerKey" TEXT NOT NULL,
    "redactedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "RedactedCustomer_pkey" PRIMARY KEY ("shopId","customerKey")
);

-- CreateTable
CREATE TABLE "WebhookProblem" (
    "id" SERIAL NOT NULL,
    "shopDomain" TEXT NOT NULL,
    "topic" TEXT NOT NULL,
    "eventId" TEXT NOT NULL,
    "resourceId" TEXT,
    "error" TEXT NOT NULL,
    "body" TEXT NOT NULL,
    "receivedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "resolvedAt" TIMESTAMP(3),

    CONSTRAINT "WebhookProblem_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "DownloadToken" (
    "tokenHash" TEXT NOT NULL,
    "shopId" TEXT NOT NULL,
    "purpose" TEXT NOT NULL,
    "params" TEXT NOT NULL DEFAULT '{}',
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "usedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "DownloadToken_pkey" PRIMARY KEY ("tokenHash")
);

-- CreateTable
CREATE TABLE "PersonaSegment" (
    "shopId" TEXT NOT NULL,
    "persona" TEXT NOT NULL,
    "segmentId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "query" TEXT NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "PersonaSegment_pkey" PRIMARY KEY ("shopId","persona")
);

-- CreateTable
CREATE TABLE "WritebackRun" (
    "id" SERIAL NOT NULL,
    "shopId" TEXT NOT NULL,
    "mode" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'running',
    "startedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" TIMESTAMP(3),
    "customersPlanned" INTEGER NOT NULL DEFAULT 0,
    "customersWritten" INTEGER NOT NULL DEFAULT 0,
    "customersFailed" INTEGER NOT NULL DEFAULT 0,
    "requests" INTEGER NOT NULL DEFAULT 0,
    "costPoints" INTEGER NOT NULL DEFAULT 0,
    "throttled" INTEGER NOT NULL DEFAULT 0,
    "flowTriggers" INTEGER NOT NULL DEFAULT 0,
    "error" TEXT,

    CONSTRAINT "WritebackRun_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "StoreCredential" (
    "shopId" TEXT NOT NULL,
    "siteUrl" TEXT NOT NULL,
    "consumerKey" TEXT NOT NULL,
    "consumerSecret" TEXT NOT NULL,
    "keyPermissions" TEXT NOT NULL,
    "webhookSecret" TEXT NOT NULL,
    "webhooks" TEXT NOT NULL DEFAULT '{}',
    "launchSecret" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "StoreCredential_pkey" PRIMARY KEY ("shopId")
);

-- CreateTable
CREATE TABLE "LaunchNonce" (
    "nonceHash" TEXT NOT NULL,
    "shopId" TEXT NOT NULL,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "LaunchNonce_pkey" PRIMARY KEY ("nonceHash")
);

-- CreateIndex
CREATE INDEX "Session_shop_idx" ON "Session"("shop");

-- CreateIndex
CREATE UNIQUE INDEX "Shop_domain_key" ON "Shop"("domain");

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

-- CreateIndex
CREATE INDEX "WebhookProblem_shopDomain_resolvedAt_idx" ON "WebhookProblem"("shopDomain", "resolvedAt");

-- CreateIndex
CREATE INDEX "DownloadToken_shopId_idx" ON "DownloadToken"("shopId");

-- CreateIndex
CREATE INDEX "WritebackRun_shopId_startedAt_idx" ON "WritebackRun"("shopId", "startedAt");

-- CreateIndex
CREATE INDEX "StoreCredential_siteUrl_idx" ON "StoreCredential"("siteUrl");

-- CreateIndex
CREATE INDEX "LaunchNonce_expiresAt_idx" ON "LaunchNonce"("expiresAt");
