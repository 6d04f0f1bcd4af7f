//! The OpenAPI 3 description of the JSON API, built in code so its enums come from the same
//! tables the server validates against. `PATHS` must match the router (a test checks).
use serde_json::{json, Map, Value};
use shuqiao_core::account::Role;
use shuqiao_core::catalog::{
    Category, Format, Grade, ItemType, OpenType, ShareMode, ShareType, Status, UpdateCycle,
};

/// (method, path, summary, description, body schema, auth).
type Op = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    Option<&'static str>,
    &'static str,
);

const ANY: &str = "无需登录 no credentials needed";
const USER: &str = "需要登录或系统令牌 signed-in person or system token";
const ADMIN: &str = "平台管理员 platform admin";
const STEWARD: &str = "提供方数据管理员 the provider's data steward";
const SYSTEM: &str = "获得授权的信息系统（系统令牌）a consumer system with a grant (system token)";

pub const PATHS: &[Op] = &[
    ("get", "/api/v1/health", "存活检查 Liveness", "200 while the process serves HTTP; no database round trip.", None, ANY),
    ("get", "/api/v1/ready", "就绪检查 Readiness", "200 once the database answers (its schema version); an error status otherwise.", None, ANY),
    ("get", "/api/v1/openapi.json", "接口描述 This document", "", None, ANY),
    ("get", "/api/v1/admin/memory", "内存状态 Where the server's memory is", "The resident set, SQLite's allocations now and at their peak (page caches, statements; SQLite only) and the exchange's cache of served records with its budget. The caches are bounded: memory that grows with them levels off.", None, "平台管理员或审计人员 admin or auditor"),
    ("get", "/api/v1/regions", "行政区划 Regions (GB/T 2260)", "", None, ANY),
    ("get", "/api/v1/vocabularies", "取值表 Catalog vocabularies", "Closed value sets with Chinese labels.", None, ANY),
    ("post", "/api/v1/auth/login", "登录 Sign in", "Returns a session secret for `Authorization: Bearer`. Locked for 5 minutes (doubling) after 5 failures: 429 with Retry-After.", Some("LoginRequest"), ANY),
    ("post", "/api/v1/auth/logout", "退出 Sign out", "Ends the session sent in Authorization.", None, USER),
    ("get", "/api/v1/me", "当前身份 Who am I", "", None, USER),
    ("get", "/api/v1/orgs", "机构列表 Organisations", "", None, USER),
    ("post", "/api/v1/orgs", "新建机构 Create organisation", "Departments belong to a government, units to a department. Credit codes are checked (GB 32100) unless an override reason is given.", Some("NewOrg"), ADMIN),
    ("get", "/api/v1/orgs/{code}", "机构详情 Organisation", "", None, USER),
    ("get", "/api/v1/accounts", "账号列表 Accounts", "", None, "平台管理员或审计人员 admin or auditor"),
    ("post", "/api/v1/accounts", "新建账号 Create account", "Passwords: at least 10 characters with letters and digits; stored as argon2id.", Some("NewAccount"), ADMIN),
    ("put", "/api/v1/accounts/{username}/roles", "变更角色 Change an account's roles", "Replaces every role; at least one. Nobody removes their own platform_admin role. Sealed as `account.roles`.", Some("AccountRoles"), ADMIN),
    ("post", "/api/v1/accounts/{username}/disable", "停用账号 Disable an account", "Its sessions end at once and it cannot sign in. Nobody disables their own account. Sealed as `account.disable`.", None, ADMIN),
    ("post", "/api/v1/accounts/{username}/enable", "启用账号 Enable an account", "Sealed as `account.enable`.", None, ADMIN),
    ("get", "/api/v1/systems", "应用系统 Information systems", "Filter with `org`.", None, USER),
    ("post", "/api/v1/systems", "登记应用系统 Register a system", "", Some("InfoSystem"), ADMIN),
    ("get", "/api/v1/systems/{code}", "应用系统详情 System", "", None, USER),
    ("get", "/api/v1/systems/{code}/tokens", "系统令牌 Tokens of a system", "Never the tokens themselves: their prefix, validity and revocation.", None, "管理员、审计人员或本单位 admin, auditor or own organisation"),
    ("post", "/api/v1/systems/{code}/tokens", "签发令牌 Issue a token", "The token is in the response once and is stored only as a hash.", Some("NewToken"), ADMIN),
    ("post", "/api/v1/tokens/{id}/revoke", "吊销令牌 Revoke a token", "Takes effect for the very next request.", None, ADMIN),
    ("get", "/api/v1/catalog/resources", "检索目录 Search the catalog", "Chinese and English search with filters. Anonymous callers see published resources that may be opened; signed-in callers all published ones; stewards their own drafts (`status=draft`); the operator and auditors everything.", None, ANY),
    ("post", "/api/v1/catalog/resources", "编目 Catalogue a resource", "Creates a draft; the code is allocated from the classification and never changes.", Some("ResourceMeta"), STEWARD),
    ("get", "/api/v1/catalog/resources/{code}", "资源详情 Resource", "The current published version, and the working draft for those who may see it.", None, ANY),
    ("put", "/api/v1/catalog/resources/{code}", "修改 Edit the working copy", "A published resource keeps serving its published version until the change is published.", Some("ResourceMeta"), STEWARD),
    ("post", "/api/v1/catalog/resources/{code}/submit", "提交审核 Submit for review", "", None, STEWARD),
    ("post", "/api/v1/catalog/resources/{code}/publish", "审核发布 Publish", "Publishes the submission as the next version.", None, ADMIN),
    ("post", "/api/v1/catalog/resources/{code}/return", "退回 Send back", "With the reason the provider must address.", Some("Reason"), ADMIN),
    ("post", "/api/v1/catalog/resources/{code}/retire", "停用 Retire", "Earlier versions stay readable.", Some("Reason"), ADMIN),
    ("get", "/api/v1/catalog/resources/{code}/versions", "版本列表 Versions", "", None, ANY),
    ("get", "/api/v1/catalog/resources/{code}/versions/{version}", "历史版本 One version", "", None, ANY),
    ("get", "/api/v1/catalog/resources/{code}/history", "审核记录 Review history", "", None, ANY),
    ("get", "/api/v1/catalog/resources/{code}/value-mappings", "标签映射 Declared value labels", "Per coded item (an item linked to a data element with a code set): the labels the provider's source uses and the codes they stand for. Imports store a declared label as its code.", None, "提供方、平台管理员或审计人员 provider, operator or auditor"),
    ("put", "/api/v1/catalog/resources/{code}/value-mappings", "声明标签映射 Declare value labels", "`{\"items\": {\"XB\": {\"男\": \"1\", \"女\": \"2\"}}}`: each item sent replaces its labels (`{}` removes them); items not sent keep theirs. Every code must be in the item's code set. Sealed as `quality.value_mappings`.", Some("ValueMappings"), STEWARD),
    ("get", "/api/v1/quality/elements", "数据元 Data elements", "The national data elements shipped with the platform (`builtin`) and those the operator added: identifier, name, definition, type, length, code set.", None, USER),
    ("post", "/api/v1/quality/elements", "登记数据元 Add a data element", "An item links to it by `element` (its identifier). Sealed as `quality.element_add`.", Some("DataElement"), ADMIN),
    ("get", "/api/v1/quality/elements/{id}", "数据元详情 Data element", "With its code set spelled out.", None, USER),
    ("get", "/api/v1/quality/code-sets", "代码集 Code sets", "值域代码集: GB/T 2261.1 性别, GB/T 3304 民族, GB/T 2261.2 婚姻状况, GB/T 4658 学历, and the operator's.", None, USER),
    ("post", "/api/v1/quality/code-sets", "登记代码集 Add a code set", "Sealed as `quality.code_set_add`.", Some("CodeSet"), ADMIN),
    ("get", "/api/v1/quality/code-sets/{id}", "代码集详情 Code set", "The id percent-encoded (`GB%2FT%202261.1`).", None, USER),
    ("get", "/api/v1/open/releases", "开放申请 Openings", "Resources proposed for or released to the open-data portal, with each security assessment: all for the operator and auditors, a department's own for its stewards. Waiting ones first.", None, "数据管理员、平台管理员或审计人员 stewards, operator, auditors"),
    ("post", "/api/v1/open/releases", "申请开放 Propose for opening", "A published resource whose 开放属性 is not 不予开放, with its 开放安全评估 (every check passed, a conclusion at least as open as the resource). Its public name (slug) is fixed now and never changes. Only items graded 一般 and not personal ever reach the portal.", Some("OpenProposal"), STEWARD),
    ("post", "/api/v1/open/releases/{code}/release", "审核开放 Release", "Puts a proposed resource on the portal; its public items are copied within a second.", None, ADMIN),
    ("post", "/api/v1/open/releases/{code}/return", "退回开放申请 Send back", "", Some("Reason"), ADMIN),
    ("post", "/api/v1/open/releases/{code}/withdraw", "撤回开放 Withdraw", "Takes it off the portal at once; its name stays reserved.", Some("Reason"), "平台管理员或提供方数据管理员 operator or the provider's steward"),
    ("get", "/api/v1/open/negative-list", "开放负面清单 Open negative list", "Resources that are never opened, each with its legal basis.", None, USER),
    ("post", "/api/v1/open/negative-list", "列入开放负面清单 Put on the list", "With the legal basis and reason; a release of the resource ends at once.", Some("NegativeInput"), ADMIN),
    ("post", "/api/v1/open/negative-list/{code}/remove", "移出开放负面清单 Take off the list", "", Some("Reason"), ADMIN),
    ("get", "/api/v1/open/plans", "年度开放计划 Yearly open plans", "A steward's departments'; all for the operator and auditors.", None, "数据管理员、平台管理员或审计人员 stewards, operator, auditors"),
    ("post", "/api/v1/open/plans", "提交年度开放计划 Submit a yearly open plan", "The department's resources to open in the year, each with its quarter. A resource is released only when the provider's approved plan for the year lists it.", Some("PlanInput"), STEWARD),
    ("post", "/api/v1/open/plans/{id}/review", "审核开放计划 Review a plan", "Approving replaces the year's earlier approved plan; returning needs the reason.", Some("PlanReview"), ADMIN),
    ("get", "/api/v1/open/datasets/{slug}/counts", "数据集统计 Counts by value", "Query `field` (a filterable public item) and `limit`: how many rows hold each value, largest first. Values held by fewer rows than the operator's smallest count (default 10) are left out, value and count; `suppressed_values` says how many.", None, ANY),
    ("post", "/api/v1/public/register", "公众注册 Register as a member of the public", "A person or a company registers to apply for 有条件开放 data, ask for data and give feedback. The account has no staff role; its creation is sealed in the audit log.", Some("Registration"), "任何人 anyone"),
    ("get", "/api/v1/open/applications", "开放数据申请 Applications for conditionally open data", "A member's own; a provider's stewards' for their datasets; all for the operator and auditors.", None, USER),
    ("post", "/api/v1/open/applications", "申请有条件开放数据 Apply", "For a released 有条件开放 dataset, with the purpose and the data-use agreement accepted. The provider answers within the configured working days (default 10).", Some("ApplicationInput"), "注册的个人或企业用户 a registered member of the public"),
    ("post", "/api/v1/open/applications/{id}/answer", "答复申请 Answer an application", "Approve with `quota_per_day` and `days`, or refuse with `reason`.", Some("ApplicationAnswer"), "数据集提供部门的数据管理员 the provider's steward"),
    ("post", "/api/v1/open/applications/{id}/key", "领取密钥 Take the API key", "The key of an approved application, shown once (`Cache-Control: no-store`); taking it again revokes the previous one. Send it as `Authorization: <key>` to the CKAN-compatible API and with downloads; each read is counted against the daily quota and sealed in the audit log.", None, "申请人 the applicant"),
    ("get", "/api/v1/open/requests", "数据需求 Data requests", "Public: every request, where it went, its deadline and answer; who asked is never shown. Query limit, offset.", None, ANY),
    ("post", "/api/v1/open/requests", "提出数据需求 Ask for data", "Routed to the department named, else the provider of the catalogue's best match, else the operator; answered within the configured working days (default 15).", Some("RequestInput"), "登录用户 anyone signed in"),
    ("post", "/api/v1/open/requests/{id}/answer", "答复数据需求 Answer a request", "`outcome`: opening (with `dataset` once released), declined (with the reason), or redirected (to `org`, with a new deadline).", Some("RequestAnswer"), "需求转到部门的数据管理员或平台管理员 the department's steward or the operator"),
    ("get", "/api/v1/open/feedback", "纠错 Feedback", "An author's own; a provider's stewards' on their datasets; all for the operator and auditors.", None, USER),
    ("post", "/api/v1/open/feedback", "纠错 Report an error", "On a released dataset, or one of its rows by `_id`; the provider must answer within the configured working days.", Some("FeedbackInput"), "登录用户 anyone signed in"),
    ("post", "/api/v1/open/feedback/{id}/answer", "答复纠错 Answer feedback", "", Some("Answer"), "数据集提供部门的数据管理员 the provider's steward"),
    ("get", "/api/v1/open/settings", "开放平台设置 Open-data settings", "Working days to answer applications, requests and feedback, and the smallest count public statistics show.", None, ANY),
    ("put", "/api/v1/open/settings", "修改开放平台设置 Change open-data settings", "", Some("OpenSettings"), ADMIN),
    ("get", "/api/v1/audit/checkpoint", "最新签名检查点 Latest signed checkpoint", "text/plain: a C2SP signed note (tlog-checkpoint: origin, size, base64 root) signed with Ed25519.", None, ANY),
    ("get", "/api/v1/audit/public-key", "日志公钥 Log public key", "text/plain: the signed-note verifier key `name+hash+base64(0x01 ‖ key)`.", None, ANY),
    ("get", "/api/v1/audit/proofs/inclusion", "包含证明 Inclusion proof", "Query `index` and `size`: RFC 9162 inclusion proof of entry `index` in the tree of `size` entries, with the entry's leaf hash.", None, ANY),
    ("get", "/api/v1/audit/proofs/consistency", "一致性证明 Consistency proof", "Query `from` and `to`: RFC 9162 consistency proof between two tree sizes.", None, ANY),
    ("post", "/api/v1/audit/cosignatures", "见证签名 Submit a witness cosignature", "text/plain body: one of this log's checkpoints with the witness's signature line added. Accepted only from witness keys registered with `serve --witness`; the body must be exactly the one the log signed.", None, "已登记的见证方（以其签名为凭）a registered witness, by its signature"),
    ("get", "/api/v1/audit/entries", "审计记录 Audit entries", "Filters: actor_org, actor_system, resource, action, subject_id (+ subject_kind person|company; hashed with the platform key, never stored in clear), since, until (ms), limit, offset; format=csv for a CSV export; proofs=true adds each entry's leaf hash and inclusion proof against the latest signed checkpoint (returned alongside).", None, "审计人员或平台管理员 auditor or platform admin"),
    ("get", "/api/v1/audit/entries/{index}", "审计记录详情 One entry", "", None, "审计人员或平台管理员 auditor or platform admin"),
    ("get", "/api/v1/me/accesses", "谁用了我的数据 Who accessed my data", "For an identified citizen or company: every logged access to their data (when, which organisation and system, which resource, purpose and grant), newest first, each with its inclusion proof against the signed checkpoint in the response. Query limit, offset.", None, "经身份核验的公民或法人 an identified data subject"),
    ("post", "/api/v1/subjects", "登记已核验身份 Register a verified identity", "Creates a sign-in for a citizen (公民身份号码) or company (统一社会信用代码) whose identity was verified; the identifier is hashed with the audit secret and never stored.", Some("SubjectRegistration"), ADMIN),
    ("get", "/api/v1/share/responsibilities", "责任清单 Responsibility list", "What each department must provide, from its duties, with gaps: `no_resource` (nothing catalogued), `not_published`, `no_data`. Filters: org, resource, status (gap, complete, or one gap).", None, USER),
    ("post", "/api/v1/share/responsibilities", "新增责任 Add a responsibility", "", Some("ResponsibilityInput"), "平台管理员或该部门数据管理员 operator or the department's steward"),
    ("get", "/api/v1/share/needs", "需求清单 Need list", "Needs of the caller's department and needs for its resources; all for the operator and auditors. Filters: org, resource, status (open, confirmed, satisfied, rejected).", None, USER),
    ("post", "/api/v1/share/needs", "提出需求 State a need", "", Some("NeedInput"), "使用部门数据管理员或使用人员 consumer steward or user"),
    ("get", "/api/v1/share/needs/{id}", "需求详情 One need", "", None, USER),
    ("post", "/api/v1/share/needs/{id}/confirm", "确认需求 Confirm and match a need", "Body `{\"resource\": code}` (optional when the need names one). Satisfied at once if the department already holds a grant.", Some("Confirm"), "平台管理员或资源提供方数据管理员 operator or the resource's provider steward"),
    ("post", "/api/v1/share/needs/{id}/reject", "驳回需求 Reject a need", "", Some("Reason"), "平台管理员或资源提供方数据管理员 operator or the resource's provider steward"),
    ("post", "/api/v1/share/needs/{id}/assign", "指定编目部门 Assign an unmatched need", "For a need no catalogued resource answers: the department made responsible catalogues and shares the data within the quality settings' `need_days` working days (default 15), matching it with `/confirm`, or the need goes on the supervision list.", Some("Assign"), ADMIN),
    ("post", "/api/v1/quality/objections", "提出数据异议 Flag a record", "A consuming department's person, or its system within its grants, flags fields of one record as wrong. 201 with the objection and its `due_date` (working days, default 5). Fields outside the caller's grants: 403.", Some("ObjectionInput"), "使用部门人员或获得授权的信息系统 a consuming department's user or granted system"),
    ("get", "/api/v1/quality/objections", "数据异议 Objections", "The caller's department's own, those on its resources; all for the operator and auditors. Filters: status (open, corrected, disputed, resolved, contested, dismissed), resource, supervision=true (overdue, contested, or with an unknown deadline).", None, USER),
    ("get", "/api/v1/quality/objections/{id}", "异议详情 One objection", "", None, USER),
    ("post", "/api/v1/quality/objections/{id}/answer", "答复异议 Answer an objection", "`corrected` needs a newer version of the record (send it through collection first); `disputed` says why the data stands.", Some("ObjectionAnswer"), STEWARD),
    ("post", "/api/v1/quality/objections/{id}/respond", "确认或提请裁决 Confirm or contest", "The flagging department accepts the answer (closed) or contests it (the operator rules).", Some("ObjectionResponse"), "提出异议的部门 the flagging department"),
    ("post", "/api/v1/quality/objections/{id}/rule", "裁决 Rule on a contested objection", "`upheld`: the provider owes a correction by a new due date; `dismissed`: closed.", Some("ObjectionRuling"), ADMIN),
    ("get", "/api/v1/quality/sources", "权威来源 Authoritative sources", "一数一源: per data element and kind of subject (person, company, other), the one resource that is its source.", None, USER),
    ("put", "/api/v1/quality/sources", "确定权威来源 Name an authoritative source", "`{element, subject_kind, resource}`; the resource must have an item linked to the element and hold that kind of subject; replaces the earlier one.", Some("Designation"), ADMIN),
    ("get", "/api/v1/quality/duplicates", "重复采集 Duplicate collection", "Published resources of other departments collecting an element (outside their key) that has an authoritative source for the same kind of subject, each with that source. Filter: resource.", None, USER),
    ("get", "/api/v1/quality/scores", "质量评分 Quality scores", "Each resource's latest score (0–100) with its components — completeness, validity, uniqueness, timeliness, consistency, each 0–1 — and each department's mean, best first.", None, "政务部门人员或系统 any department's person or system"),
    ("post", "/api/v1/quality/scores/refresh", "重新评分 Recompute scores", "Scores every resource whose data, rules or day changed since its last score (the server also does this every minute). Returns `{scored}`.", None, ADMIN),
    ("get", "/api/v1/quality/resources/{code}/scores", "评分趋势 Score trend", "The resource's scores over time, newest first.", None, "政务部门人员或系统 any department's person or system"),
    ("get", "/api/v1/quality/resources/{code}/rules", "一致性规则 Consistency rules", "", None, USER),
    ("put", "/api/v1/quality/resources/{code}/rules", "设置一致性规则 Set consistency rules", "`{\"rules\": [{\"kind\": \"birth_date_matches_id\", \"id_item\": \"GMSFHM\", \"date_item\": \"CSRQ\"}, {\"kind\": \"equal\", \"left\": …, \"right\": …}]}` replaces the resource's rules.", Some("QualityRules"), STEWARD),
    ("get", "/api/v1/assess/alerts", "调用监测预警 Usage alerts", "Alerts the sweep raised from the exchange's calls: `jump` (a grant's calls today above `jump_factor` × the mean of the previous `baseline_days` days, and at least `min_calls`), `unusual_hours` (calls in the quiet hours, China time, beyond the grant's habit), `harvesting` (one consumer read at least `harvest_share` of the resource's live subjects in a day, and at least `harvest_min_subjects`). Each with its window (a China day), `observed`, `baseline` and the evidence. The operator and auditors see all; a department those about grants it provides or consumes. Query: status (open | cleared | revoked), resource, system, limit, offset.", None, USER),
    ("get", "/api/v1/assess/alerts/settings", "预警设置 Alert settings", "", None, "平台管理员或审计人员 the operator or an auditor"),
    ("put", "/api/v1/assess/alerts/settings", "修改预警设置 Set alert settings", "Every problem is reported at once; sealed and told to the operator's inbox. With `suspend_on_alert`, each new alert suspends its grant (calls refused 403 `grant_suspended`) until reviewed.", Some("AlertSettings"), ADMIN),
    ("get", "/api/v1/assess/alerts/{id}", "预警详情 One alert", "404 `alert_not_found` for one the caller may not see.", None, USER),
    ("post", "/api/v1/assess/alerts/{id}/review", "复核预警 Review an alert", "`clear` lifts a suspension the alert caused; `revoke` revokes the grant. Once only (409 `alert_already_reviewed`); sealed, and told to the provider, the consumer and the operator.", Some("AlertReview"), ADMIN),
    ("get", "/api/v1/quality/settings", "质量期限 Quality deadlines", "", None, USER),
    ("put", "/api/v1/quality/settings", "设置质量期限 Set quality deadlines", "", Some("QualitySettings"), ADMIN),
    ("get", "/api/v1/assess/systems", "信息系统清查 System inventory", "Every information system the caller may see with its inventory (名称, 功能, 使用范围, 使用频度, 审批部门, 审批时间, 验收时间, 投资规模, 经费来源, network, status, classified) and whether it has completed data sharing: `connected` (a token in force, or it called or pushed), `catalogued` (the resources naming it are all published), `data_flowing` (collected or served). Rates per department and, for the operator and auditors, the province's, beside the plan's targets (85% 2022, 95% 2023, 100% from 2024); systems stopped, integrated or classified are not counted.", None, "平台管理员、审计人员；本部门数据管理员 operator, auditors; a department's stewards (their own)"),
    ("post", "/api/v1/assess/systems/import", "导入清查表 Import an inventory sheet", "The body is the sheet: CSV (UTF-8 or GBK, detected or `encoding=`) or XLSX, `filename=` naming the format. Headers 系统编码 (required), 系统名称, 所属部门, 功能, 使用范围, 使用频度, 审批部门, 审批时间, 验收时间, 投资规模, 经费来源, 网络 (政务外网/政务内网/互联网), 状态 (在用/停用/已整合), 涉密 (是/否), 运维停止时间. An empty cell keeps the stored value. Every bad row and cell is reported at once (`rows[N].field`, N the row in the file) and nothing is applied. Only the operator adds unregistered systems (with 所属部门).", None, "平台管理员；本部门数据管理员 operator; a department's stewards"),
    ("get", "/api/v1/assess/systems/zombies", "僵尸系统候选 Zombie candidates", "Systems in use meeting some criterion, each with the evidence for every one: `idle` (no calls or pushes in `idle_days`), `few_users` (fewer than `min_users` systems called its data), `stale` (its data older than the 更新周期), `maintenance_stopped`, `duplicated` (same 功能 as another system in use); and the operator's latest mark.", None, "平台管理员、审计人员；本部门数据管理员 operator, auditors; a department's stewards (their own)"),
    ("get", "/api/v1/assess/systems/zombie-settings", "僵尸系统判定设置 Zombie settings", "", None, "平台管理员、审计人员、数据管理员 operator, auditors, stewards"),
    ("put", "/api/v1/assess/systems/zombie-settings", "修改判定设置 Change zombie settings", "Sealed as `system.zombie_settings`.", Some("ZombieSettings"), ADMIN),
    ("get", "/api/v1/assess/systems/{code}", "系统清查信息 One system", "", None, "平台管理员、审计人员；本部门数据管理员 operator, auditors; its department's stewards"),
    ("put", "/api/v1/assess/systems/{code}", "修改清查信息 Change a system's inventory", "A field left out keeps its value; an empty date clears it. Every problem at once. Sealed as `system.inventory` with the names of the changed fields.", Some("InventoryPatch"), "平台管理员；本部门数据管理员 operator; its department's stewards"),
    ("get", "/api/v1/assess/systems/{code}/approval-check", "立项/验收核查 Approval check", "`stage=project|acceptance`. 凡不符合政务信息资源共享要求的，不予审批: at acceptance the system itself must have completed data sharing; at project approval every other system in use of its department must have, and its 功能 must not duplicate a system in use. `{approvable, obstacles: [{code, zh, en}]}`.", None, "平台管理员、审计人员；本部门数据管理员 operator, auditors; its department's stewards"),
    ("post", "/api/v1/assess/systems/{code}/mark", "标记候选 Mark a candidate", "`{verdict: confirmed|dismissed|integrated, reason}`; a dismissal needs a reason; `integrated` sets the status to 已整合. 409 `not_a_candidate` when it meets no criterion. Sealed as `system.zombie_mark`.", Some("ZombieMark"), ADMIN),
    ("get", "/api/v1/share/negative-list", "负面清单 Negative list in force", "Resources that may not be shared, each with the legal basis it was approved on.", None, USER),
    ("get", "/api/v1/share/negative-proposals", "负面清单提议 Negative-list proposals", "With each reviewer's decision and the reviews still awaited.", None, USER),
    ("post", "/api/v1/share/negative-proposals", "提议列入/移出负面清单 Propose a change", "Takes effect only when the operator, a legal reviewer and a secrecy reviewer all approve; one rejection ends it. Approving `add` ends the resource's grants and refuses its pending applications.", Some("NegativeProposalInput"), STEWARD),
    ("get", "/api/v1/share/negative-proposals/{id}", "提议详情 One proposal", "", None, USER),
    ("post", "/api/v1/share/negative-proposals/{id}/review", "审核 Review a proposal", "Body `{decision: approve|reject, opinion, role?}`; a rejection needs an opinion.", Some("Review"), "平台管理员、法制审核、保密审核 operator, legal or secrecy reviewer"),
    ("post", "/api/v1/share/subscriptions", "订阅 Subscribe (unconditional)", "For 无条件共享 resources: the grant is made at once, for the listed fields only.", Some("AccessRequest"), "使用部门数据管理员或使用人员 consumer steward or user"),
    ("get", "/api/v1/share/applications", "共享申请 Applications", "As consumer or provider; all for the operator and auditors. Filters: org, resource, system, status (pending, approved, rejected, withdrawn, overdue), sort (newest, due).", None, USER),
    ("post", "/api/v1/share/applications", "申请 Apply (conditional)", "For 有条件共享 resources: fields (only those needed), purpose, scene, legal basis, days. The provider must answer within the configured working days (default 2; statutory holidays and make-up days from the calendar); a deadline in a year without a calendar is flagged, never guessed.", Some("AccessRequest"), "使用部门数据管理员或使用人员 consumer steward or user"),
    ("get", "/api/v1/share/applications/{id}", "申请详情 One application", "With its history.", None, USER),
    ("post", "/api/v1/share/applications/{id}/approve", "同意 Approve", "Optionally fewer fields or fewer days; the grant is made in the same transaction. A second decision gets 409.", Some("Approval"), STEWARD),
    ("post", "/api/v1/share/applications/{id}/reject", "驳回 Reject", "", Some("Reason"), STEWARD),
    ("post", "/api/v1/share/applications/{id}/withdraw", "撤回 Withdraw", "", None, "申请方 the applicant's department"),
    ("get", "/api/v1/share/supervision", "督办清单 Supervision list", "Applications escalated for missing their deadline (answered late ones stay), and those whose deadline is unknown.", None, "平台管理员或审计人员 operator or auditor"),
    ("get", "/api/v1/share/grants", "授权 Grants", "A system token sees its own; people their department's (as consumer or provider); the operator and auditors all. Filters: org, resource, system, status (active, expired, revoked).", None, USER),
    ("get", "/api/v1/share/grants/{id}", "授权详情 One grant", "", None, USER),
    ("post", "/api/v1/share/grants/{id}/revoke", "撤销授权 Revoke a grant", "Takes effect for the very next request.", Some("Reason"), "提供方或使用方数据管理员、平台管理员 provider or consumer steward, operator"),
    ("get", "/api/v1/share/conversions", "转无条件共享提议 Conversion proposals", "Made when a conditional resource has been approved for more than 5 departments.", None, USER),
    ("post", "/api/v1/share/conversions/{id}/keep", "保留有条件共享 Keep conditional", "Only with a legal basis.", Some("Keep"), STEWARD),
    ("post", "/api/v1/share/conversions/{id}/accept", "转为无条件共享 Accept conversion", "Drafts and submits the catalog change; the operator publishes it.", None, STEWARD),
    ("get", "/api/v1/share/stats", "共享统计 Sharing figures", "数据共享需求满足率, on-time answers, grants. Query `org` for one department.", None, "平台管理员、审计人员；本单位 operator, auditor; own department with org"),
    ("get", "/api/v1/assess/figures", "考核指标 Assessment figures", "Query `period` (2026, 2026-Q4 or 2026-11; China time) and `org` (one department) or `region` (a city or county, GB/T 2260); neither: the province. Each figure with its value, counted rows, base, target, and the trend over the last four periods. A bad period is 422 naming `period`.", None, "本单位（org）；全省和市县：平台管理员、审计人员 own department with org; province and regions: operator, auditor"),
    ("get", "/api/v1/assess/ranking", "部门排名 Ranking of departments", "Query `period`. Departments by their composite (the mean of their ratio figures), with every figure.", None, "登录人员 signed-in people"),
    ("get", "/api/v1/assess/definitions", "指标定义 Figure definitions", "Formula, what counts in the period, owner, source tables and targets of every figure.", None, ANY),
    ("get", "/api/v1/assess/definitions/{code}", "指标定义 One definition", "", None, ANY),
    ("get", "/api/v1/assess/figures/{code}/rows", "指标明细 The rows behind a figure", "Query `period`, `org` or `region`, `limit` (≤1000), `offset`; `format=csv` for every row as CSV. Each row: org, id, label, counted, value.", None, "本单位（org）；全部：平台管理员、审计人员 own department with org; all: operator, auditor"),
    ("get", "/api/v1/assess/report", "考核报告 Assessment report", "Query `period` (a month gives the monthly 督查通报), `org`, `format` html (default), pdf or csv; a file with Content-Disposition. 503 `pdf_unavailable` when the server has no CJK font.", None, "本单位（org）；全省：平台管理员、审计人员 own department with org; province: operator, auditor"),
    ("get", "/api/v1/share/calendar", "工作日历 Working-day calendars", "Years loaded, with their source.", None, ANY),
    ("get", "/api/v1/share/calendar/{year}", "某年工作日历 One year", "", None, ANY),
    ("put", "/api/v1/share/calendar/{year}", "加载工作日历 Load a year", "The State Council's arrangement: holidays (spans) and make-up working days, with the source.", Some("YearCalendar"), ADMIN),
    ("get", "/api/v1/share/settings", "共享设置 Settings", "", None, ANY),
    ("put", "/api/v1/share/settings", "修改设置 Change settings", "answer_working_days: 1–30.", Some("Settings"), ADMIN),
    ("get", "/api/v1/inbox", "站内通知 Inbox", "Notifications of the caller's organisations. Filters: org, unread=true.", None, "本单位人员 members of the organisation"),
    ("post", "/api/v1/inbox/{id}/read", "标记已读 Mark read", "", None, "本单位人员 members of the organisation"),
    ("get", "/api/v1/webhooks", "回调地址 Webhooks", "Query `org`. With delivery counts.", None, "本单位人员或平台管理员 members or operator"),
    ("post", "/api/v1/webhooks", "登记回调 Register a webhook", "Events are POSTed as JSON with header `Shuqiao-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, \"<t>.<body>\")>`; retried with back-off (5 s, 20 s, 80 s … up to 1 h, 8 attempts). The secret is in the response once.", Some("Webhook"), "该单位数据管理员或平台管理员 the org's steward or operator"),
    ("delete", "/api/v1/webhooks/{id}", "删除回调 Remove a webhook", "", None, "该单位数据管理员或平台管理员 the org's steward or operator"),
    ("get", "/api/v1/collect/status", "归集状态 Collection status", "Per published resource: records held, last batch, and timeliness against its 更新周期 (`stale`: the newest data is older than the cycle plus a day). Filters: provider, stale=true.", None, "平台管理员、审计人员或提供方 operator, auditor or provider"),
    ("post", "/api/v1/collect/resources/{code}/imports", "导入文件 Import a file", "The body is the file (streamed to disk, never held in memory): CSV in UTF-8 or GBK/GB18030 (detected, or `encoding=gbk|utf-8`), with or without BOM; JSON Lines; XLSX (`sheet=`). Query: filename (its extension picks the format), format, encoding, policy (all_or_nothing | accept_valid), mode (upsert: records are merged, an item without a column keeps its stored value | replace, or `replace=true`: records are replaced whole | snapshot: replaced whole, and keys missing from the file are deleted), map (`列名:ITEM,…`; other columns map by item code or name), header_row (1-based; by default the header is found under any title rows by the resource's item names, a units row under it and notes at the foot are skipped). An item linked to a data element with a code set takes its codes or the labels the resource declared (`value-mappings`), stored as codes; an ID number or credit code Excel stored as a number is refused as such (`stored_as_number`). 201 with the batch report when applied; 422 problem+json with the report (`batch`) and a link to the rejected rows when not; 422 before any batch when the key, or (replacing) a required item, has no column. The report counts `merged` and `replaced` records.", None, STEWARD),
    ("get", "/api/v1/collect/resources/{code}/batches", "批次列表 Batches", "Newest first: inserted / updated / unchanged / deleted / rejected, duration, timeliness. `limit`, `offset`.", None, "提供方、平台管理员或审计人员 provider, operator or auditor"),
    ("post", "/api/v1/collect/resources/{code}/batches", "推送变更 Push a batch", "`{\"batch_id\": …, \"policy\": …, \"replace\": false, \"upserts\": [{item code or name: value}], \"deletes\": [key]}`, at most 10,000 changes. An upsert merges: an item it leaves out keeps its stored value, `null` clears it; `replace: true` replaces whole records. Idempotent by `batch_id`: the same batch again returns the stored report (200, `replayed: true`) and changes nothing; another batch under a used id is 409 `batch_id_reused`.", Some("PushBatch"), "提供方数据管理员或其信息系统 the provider's steward or system"),
    ("get", "/api/v1/collect/batches/{id}", "批次报告 Batch report", "", None, "提供方、平台管理员或审计人员 provider, operator or auditor"),
    ("get", "/api/v1/collect/batches/{id}/rejects", "未通过的行 Rejected rows", "Row number, key, field, value and reason of each rejected row; `format=csv` for a download (UTF-8 with BOM).", None, "提供方、平台管理员或审计人员 provider, operator or auditor"),
    ("get", "/api/v1/collect/resources/{code}/records/{key}", "记录 A collected record", "The current state, or with `at` (ms or RFC 3339) what the platform held then, with the batch, source and row that put it there. Sealed in the audit log before it is returned.", None, "提供方或审计人员 provider or auditor"),
    ("get", "/api/v1/collect/resources/{code}/records/{key}/history", "记录历史 Record history", "Every version of the key, newest first, each with its batch.", None, "提供方或审计人员 provider or auditor"),
    ("get", "/api/v1/collect/resources/{code}/connector", "数据库连接 Connector", "The password in the URL is never shown.", None, "提供方、平台管理员或审计人员 provider, operator or auditor"),
    ("put", "/api/v1/collect/resources/{code}/connector", "配置数据库连接 Configure a connector", "Pulls from the department's PostgreSQL or MySQL/MariaDB: a `table` or a `query`; with `updated_column` incrementally (rows at or after the stored watermark), without it as snapshots that delete vanished keys. Every `interval_minutes`, by default from the 更新周期 (不定期: on demand only). The database is contacted before saving.", Some("Connector"), STEWARD),
    ("delete", "/api/v1/collect/resources/{code}/connector", "删除数据库连接 Remove a connector", "", None, STEWARD),
    ("post", "/api/v1/collect/resources/{code}/connector/run", "立即拉取 Pull now", "Runs the connector once and returns the batch report.", None, "提供方数据管理员或其信息系统 the provider's steward or system"),
    ("get", "/api/v1/collect/overrides", "校验例外清单 Override list", "Real ID numbers and credit codes accepted although their check character fails.", None, "平台管理员、审计人员或数据管理员 operator, auditor or steward"),
    ("post", "/api/v1/collect/overrides", "登记例外 Register an override", "`{kind: id_number|credit_code, value, reason}`; only a code whose check character alone is wrong. Audited.", Some("Override"), ADMIN),
    ("get", "/api/v1/exchange/grants", "可用资源 What this system may use", "Its active grants: per resource the key fields, the fields it may read in clear, and the 核心 fields it may only verify.", None, SYSTEM),
    ("post", "/api/v1/exchange/{resource}/records", "批量查询 Fetch records by keys", "`{\"keys\": [...up to 1000], \"fields\": [optional subset]}`; per key `found` and the record limited to granted, non-核心 fields. Sealed in the audit log before it is returned (the receipt is in the body, the index in `Shuqiao-Audit-Index`); no receipt, no data.", Some("Keys"), SYSTEM),
    ("get", "/api/v1/exchange/{resource}/records/{key}", "按主键查询 Fetch a record", "The record limited to the grant's non-核心 fields (`fields=` for fewer), with the audit receipt. Refusals (no grant, expired or revoked grant, a field outside the grant, a 核心 field) are audited too.", None, SYSTEM),
    ("post", "/api/v1/exchange/{resource}/verify", "核验 Verify without disclosure", "`{\"key\": …, \"claims\": {\"XM\": \"张三\", \"CSRQ\": \"1990-01-01\"}}` → per field `match`, `no_match` or `no_record`; never the stored values. 核心 fields may be verified when granted.", Some("Verify"), SYSTEM),
    ("get", "/api/v1/exchange/{resource}/query", "条件查询 Query with filters", "Filters on clear granted fields: `FIELD=v` (equals), `FIELD.gt|gte|lt|lte=v` (ranges; dates as YYYY-MM-DD, 数值型 compared as numbers). `fields=` for fewer fields, `limit` (1–1000, default 100), `cursor`: the previous page's `next_cursor`, unchanged (opaque, sealed to this system and resource). Stable order: by key. Filtering on a 核心 field is refused (a range would disclose it). When the grant may not read every key item in clear (say 公民身份号码 is verify-only), each `key` is this system's pseudonym of it (`psn_…`, the same in every answer about the resource, unrelated to other systems'), and a page is in pseudonym order.", None, SYSTEM),
    ("get", "/api/v1/exchange/{resource}/changes", "变更同步 Change feed", "Every change (insert, update, delete) after `since` (the `seq` of the last change applied; 0 or absent: from the start), in order, `limit` up to 5000. `wait=N` (≤ 60 s) long-polls until a change arrives. Resume after a crash with the last `seq` you applied: changes are never reordered or dropped. `key` is a pseudonym (`psn_…`) when the grant may not read every key item in clear, as in queries.", None, SYSTEM),
    ("get", "/api/v1/exchange/{resource}/download", "整体下载 Download the resource", "For resources shared as 库表 or 文件: every current record, streamed as `format=csv` (UTF-8 with BOM) or `jsonl`, granted fields only (`fields=` for fewer). Headers: `Shuqiao-Audit-Receipt` (base64 JSON receipt), `Shuqiao-Changes-Since` (follow the change feed from here to catch what changed while downloading), `Shuqiao-Record-Count`.", None, SYSTEM),
    ("get", "/api/v1/exchange/{resource}/openapi.json", "资源接口描述 OpenAPI for one resource", "An OpenAPI document of this system's use of the resource: its endpoints and a record schema with only the granted fields, their types and grades.", None, SYSTEM),
    ("get", "/api/v1/exchange/usage", "调用统计 Usage", "This system's calls, records served and refusals per day (China time), resource and grant; `days` (default 7).", None, SYSTEM),
    ("get", "/api/v1/share/usage", "全平台调用统计 Platform usage", "Every system's exchange calls per day, resource and grant; `system`, `days`.", None, "平台管理员或审计人员 operator or auditor"),
    ("put", "/api/v1/share/grants/{id}/limits", "调用限额 Set a grant's limits", "`{\"rate_per_second\": n, \"quota_per_day\": n}`; either absent means no daily quota / the platform's default rate. Over the rate or the quota, calls get 429 with Retry-After. Audited.", Some("Limits"), "提供方数据管理员或平台管理员 the provider's steward or operator"),
    ("post", "/api/v1/collect/overrides/{id}/remove", "撤销例外 Remove an override", "", Some("Reason"), ADMIN),
];

