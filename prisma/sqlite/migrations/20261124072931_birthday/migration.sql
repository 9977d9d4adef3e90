-- AlterTable
ALTER TABLE "Customer" ADD COLUMN "birthday" TEXT;

-- CreateIndex
CREATE INDEX "Customer_birthday_idx" ON "Customer"("birthday");
