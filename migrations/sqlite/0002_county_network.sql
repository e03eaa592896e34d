-- Issue 19: roles, aggregated audit rows, year-scoped submissions stored once.
-- Existing county accounts were administrators; they stay so. New county
-- accounts are viewers unless made administrators.
ALTER TABLE users ADD COLUMN admin BIGINT NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN disabled BIGINT NOT NULL DEFAULT 0;
UPDATE users SET admin = 1 WHERE role = 'county';
-- Repeated refusals from one address: one row, counted.
ALTER TABLE audit ADD COLUMN times BIGINT NOT NULL DEFAULT 1;
CREATE INDEX audit_recent ON audit (action, ip, id);
-- 单位 and 年度 as the ledger says; 'submitted' | 'withdrawn' | 'returned'.
ALTER TABLE submissions ADD COLUMN unit TEXT;
ALTER TABLE submissions ADD COLUMN year BIGINT;
ALTER TABLE submissions ADD COLUMN state TEXT NOT NULL DEFAULT 'submitted';
ALTER TABLE submissions ADD COLUMN chosen_at BIGINT;
ALTER TABLE submissions ADD COLUMN return_reason TEXT;
ALTER TABLE submissions ADD COLUMN returned_by TEXT;
ALTER TABLE submissions ADD COLUMN returned_at BIGINT;
-- The report and 月报 JSON, once, deflated (report_json/monthly_json stay for old rows).
ALTER TABLE submissions ADD COLUMN data_z BLOB;
ALTER TABLE submissions ADD COLUMN problems_total BIGINT