fn enum_schema(values: Vec<&'static str>, description: &str) -> Value {
    json!({"type": "string", "enum": values, "description": description})
}

macro_rules! wire {
    ($t:ty) => {
        <$t>::ALL.iter().map(|v| v.as_str()).collect::<Vec<_>>()
    };
}

fn labels<T: Copy>(all: &[T], f: fn(T) -> (&'static str, &'static str)) -> String {
    all.iter()
        .map(|v| {
            let (w, l) = f(*v);
            format!("{w}={l}")
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn schemas() -> Value {
    let s = |t: &str| json!({"type": "string", "description": t});
    let mut all = json!({
        "Problem": {"type": "object", "required": ["type", "title", "status", "detail", "code"], "properties": {
            "type": s("URI of the problem kind"), "title": s("HTTP reason"), "status": {"type": "integer"},
            "detail": s("中文 / English"), "code": s("stable machine-readable code"),
            "detail_zh": s("中文说明"), "detail_en": s("English message"),
            "errors": {"type": "array", "items": {"type": "object", "properties": {"field": s("path of the field"), "reason": s("stable reason"), "zh": s(""), "en": s("")}}}}},
        "LoginRequest": {"type": "object", "required": ["username", "password"], "properties": {"username": s(""), "password": s("")}},
        "Reason": {"type": "object", "required": ["reason"], "properties": {"reason": s("理由 reason")}},
        "PushBatch": {"type": "object", "properties": {"batch_id": s("the client's id for the batch (idempotency)"), "policy": enum_schema(vec!["all_or_nothing", "accept_valid"], "what bad rows do to the batch"), "source_system": s("the system the data comes from"), "replace": {"type": "boolean", "description": "replace whole records: items an upsert leaves out are cleared (default: merged)"}, "upserts": {"type": "array", "items": {"type": "object", "additionalProperties": true}}, "deletes": {"type": "array", "items": {"type": "string"}}}},
        "Connector": {"type": "object", "required": ["url"], "properties": {"url": s("postgres://… or mysql://…"), "table": s("schema.table"), "query": s("SELECT …"), "updated_column": s("last-modified column for incremental pulls"), "source_system": s("information system code"), "interval_minutes": {"type": "integer"}, "enabled": {"type": "boolean"}}},
        "Keys": {"type": "object", "required": ["keys"], "properties": {"keys": {"type": "array", "items": {"type": "string"}, "maxItems": 1000}, "fields": {"type": "array", "items": {"type": "string"}}}},
        "Verify": {"type": "object", "required": ["key", "claims"], "properties": {"key": s("the record's key"), "claims": {"type": "object", "additionalProperties": {"type": "string"}}}},
        "Override": {"type": "object", "required": ["kind", "value", "reason"], "properties": {"kind": enum_schema(vec!["id_number", "credit_code"], ""), "value": s(""), "reason": s("登记理由")}},
        "NewToken": {"type": "object", "required": ["name"], "properties": {"name": s("what the token is for"), "ttl_days": {"type": "integer", "minimum": 1, "maximum": 730, "default": 90}}},
        "InfoSystem": {"type": "object", "required": ["code", "name", "org", "description"], "properties": {
            "code": s("lower-case code, e.g. hi-gat-rkxt"), "name": s("名称"), "name_en": s(""), "org": s("owning organisation code"), "description": s("用途")}},
        "NewOrg": {"type": "object", "required": ["code", "name", "name_en", "kind", "region"], "properties": {
            "code": s("e.g. hi-gat"), "name": s("名称"), "name_en": s(""),
            "kind": enum_schema(OrgKind_ALL.to_vec(), "government, department, unit or operator"),
            "parent": s("parent organisation code"), "region": s("GB/T 2260 code"),
            "credit_code": s("统一社会信用代码 (GB 32100)"), "credit_code_override_reason": s("admit a real code that fails its check digit")}},
        "NewAccount": {"type": "object", "required": ["username", "display_name", "org", "roles", "password"], "properties": {
            "username": s(""), "display_name": s("姓名"), "org": s(""), "password": s(">= 10 characters, letters and digits"),
            "roles": {"type": "array", "items": {"type": "object", "properties": {
                "role": enum_schema(Role::ALL.iter().map(|r| r.as_str()).collect(), &labels(&Role::ALL, |r| (r.as_str(), r.label_zh()))), "org": s("")}}}}},
        "InfoItem": {"type": "object", "required": ["name", "code", "type", "grade"], "properties": {
            "name": s("信息项名称"), "code": s("upper-case code, e.g. GMSFHM"),
            "type": enum_schema(wire!(ItemType), &labels(ItemType::ALL, |v| (v.as_str(), v.label_zh()))),
            "length": {"type": "integer", "description": "required for string, number, money"},
            "required": {"type": "boolean"},
            "grade": enum_schema(wire!(Grade), &labels(Grade::ALL, |v| (v.as_str(), v.label_zh()))),
            "description": s(""),
            "personal": {"type": "boolean", "description": "个人信息: never opened to the public, whatever its grade"},
            "element": s("数据元: the identifier of a data element (GET /api/v1/quality/elements); values then follow its code set")}},
        "ResourceMeta": {"type": "object",
            "required": ["classification", "name", "provider", "summary", "format", "items", "key_fields", "share_type", "open_type", "update_cycle"],
            "properties": {
                "classification": {"type": "object", "required": ["category", "class_code", "subclass_code"], "properties": {
                    "category": enum_schema(wire!(Category), &labels(Category::ALL, |v| (v.as_str(), v.label_zh()))),
                    "class_code": s("two digits; see /api/v1/vocabularies"), "subclass_code": s("three digits")}},
                "name": s("资源名称"), "name_en": s("English name"), "provider": s("提供方 organisation code"),
                "provider_unit": s("内设机构 code"), "summary": s("摘要"),
                "format": enum_schema(wire!(Format), &labels(Format::ALL, |v| (v.as_str(), v.label_zh()))),
                "items": {"type": "array", "items": {"$ref": "#/components/schemas/InfoItem"}},
                "key_fields": {"type": "array", "items": s("item code")},
                "share_type": enum_schema(wire!(ShareType), &labels(ShareType::ALL, |v| (v.as_str(), v.label_zh()))),
                "share_condition": s("共享条件, required when conditional"),
                "share_modes": {"type": "array", "items": enum_schema(wire!(ShareMode), &labels(ShareMode::ALL, |v| (v.as_str(), v.label_zh())))},
                "open_type": enum_schema(wire!(OpenType), &labels(OpenType::ALL, |v| (v.as_str(), v.label_zh()))),
                "open_condition": s("开放条件, required when conditionally open"),
                "update_cycle": enum_schema(wire!(UpdateCycle), &labels(UpdateCycle::ALL, |v| (v.as_str(), v.label_zh()))),
                "publish_date": s("YYYY-MM-DD; set on publication when empty"),
                "related_resources": {"type": "array", "items": s("resource code")},
                "systems": {"type": "array", "items": s("information system code")},
                "legal_basis": s("法律依据, required for conditional and not_shared"),
                "keywords": {"type": "array", "items": s("")}}},
        "Status": enum_schema(wire!(Status), &labels(Status::ALL, |v| (v.as_str(), v.label_zh()))),
        "AccessRequest": {"type": "object", "required": ["system", "resource", "fields", "purpose", "days"], "properties": {
            "system": s("your department's registered system"), "resource": s("resource code"),
            "fields": {"type": "array", "items": s("信息项 code; only those needed")},
            "purpose": s("使用目的"), "scene": s("应用场景 (required to apply)"), "legal_basis": s("法律法规依据 (required to apply)"),
            "days": {"type": "integer", "minimum": 1, "maximum": shuqiao_core::share::MAX_GRANT_DAYS}}},
        "Approval": {"type": "object", "properties": {
            "fields": {"type": "array", "items": s("a subset of the requested fields")},
            "days": {"type": "integer", "description": "at most the requested days"}, "opinion": s("意见"),
            "quota_per_day": {"type": "integer", "minimum": 1, "description": "每日调用上限 daily call quota (none when absent)"}}},
        "NeedInput": {"type": "object", "required": ["title", "description"], "properties": {
            "org": s("consumer department (default: yours)"), "title": s("需求名称"), "description": s("需求说明"), "resource": s("resource code if known")}},
        "ResponsibilityInput": {"type": "object", "required": ["org", "title", "duty"], "properties": {
            "org": s("department"), "title": s("数据名称"), "duty": s("职责依据 (三定方案, 权责清单)"), "resource": s("catalogued resource code")}},
        "NegativeProposalInput": {"type": "object", "required": ["resource", "action", "legal_basis", "reason"], "properties": {
            "resource": s(""), "action": enum_schema(vec!["add", "remove"], "add=列入, remove=移出"),
            "legal_basis": s("法律法规依据"), "reason": s("理由")}},
        "Review": {"type": "object", "required": ["decision"], "properties": {
            "decision": enum_schema(vec!["approve", "reject"], "同意 / 不同意"), "opinion": s("意见 (required to reject)"),
            "role": enum_schema(vec!["platform_admin", "legal_reviewer", "secrecy_reviewer"], "for people holding several reviewer roles")}},
        "SubjectRegistration": {"type": "object", "required": ["username", "display_name", "kind", "identifier", "password"], "properties": {
            "username": s(""), "display_name": s("姓名或名称"), "kind": enum_schema(vec!["person", "company"], "公民 / 法人"),
            "identifier": s("公民身份号码 or 统一社会信用代码 (checked, then hashed)"), "password": s(">= 10 characters, letters and digits")}},
        "Confirm": {"type": "object", "properties": {"resource": s("matched resource code")}},
        "Keep": {"type": "object", "required": ["legal_basis"], "properties": {"legal_basis": s("法律法规依据")}},
        "Webhook": {"type": "object", "required": ["org", "url"], "properties": {"org": s(""), "url": s("http(s) URL")}},
        "Settings": {"type": "object", "required": ["answer_working_days"], "properties": {"answer_working_days": {"type": "integer", "minimum": 1, "maximum": 30}}},
        "YearCalendar": {"type": "object", "required": ["year", "source", "holidays", "workdays"], "properties": {
            "year": {"type": "integer"}, "source": s("发布文件 e.g. 国办发明电〔2024〕12号"),
            "holidays": {"type": "array", "items": {"type": "object", "properties": {"name": s(""), "from": s("YYYY-MM-DD"), "to": s("YYYY-MM-DD")}}},
            "workdays": {"type": "array", "items": s("调休上班日 YYYY-MM-DD (a weekend day)")}}},
    });
    // The open-data proposal's shapes (a second literal: one macro call has a depth limit).
    let s = |t: &str| json!({"type": "string", "description": t});
    let open = json!({
        "OpenProposal": {"type": "object", "required": ["resource", "assessment"], "properties": {
            "resource": s("resource code"),
            "assessment": {"type": "object", "required": ["assessor", "personal_info", "reidentification", "trade_secret", "conclusion", "assessed_on"], "additionalProperties": false, "properties": {
                "assessor": s("评估人或评估机构"),
                "personal_info": {"$ref": "#/components/schemas/AssessmentCheck"},
                "reidentification": {"$ref": "#/components/schemas/AssessmentCheck"},
                "trade_secret": {"$ref": "#/components/schemas/AssessmentCheck"},
                "conclusion": enum_schema(vec!["open", "conditional"], "评估结论: 无条件开放 / 有条件开放"),
                "assessed_on": s("评估日期 YYYY-MM-DD")}}}},
        "Registration": {"type": "object", "required": ["username", "display_name", "kind", "contact", "password"], "additionalProperties": false, "properties": {
            "username": s(""), "display_name": s("姓名或单位名称"), "kind": enum_schema(vec!["person", "company"], "个人 / 企业"),
            "contact": s("联系方式 e-mail or telephone"), "password": s(">= 10 characters, letters and digits")}},
        "ApplicationInput": {"type": "object", "required": ["dataset", "purpose", "accept_agreement"], "additionalProperties": false, "properties": {
            "dataset": s("dataset name (slug)"), "purpose": s("使用目的与应用场景"), "accept_agreement": {"type": "boolean", "description": "数据使用协议"}}},
        "ApplicationAnswer": {"type": "object", "required": ["approve"], "additionalProperties": false, "properties": {
            "approve": {"type": "boolean"}, "reason": s("不予批准的理由 (required to refuse)"),
            "quota_per_day": {"type": "integer", "minimum": 1, "maximum": 1000000}, "days": {"type": "integer", "minimum": 1, "maximum": 730}}},
        "RequestInput": {"type": "object", "required": ["title", "description"], "additionalProperties": false, "properties": {
            "title": s("需求名称"), "description": s("需求说明"), "org": s("the department believed to hold it")}},
        "RequestAnswer": {"type": "object", "required": ["outcome", "answer"], "additionalProperties": false, "properties": {
            "outcome": enum_schema(vec!["opening", "declined", "redirected"], "开放 / 不予开放 / 转办"), "answer": s("答复"),
            "dataset": s("the released dataset, for opening"), "org": s("the department, for redirected")}},
        "FeedbackInput": {"type": "object", "required": ["dataset", "text"], "additionalProperties": false, "properties": {
            "dataset": s("dataset name (slug)"), "row": {"type": "integer", "minimum": 1, "description": "a row's _id"}, "text": s("纠错内容")}},
        "Answer": {"type": "object", "required": ["answer"], "additionalProperties": false, "properties": {"answer": s("答复")}},
        "OpenSettings": {"type": "object", "required": ["application_days", "request_days", "feedback_days", "min_cell"], "additionalProperties": false, "properties": {
            "application_days": {"type": "integer", "minimum": 1, "maximum": 60}, "request_days": {"type": "integer", "minimum": 1, "maximum": 60},
            "feedback_days": {"type": "integer", "minimum": 1, "maximum": 60}, "min_cell": {"type": "integer", "minimum": 1, "maximum": 1000}}},
        "NegativeInput": {"type": "object", "required": ["resource", "legal_basis", "reason"], "additionalProperties": false, "properties": {
            "resource": s("resource code"), "legal_basis": s("法律法规依据"), "reason": s("理由")}},
        "PlanInput": {"type": "object", "required": ["org", "year", "items"], "additionalProperties": false, "properties": {
            "org": s("department"), "year": {"type": "integer", "minimum": 2000, "maximum": 2100},
            "items": {"type": "array", "minItems": 1, "maxItems": 2000, "items": {"type": "object", "required": ["resource", "quarter"], "additionalProperties": false, "properties": {
                "resource": s("resource code"), "quarter": {"type": "integer", "minimum": 1, "maximum": 4}, "note": s("说明")}}}}},
        "PlanReview": {"type": "object", "required": ["approve"], "additionalProperties": false, "properties": {
            "approve": {"type": "boolean"}, "reason": s("退回理由 (required to return)")}},
        "AssessmentCheck": {"type": "object", "required": ["passed", "note"], "additionalProperties": false, "properties": {
            "passed": {"type": "boolean"}, "note": s("发现与处理 what was checked and found")}},
    });
    for part in [open, quality_schemas(), alert_schemas(), systems_schemas()] {
        if let (Some(all), Value::Object(part)) = (all.as_object_mut(), part) {
            all.extend(part);
        }
    }
    if let (Some(all), Value::Object(registry)) = (all.as_object_mut(), registry_schemas()) {
        all.extend(registry);
    }
    all["Limits"] = limits_schema();
    all["AccountRoles"] = json!({"type": "object", "required": ["roles"], "properties": {
        "roles": all["NewAccount"]["properties"]["roles"].clone()}});
    all
}

/// The data-element registry's shapes (a literal of their own: one macro call has a depth
/// limit).
fn registry_schemas() -> Value {
    let s = |t: &str| json!({"type": "string", "description": t});
    json!({
        "DataElement": {"type": "object", "required": ["identifier", "name", "definition", "type"], "additionalProperties": false, "properties": {
            "identifier": s("标识符: upper-case, e.g. XBDM"), "name": s("名称"), "name_en": s(""), "definition": s("定义"),
            "type": enum_schema(wire!(ItemType), &labels(ItemType::ALL, |v| (v.as_str(), v.label_zh()))),
            "length": {"type": "integer", "description": "required for string, number, money"},
            "code_set": s("the id of a code set")}},
        "CodeSet": {"type": "object", "required": ["id", "standard", "name", "codes"], "additionalProperties": false, "properties": {
            "id": s("e.g. GB/T 2261.1"), "standard": s("the standard with its year, e.g. GB/T 2261.1-2003"), "name": s("名称"), "name_en": s(""),
            "codes": {"type": "array", "items": {"type": "object", "required": ["code", "label"], "properties": {"code": s("代码"), "label": s("含义")}}}}},
        "ValueMappings": {"type": "object", "required": ["items"], "additionalProperties": false, "properties": {
            "items": {"type": "object", "description": "item code → {label → code}", "additionalProperties": {"type": "object", "additionalProperties": {"type": "string"}}}}}
    })
}

#[allow(non_upper_case_globals)]
const OrgKind_ALL: [&str; 4] = ["government", "department", "unit", "operator"];

fn parameters(path: &str, method: &str) -> Vec<Value> {
    let mut out: Vec<Value> = path
        .split('/')
        .filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
        .map(|name| json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}}))
        .collect();
    if path == "/api/v1/catalog/resources" && method == "get" {
        let q = |name: &str, d: &str| json!({"name": name, "in": "query", "required": false, "schema": {"type": "string"}, "description": d});
        out.extend([
            q("q", "检索词（中文或英文）search words, Chinese or English"),
            q("provider", "提供方机构代码 provider organisation code"),
            q(
                "region",
                "行政区划代码，含下级 region code, including subdivisions",
            ),
            q("category", &Category::wire_names()),
            q("share_type", &ShareType::wire_names()),
            q("open_type", &OpenType::wire_names()),
            q("grade", &Grade::wire_names()),
            q(
                "status",
                &format!("{} (default published)", Status::wire_names()),
            ),
            q("limit", "1–200, default 20"),
            q("offset", "default 0"),
        ]);
    }
    if path == "/api/v1/systems" && method == "get" {
        out.push(
            json!({"name": "org", "in": "query", "required": false, "schema": {"type": "string"}}),
        );
    }
    out
}

