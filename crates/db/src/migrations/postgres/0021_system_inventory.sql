-- 信息系统清查: the inventory of every information system, beside the code, name, owner and
-- description (功能) it already had. Dates are China-time days, YYYY-MM-DD; investment is in
-- yuan (投资规模).
ALTER TABLE systems ADD COLUMN scope TEXT NOT NULL DEFAULT '';
ALTER TABLE systems ADD COLUMN use_frequency TEXT NOT NULL DEFAULT '';
ALTER TABLE systems ADD COLUMN approved_by TEXT NOT NULL DEFAULT '';
ALTER TABLE systems ADD COLUMN approved_on TEXT;
ALTER TABLE systems ADD COLUMN accepted_on TEXT;
ALTER TABLE systems ADD COLUMN investment_yuan BIGINT;
ALTER TABLE systems ADD COLUMN funding_source TEXT NOT NULL DEFAULT '';
-- extranet (政务外网), intranet (政务内网) or internet (互联网).
ALTER TABLE systems ADD COLUMN network TEXT NOT NULL DEFAULT 'extranet';
-- in_use (在用), stopped (停用) or integrated (已整合).
ALTER TABLE systems ADD COLUMN status TEXT NOT NULL DEFAULT 'in_use';
ALTER TABLE systems ADD COLUMN classified BIGINT NOT NULL DEFAULT 0;
-- The owner has declared that maintenance stopped (运维停止), and when.
ALTER TABLE systems ADD COLUMN maintenance_stopped_on TEXT;
ALTER TABLE systems ADD COLUMN updated_at BIGINT;
