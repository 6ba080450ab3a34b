-- The usage ledger and budgets now belong to the usage service (its own schema). Copy rows worth
-- keeping there before applying this migration: see README.md, "Usage and budgets".

-- DropTable
DROP TABLE "budgets";

-- DropTable
DROP TABLE "usage_records";

-- DropEnum
DROP TYPE "BudgetPeriod";

-- DropEnum
DROP TYPE "BudgetScope";