fn operation(op: &Op) -> Value {
    let (method, path, summary, description, body, auth) = *op;
    let mut v = json!({
        "summary": summary,
        "description": format!("{description}\n\n权限 Who may call: {auth}"),
        "parameters": parameters(path, method),
        "responses": {
            "200": {"description": "OK"},
            "default": {"description": "problem+json", "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}},
        },
    });
    if let Some(b) = body {
        v["requestBody"] = json!({"required": true, "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{b}")}}}});
    }
    if auth != ANY {
        v["security"] = json!([{"bearer": []}]);
    }
    v
}

pub fn document() -> Value {
    let mut paths = Map::new();
    for op in PATHS {
        let entry = paths.entry(op.1.to_string()).or_insert_with(|| json!({}));
        entry[op.0] = operation(op);
    }
    json!({
        "openapi": "3.0.3",
        "info": {
            "title": "数桥 Shuqiao — 政务数据共享交换平台 API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Government data sharing and exchange platform. Errors are application/problem+json with a stable `code` and messages in Chinese and English.",
        },
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {
            "schemas": schemas(),
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "description": "A session from /api/v1/auth/login (sqs_…) or a system token (sq_…)."}},
        },
    })
}

fn limits_schema() -> Value {
    json!({"type": "object", "properties": {
        "rate_per_second": {"type": "integer", "minimum": 1, "description": "每秒调用上限 calls a second (absent: the platform default)"},
        "quota_per_day": {"type": "integer", "minimum": 1, "description": "每日调用上限 calls a day (absent: none)"}}})
}

