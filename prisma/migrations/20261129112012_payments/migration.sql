-- AlterTable
ALTER TABLE "Payment" ADD COLUMN     "clientSecret" TEXT;

-- AlterTable
ALTER TABLE "WebhookEvent" ADD COLUMN     "detail" TEXT NOT NULL DEFAULT '',
ADD COLUMN     "orderId" INTEGER,
ADD COLUMN     "outcome" TEXT NOT NULL DEFAULT 'APPLIED';

-- CreateIndex
CREATE INDEX "WebhookEvent_orderId_receivedAt_idx" ON "WebhookEvent"("orderId", "receivedAt");