/// The JSON Schema type of a catalog item's values as the exchange returns them (collected
/// values are kept as normalised text).
fn item_schema(item: &shuqiao_core::catalog::InfoItem) -> Value {
    let format = match item.item_type {
        ItemType::Date => Some("date"),
        ItemType::DateTime => Some("date-time"),
        _ => None,
    };
    let mut v = json!({
        "type": "string",
        "title": item.name,
        "description": format!("{} · {} · 分级 {}", item.item_type.label_zh(), item.code, item.grade.label_zh()),
    });
    if let Some(f) = format {
        v["format"] = json!(f);
    }
    if let Some(n) = item.length {
        v["maxLength"] = json!(n);
    }
    v
}

/// An OpenAPI document for one system's use of one resource: the exchange endpoints with the
/// record schema reduced to the granted fields, like X-Road's per-service descriptions.
pub fn resource_document(a: &shuqiao_service::exchange::Allowed) -> Value {
    let code = &a.resource;
    let clear: Map<String, Value> = a
        .items
        .iter()
        .filter(|i| a.fields.clear.contains(&i.code))
        .map(|i| (i.code.clone(), item_schema(i)))
        .collect();
    let verify_only: Map<String, Value> = a
        .items
        .iter()
        .filter(|i| a.fields.verify_only.contains(&i.code))
        .map(|i| (i.code.clone(), item_schema(i)))
        .collect();
    let base = format!("/api/v1/exchange/{code}");
    let record_ref = json!({"$ref": "#/components/schemas/Record"});
    let key_out = match a.keys_in_clear {
        true => json!({"type": "string", "description": a.key_fields.join(" | ")}),
        false => {
            json!({"type": "string", "pattern": "^psn_[0-9a-f]{32}$", "description": "this system's pseudonym of the key (the key is not granted in clear)"})
        }
    };
    let ok = |d: &str, schema: Value| json!({"200": {"description": d, "content": {"application/json": {"schema": schema}}}});
    let mut paths = Map::new();
    paths.insert(format!("{base}/records/{{key}}"), json!({"get": {
        "summary": "按主键查询 Fetch a record",
        "parameters": [{"name": "key", "in": "path", "required": true, "schema": {"type": "string"}, "description": a.key_fields.join(" | ")}],
        "responses": ok("the record and its audit receipt", json!({"type": "object", "properties": {"record": record_ref, "receipt": {"type": "object"}}}))}}));
    paths.insert(format!("{base}/records"), json!({"post": {"summary": "批量查询 Fetch up to 1000 keys", "responses": ok("per key", json!({"type": "object"}))}}));
    paths.insert(format!("{base}/verify"), json!({"post": {"summary": "核验 Verify without disclosure",
        "requestBody": {"content": {"application/json": {"schema": {"type": "object", "properties": {
            "key": {"type": "string"}, "claims": {"type": "object", "properties": clear.clone().into_iter().chain(verify_only.clone()).collect::<Map<_, _>>()}}}}}},
        "responses": ok("match / no_match / no_record per field", json!({"type": "object"}))}}));
    paths.insert(format!("{base}/query"), json!({"get": {"summary": "条件查询 Query with filters",
        "parameters": clear.keys().map(|f| json!({"name": f, "in": "query", "required": false, "schema": {"type": "string"}, "description": format!("{f}=v, {f}.gte=v, {f}.lt=v …")})).collect::<Vec<_>>(),
        "responses": ok("a page in key order", json!({"type": "object", "properties": {"items": {"type": "array", "items": {"type": "object", "properties": {"key": key_out, "record": record_ref}}}, "next_cursor": {"type": "string", "nullable": true}}}))}}));
    paths.insert(format!("{base}/changes"), json!({"get": {"summary": "变更同步 Change feed", "responses": ok("changes after since", json!({"type": "object"}))}}));
    if a.share_modes
        .iter()
        .any(|m| matches!(m, ShareMode::Database | ShareMode::File))
    {
        paths.insert(format!("{base}/download"), json!({"get": {"summary": "整体下载 Download (CSV or JSON Lines)", "responses": {"200": {"description": "streamed rows"}}}}));
    }
    json!({
        "openapi": "3.0.3",
        "info": {
            "title": format!("{} ({code}) — 授权 grant {}", a.name, a.grant),
            "version": env!("CARGO_PKG_VERSION"),
            "description": format!("用途 purpose: {}. 核心 fields (verify only): {}.", a.purpose, a.fields.verify_only.join(", ")),
        },
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {
            "schemas": {"Record": {"type": "object", "properties": clear}},
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "description": "this system's token (sq_…)"}},
        },
        "security": [{"bearer": []}],
    })
}

/// The system inventory's bodies.
fn systems_schemas() -> Value {
    use shuqiao_core::assess::systems::{Network, SystemStatus, Verdict};
    let s = |d: &str| json!({"type": "string", "description": d});
    let date = |d: &str| json!({"type": "string", "description": format!("{d}, YYYY-MM-DD; empty clears it")});
    json!({
        "InventoryPatch": {"type": "object", "additionalProperties": false, "properties": {
            "name": s("系统名称"), "description": s("功能"), "scope": s("使用范围"), "use_frequency": s("使用频度"),
            "approved_by": s("审批部门"), "approved_on": date("审批时间"), "accepted_on": date("验收时间"),
            "investment_yuan": {"type": "integer", "minimum": 0, "description": "投资规模（元）"},
            "funding_source": s("经费来源"),
            "network": enum_schema(Network::ALL.iter().map(|n| n.as_str()).collect(), "政务外网, 政务内网, 互联网"),
            "status": enum_schema(SystemStatus::ALL.iter().map(|n| n.as_str()).collect(), "在用, 停用, 已整合"),
            "classified": {"type": "boolean", "description": "涉密"},
            "maintenance_stopped_on": date("运维停止时间")}},
        "ZombieMark": {"type": "object", "required": ["verdict"], "additionalProperties": false, "properties": {
            "verdict": enum_schema(Verdict::ALL.iter().map(|n| n.as_str()).collect(), "确认, 排除, 已整合"),
            "reason": s("理由 (required to dismiss)")}},
        "ZombieSettings": {"type": "object", "required": ["idle_days", "min_users"], "additionalProperties": false, "properties": {
            "idle_days": {"type": "integer", "minimum": 1, "maximum": 3660}, "min_users": {"type": "integer", "minimum": 1, "maximum": 10000}}}
    })
}

/// The quality loop's bodies.
fn quality_schemas() -> Value {
    let s = |d: &str| json!({"type": "string", "description": d});
    json!({
        "Assign": {"type": "object", "required": ["org"], "additionalProperties": false, "properties": {"org": s("the department that catalogues and shares the data")}},
        "ObjectionInput": {"type": "object", "required": ["resource", "key", "fields", "reason"], "additionalProperties": false, "properties": {
            "resource": s("resource code"), "key": s("the record's key, or the pseudonym the caller's answers carried"),
            "fields": {"type": "array", "items": {"type": "string"}, "description": "信息项 codes held to be wrong"},
            "reason": s("异议理由"), "evidence": s("依据")}},
        "ObjectionAnswer": {"type": "object", "required": ["answer", "note"], "additionalProperties": false, "properties": {"answer": enum_schema(vec!["corrected", "disputed"], ""), "note": s("答复说明")}},
        "ObjectionResponse": {"type": "object", "required": ["response", "note"], "additionalProperties": false, "properties": {"response": enum_schema(vec!["confirm", "contest"], ""), "note": s("说明")}},
        "ObjectionRuling": {"type": "object", "required": ["ruling", "note"], "additionalProperties": false, "properties": {"ruling": enum_schema(vec!["upheld", "dismissed"], ""), "note": s("裁决意见")}},
        "Designation": {"type": "object", "required": ["element", "subject_kind", "resource"], "additionalProperties": false, "properties": {"element": s("data element identifier"), "subject_kind": enum_schema(vec!["person", "company", "other"], ""), "resource": s("resource code")}},
        "QualityRules": {"type": "object", "required": ["rules"], "additionalProperties": false, "properties": {"rules": {"type": "array", "maxItems": 20, "items": {"type": "object", "required": ["kind"], "properties": {
            "kind": enum_schema(vec!["birth_date_matches_id", "equal"], ""), "id_item": s(""), "date_item": s(""), "left": s(""), "right": s("")}}}}},
        "QualitySettings": {"type": "object", "required": ["objection_days", "need_days"], "additionalProperties": false, "properties": {"objection_days": {"type": "integer", "minimum": 1, "maximum": 60}, "need_days": {"type": "integer", "minimum": 1, "maximum": 90}}}
    })
}

/// The usage alerts' bodies.
fn alert_schemas() -> Value {
    let int = |min: i64, max: i64| json!({"type": "integer", "minimum": min, "maximum": max});
    json!({
        "AlertSettings": {"type": "object", "additionalProperties": false,
            "required": ["jump_factor", "min_calls", "baseline_days", "quiet_start", "quiet_end", "harvest_share", "harvest_min_subjects", "suspend_on_alert"],
            "properties": {
                "jump_factor": {"type": "number", "minimum": 1, "exclusiveMinimum": true, "maximum": 1000, "description": "倍数 today's calls above this many times the baseline"},
                "min_calls": int(1, 1_000_000_000), "baseline_days": int(1, 90),
                "quiet_start": int(0, 23), "quiet_end": int(0, 23),
                "harvest_share": {"type": "number", "minimum": 0, "exclusiveMinimum": true, "maximum": 1},
                "harvest_min_subjects": int(1, 1_000_000_000),
                "suspend_on_alert": {"type": "boolean"}}},
        "AlertReview": {"type": "object", "required": ["decision", "note"], "additionalProperties": false, "properties": {
            "decision": enum_schema(vec!["clear", "revoke"], ""), "note": {"type": "string", "description": "复核意见"}}}
    })
}
