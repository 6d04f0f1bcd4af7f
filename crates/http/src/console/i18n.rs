//! Every string of the console's pages in one table of Chinese and English pairs, so a
//! translation is reviewed in one place and a missing one fails to compile.

/// The language a page is shown in: Chinese unless the person chose English.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Zh,
    En,
}

impl Lang {
    /// The value of the language cookie and of the switch's path.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh",
            Lang::En => "en",
        }
    }

    /// The value of `<html lang>`.
    pub fn html(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    pub fn parse(s: &str) -> Option<Lang> {
        match s {
            "zh" => Some(Lang::Zh),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    pub fn other(self) -> Lang {
        match self {
            Lang::Zh => Lang::En,
            Lang::En => Lang::Zh,
        }
    }

    pub fn strings(self) -> &'static Strings {
        match self {
            Lang::Zh => &ZH,
            Lang::En => &EN,
        }
    }

    /// Picks one of a bilingual pair (a domain message, a name kept in both languages).
    pub fn pick<'a>(self, zh: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Zh => zh,
            Lang::En if en.is_empty() => zh,
            Lang::En => en,
        }
    }
}

macro_rules! strings {
    ($($key:ident: $zh:literal, $en:literal;)+) => {
        /// The console's words in one language.
        pub struct Strings {
            $(pub $key: &'static str,)+
        }
        pub const ZH: Strings = Strings { $($key: $zh,)+ };
        pub const EN: Strings = Strings { $($key: $en,)+ };
    };
}

strings! {
    product: "数桥 政务数据共享交换平台", "Shuqiao data sharing and exchange platform";
    console: "工作台", "Console";
    skip_to_content: "跳到正文", "Skip to content";
    switch_language: "English", "中文";
    switch_language_label: "Switch to English", "切换为中文";
    sign_out: "退出登录", "Sign out";
    signed_in_as: "当前用户", "Signed in as";
    nav_label: "主导航", "Main navigation";
    nav_my_work: "我的工作", "My work";
    nav_todos: "待办事项", "To-dos";
    nav_inbox: "消息", "Messages";
    nav_supervision: "督办", "Supervision";
    nav_help: "帮助", "Help";
    supervision_title: "督办：逾期与期限未定的共享申请", "Supervision: overdue applications and unknown deadlines";
    supervision_intro: "超过答复期限的申请会列入督办，已逾期后答复的仍保留在列表中。", "Applications that missed their deadline are listed here; those answered late stay on the list.";
    supervision_empty: "目前没有需要督办的申请。", "No application needs supervision now.";
    cs_nav_catalog: "查找数据资源", "Find data resources";
    cs_nav_grants: "我的授权与申请", "My grants and applications";
    cs_nav_needs: "共享需求", "Sharing needs";
    cs_catalog_title: "查找数据资源", "Find data resources";
    cs_catalog_intro: "按名称、摘要或关键词搜索已发布的资源目录，中文或英文均可；用左侧的筛选缩小范围。", "Search the published catalog by name, summary or keyword, in Chinese or English; narrow it with the filters.";
    cs_catalog_search_label: "搜索资源目录", "Search the catalog";
    cs_catalog_search_hint: "例如：人口、社保、Population", "For example: 人口, 社保, Population";
    cs_catalog_search_button: "搜索", "Search";
    cs_catalog_filters: "筛选", "Filters";
    cs_catalog_filters_active: "已选筛选条件", "Filters in use";
    cs_catalog_remove_filter: "移除筛选", "Remove filter";
    cs_catalog_clear_all: "清除全部筛选", "Clear all filters";
    cs_catalog_clear: "不限", "Any";
    cs_catalog_results: "搜索结果", "Results";
    cs_catalog_empty: "没有找到符合条件的资源。请换用其他关键词（中文或英文均可），或移除部分筛选条件再试；如果平台上确实没有所需数据，可以提出共享需求。", "No resource matches. Try other words (Chinese or English) or remove some filters; if the data is not on the platform, state a sharing need.";
    cs_catalog_state_need: "提出共享需求", "State a sharing need";
    cs_catalog_bad_filter: "筛选条件无效，已忽略：", "A filter was not valid and is ignored: ";
    cs_catalog_query_too_long: "搜索词不能超过 100 个字，请缩短后重试。", "The search words can be at most 100 characters; shorten them and try again.";
    cs_page_of_before: "第 ", "Page ";
    cs_page_of_middle: " 页，共 ", " of ";
    cs_page_of_after: " 页", "";
    cs_facet_provider: "提供单位", "Provider";
    cs_facet_category: "资源分类", "Category";
    cs_facet_share_type: "共享类型", "Share type";
    cs_facet_open_type: "开放类型", "Open type";
    cs_facet_region: "行政区划", "Region";
    cs_col_name: "名称", "Name";
    cs_col_code: "代码", "Code";
    cs_col_share_type: "共享类型", "Share type";
    cs_col_open_type: "开放类型", "Open type";
    cs_col_grade: "等级", "Grade";
    cs_col_updated: "更新时间", "Updated";
    cs_col_type: "数据类型", "Type";
    cs_col_system: "使用系统", "System";
    cs_col_fields: "信息项", "Fields";
    cs_col_expires: "到期", "Expires";
    cs_col_usage: "今日调用 / 每日上限", "Calls today / daily quota";
    cs_col_due: "答复期限", "Answer due";
    cs_share_unconditional: "无条件共享", "Shared unconditionally";
    cs_share_conditional: "有条件共享", "Shared on conditions";
    cs_share_not_shared: "不予共享", "Not shared";
    cs_open_open: "无条件开放", "Open";
    cs_open_conditional: "有条件开放", "Open on conditions";
    cs_open_closed: "不予开放", "Not open";
    cs_category_base: "基础信息资源", "Base resource";
    cs_category_theme: "主题信息资源", "Theme resource";
    cs_category_department: "部门信息资源", "Department resource";
    cs_grade_general: "一般", "General";
    cs_grade_important: "重要", "Important";
    cs_grade_core: "核心", "Core";
    cs_verify_only: "仅核验，不返回原值", "verify only: the value is never returned";
    cs_resource_facts: "资源信息", "About the resource";
    cs_resource_items: "信息项", "Fields (信息项)";
    cs_resource_items_hint: "核心信息项只能核验（比对是否一致），不会返回原值。", "Core fields can only be verified (match or not); their values are never returned.";
    cs_fact_code: "资源代码", "Resource code";
    cs_fact_provider: "提供单位", "Provider";
    cs_fact_category: "资源分类", "Category";
    cs_fact_summary: "摘要", "Summary";
    cs_fact_share_type: "共享类型", "Share type";
    cs_fact_share_condition: "共享条件", "Conditions of sharing";
    cs_fact_open_type: "开放类型", "Open type";
    cs_fact_update_cycle: "更新周期", "Update cycle";
    cs_fact_legal_basis: "法律法规依据", "Legal basis";
    cs_fact_version: "发布版本", "Published version";
    cs_fact_region: "行政区划", "Region";
    cs_request_title: "使用这项资源", "Use this resource";
    cs_subscribe_intro: "此资源为无条件共享：订阅后立即生效，所选系统即可通过接口调用所选信息项，无需等待审批。", "This resource is shared unconditionally: a subscription takes effect at once and the chosen system may call the chosen fields through the API, with no approval to wait for.";
    cs_subscribe_button: "确认订阅", "Confirm the subscription";
    cs_apply_intro: "此资源为有条件共享：需提出申请，由提供单位在规定的工作日内答复。", "This resource is shared on conditions: apply, and the provider answers within the set working days.";
    cs_apply_link: "申请使用此资源", "Apply to use this resource";
    cs_refused_title: "此资源不能订阅或申请", "This resource cannot be subscribed to or applied for";
    cs_not_consumer_title: "订阅和申请由使用部门办理", "Consumer departments subscribe and apply";
    cs_label_system: "使用系统", "Consumer system";
    cs_hint_system: "将调用接口的本单位应用系统。", "Your organisation's system that will call the API.";
    cs_label_fields: "需要的信息项", "Fields needed";
    cs_hint_fields: "只选择业务必需的信息项（最小必要原则）。", "Choose only the fields the work needs (data minimisation).";
    cs_label_purpose: "使用目的", "Purpose";
    cs_hint_purpose: "说明用这些数据办理什么事项。", "Say what the data is used for.";
    cs_label_scene: "应用场景", "Scene";
    cs_hint_scene: "在哪个业务环节、由谁使用。", "In which step of the work, and by whom.";
    cs_label_legal_basis: "法律法规依据", "Legal basis";
    cs_hint_legal_basis: "列出允许使用这些数据的法律、法规或文件条款。", "Cite the law, regulation or document that allows this use.";
    cs_label_days: "使用期限（天）", "Duration (days)";
    cs_hint_days: "1 至 1098 天。", "1 to 1,098 days.";
    cs_optional: "（选填）", " (optional)";
    cs_required_mark: "（必填）", " (required)";
    cs_apply_title_before: "申请使用：", "Apply to use: ";
    cs_apply_continue: "继续", "Continue";
    cs_errors_title: "请修改以下问题后再提交", "Fix these problems, then submit again";
    cs_error_system: "请选择本单位的一个应用系统。", "Choose one of your organisation's systems.";
    cs_error_days: "请填写使用期限：1 至 1098 之间的整数天数。", "Enter the duration as a whole number of days from 1 to 1,098.";
    cs_check_title: "核对申请内容", "Check your application";
    cs_check_intro: "提交前请核对以下内容。提交后提供单位会收到通知。", "Check these answers before you send them. The provider is notified when you send.";
    cs_check_due_before: "提供单位须在 ", "The provider must answer by ";
    cs_check_due_after: " 前答复（按平台工作日历计算）。", " (counted in working days on the platform calendar).";
    cs_check_due_unknown: "答复期限暂不能确定：平台尚未载入该年度的工作日历，申请会列入督办，由平台运营方跟进。", "The answer deadline cannot be set yet: that year's working-day calendar is not loaded; the application goes on the supervision list for the operator.";
    cs_check_fields: "申请的信息项", "Fields asked for";
    cs_check_change: "修改", "Change";
    cs_check_send: "提交申请", "Send the application";
    cs_filed_notice_before: "申请已提交，编号 ", "Application sent, number ";
    cs_filed_notice_after: "。提供单位答复后，您会在消息中收到结果。", ". You will get the answer in your messages.";
    cs_application_title: "共享申请", "Sharing application";
    cs_application_back: "返回我的授权与申请", "Back to my grants and applications";
    cs_app_pending: "待答复", "Awaiting answer";
    cs_app_approved: "已同意", "Approved";
    cs_app_rejected: "已驳回", "Rejected";
    cs_app_withdrawn: "已撤回", "Withdrawn";
    cs_grant_active: "有效", "Active";
    cs_grant_expired: "已到期", "Expired";
    cs_grant_revoked: "已撤销", "Revoked";
    cs_grants_title: "我的授权与申请", "My grants and applications";
    cs_grants_intro: "本单位各系统获得的授权，以及本单位提出的申请。", "The grants your organisation's systems hold, and the applications it made.";
    cs_grants_heading: "本单位的授权", "Your organisation's grants";
    cs_grants_empty: "本单位还没有授权。请先查找数据资源，订阅无条件共享的资源或申请有条件共享的资源。", "Your organisation holds no grant yet. Find a resource, then subscribe to it or apply for it.";
    cs_applications_heading: "本单位的申请", "Your organisation's applications";
    cs_applications_empty: "本单位还没有提出申请。", "Your organisation has made no application yet.";
    cs_days_left_before: "剩 ", "";
    cs_days_left_after: " 天", " day(s) left";
    cs_no_quota: "不限", "no limit";
    cs_quota_reached: "已达上限", "quota reached";
    cs_subscribed_before: "订阅已生效（授权 ", "Subscribed (grant ";
    cs_subscribed_middle: "）：", "): ";
    cs_subscribed_until: "，至 ", ", until ";
    cs_needs_title: "共享需求", "Sharing needs";
    cs_needs_intro: "平台上找不到所需数据时，在这里提出需求（需求清单）。平台运营方或提供单位确认后，会为您匹配资源。", "When the data you need is not on the platform, state a need here (需求清单). The operator or a provider confirms it and matches a resource.";
    cs_needs_form_title: "提出新需求", "State a new need";
    cs_needs_list_title: "本单位的需求", "Your organisation's needs";
    cs_needs_empty: "本单位还没有提出需求。", "Your organisation has stated no need yet.";
    cs_label_need_title: "需求名称", "Name of the need";
    cs_hint_need_title: "一句话说明需要什么数据。", "One line saying what data you need.";
    cs_label_need_description: "需求说明", "Description";
    cs_hint_need_description: "用途、所需信息项、频率等。", "What it is for, which fields, how often.";
    cs_label_need_resource: "相关资源代码", "Related resource code";
    cs_hint_need_resource: "如已知道对应的目录资源，可填写其代码。", "If you know the catalog resource, give its code.";
    cs_needs_submit: "提交需求", "Submit the need";
    cs_need_stated: "需求已提交，平台运营方会尽快确认。", "Need submitted; the operator will confirm it soon.";
    cs_need_open: "待确认", "Awaiting confirmation";
    cs_need_confirmed: "已确认", "Confirmed";
    cs_need_satisfied: "已满足", "Satisfied";
    cs_need_rejected: "已驳回", "Rejected";
    cs_working_days_before: "（", " (";
    cs_working_days_after: " 个工作日）", " working days)";
    action_view: "查看", "View";
    nav_api_docs: "接口文档", "API documentation";
    nav_audit: "审计", "Audit";
    nav_audit_log: "审计日志查询", "Search the audit log";
    nav_checkpoint: "检查点与见证", "Checkpoint and witnesses";
    nav_my_data_group: "我的数据", "My data";
    nav_my_data: "谁用了我的数据", "Who used my data";
    audit_title: "查询审计日志", "Search the audit log";
    audit_intro: "按单位、系统、资源、操作、数据主体和时间查询平台的每一次操作与数据访问，最新的在前。", "Find every action and data access on the platform by organisation, system, resource, action, data subject and time, newest first.";
    audit_filters: "筛选条件", "Filters";
    audit_f_org: "操作单位代码", "Organisation code";
    audit_f_system: "应用系统代码", "System code";
    audit_f_resource: "资源代码", "Resource code";
    audit_f_action: "操作类型", "Action";
    audit_f_action_hint: "例如 exchange.lookup、share.approve、catalog.publish", "e.g. exchange.lookup, share.approve, catalog.publish";
    audit_f_subject: "数据主体证件号码", "Data subject's ID number";
    audit_f_subject_hint: "公民身份号码或统一社会信用代码。号码在服务器上转为密钥哈希后查询，不会出现在网址中，也不会被记录。", "Citizen ID number or unified social credit code. It is turned into a keyed hash on the server, never put in the address and never logged.";
    audit_f_kind: "主体类型", "Subject kind";
    audit_kind_person: "公民", "Citizen";
    audit_kind_company: "法人", "Company";
    audit_f_since: "起始日期（含）", "From (inclusive)";
    audit_f_until: "截止日期（含）", "To (inclusive)";
    audit_date_hint: "按北京时间，格式 2026-12-09", "China time, as 2026-12-09";
    audit_search: "查询", "Search";
    audit_clear: "清除条件", "Clear filters";
    audit_export: "导出 CSV", "Export CSV";
    audit_export_hint: "导出当前条件下的全部记录（最多 10,000 条），最新的在前。", "Exports every entry matching these filters (up to 10,000), newest first.";
    audit_bad_date: "日期格式不正确，请按 2026-12-09 的格式填写。", "The date is not valid; write it as 2026-12-09.";
    audit_errors_title: "请修改以下问题", "Please fix the following";
    audit_empty: "没有符合条件的记录。请放宽筛选条件，例如去掉时间范围或操作类型。", "No entry matches. Try fewer filters, e.g. without the time range or the action.";
    audit_subject_note: "以下为按数据主体查询的结果；证件号码未写入网址。翻页请使用下方按钮。", "Results of a search by data subject; the ID number is not in the address. Use the buttons below to page.";
    col_index: "序号", "Index";
    col_actor: "操作单位", "Organisation";
    col_system: "系统", "System";
    col_person: "操作人", "Person";
    col_action_kind: "操作", "Action";
    col_grant: "授权", "Grant";
    col_result: "结果", "Result";
    col_verify: "浏览器验证", "Checked in your browser";
    entry_title: "审计记录", "Audit entry";
    entry_fields: "记录内容", "What was recorded";
    entry_version: "资源版本", "Resource version";
    entry_subjects: "涉及的数据主体（密钥哈希）数量", "Data subjects (keyed hashes)";
    entry_proof_title: "包含证明", "Inclusion proof";
    entry_proof_intro: "以下证明表明本条记录包含在最新签名检查点所承诺的日志中（RFC 9162）。任何人可用公开的检查点与公钥独立核对。", "This proof shows the entry is in the log the latest signed checkpoint commits to (RFC 9162). Anyone can check it with the public checkpoint and key.";
    entry_leaf_hash: "叶子哈希", "Leaf hash";
    entry_tree_size: "检查点日志大小", "Checkpoint tree size";
    entry_root: "检查点根哈希", "Checkpoint root hash";
    entry_path: "证明路径", "Proof path";
    entry_path_empty: "（空：日志只有这一条记录）", "(empty: the log holds only this entry)";
    entry_server_check: "服务器核对结果", "Checked by the server";
    entry_proof_ok: "证明有效：由叶子哈希和证明路径算出的根哈希与检查点一致。", "Valid: the root computed from the leaf hash and the path equals the checkpoint's.";
    entry_proof_bad: "证明无效：算出的根哈希与检查点不一致，请立即报告平台运营方。", "Invalid: the computed root differs from the checkpoint's. Report this to the platform operator now.";
    entry_not_yet: "本条记录在最新检查点之后封存，下一个检查点签发后（通常几秒内）即可取得包含证明。", "This entry was sealed after the latest checkpoint; its proof is available once the next checkpoint is signed (usually within seconds).";
    entry_back: "返回查询结果", "Back to the search";
    checkpoint_title: "最新签名检查点与见证", "Latest signed checkpoint and witnesses";
    checkpoint_intro: "检查点是平台对整个审计日志的签名承诺（C2SP 签名便笺格式）。见证方独立核对后联署，平台便无法向不同的人出示不同的日志。", "A checkpoint is the platform's signed commitment to the whole audit log (C2SP signed note). Witnesses check it independently and cosign, so the platform cannot show different logs to different people.";
    checkpoint_origin: "日志名称", "Log origin";
    checkpoint_text: "检查点原文", "Checkpoint text";
    checkpoint_key: "平台公钥", "Platform public key";
    checkpoint_signatures: "签名", "Signatures";
    checkpoint_signer: "签名方", "Signer";
    checkpoint_key_hash: "密钥标识", "Key ID";
    checkpoint_role: "角色", "Role";
    checkpoint_role_log: "本平台", "This platform";
    checkpoint_role_witness: "见证方", "Witness";
    checkpoint_sig_ok: "签名有效", "Valid signature";
    checkpoint_sig_bad: "签名无效", "Invalid signature";
    checkpoint_witness_checked: "已登记见证方的联署，收录前已核验", "Cosignature of a registered witness, checked when received";
    checkpoint_no_witness: "此检查点尚无见证方联署。", "No witness has cosigned this checkpoint yet.";
    my_data_title: "谁用了我的数据", "Who used my data";
    my_data_intro: "以下是各部门访问您（本单位）数据的全部记录，最新的在前。每条记录都可以在您自己的浏览器中验证：确认它确实写入了平台无法篡改的审计日志。", "Every access by a department to your (your company's) data, newest first. Each can be checked in your own browser: that it is in the platform's tamper-evident audit log.";
    my_data_empty: "目前没有部门访问过您的数据。一旦有访问，会出现在这里。", "No department has accessed your data yet. Any access will appear here.";
    my_data_who: "使用单位", "Used by";
    my_data_purpose: "用途", "Purpose";
    my_data_key_note: "验证所用的平台公钥如下，可与省政府门户网站公布的公钥逐字比对：", "The platform key used for the check is below; compare it letter by letter with the one published on the provincial government's website:";
    verify_noscript: "需启用浏览器脚本才能验证", "Needs script to check";
    verify_checking: "正在验证…", "Checking…";
    verify_ok: "已验证", "Verified";
    verify_bad: "未通过验证", "Not verified";
    verify_unsupported: "无法验证：您的浏览器不支持 Ed25519 签名验证，请换用新版浏览器", "Cannot check: your browser does not support Ed25519 signatures; use a recent browser";
    verify_again: "再次验证", "Verify again";
    verify_all_ok: "全部记录已在您的浏览器中验证：检查点签名有效，每条记录都包含在检查点承诺的日志中。", "All entries checked in your browser: the checkpoint's signature is valid and every entry is in the log it commits to.";
    verify_some_bad: "有记录未通过验证：请截图保存本页，并向平台运营方或监督部门反映。", "Some entries failed the check: keep a screenshot of this page and report it to the platform operator or the supervising authority.";
    verify_sig_bad: "检查点签名未通过验证：本页的数据不能证明已写入审计日志。", "The checkpoint's signature failed the check: nothing on this page is proven to be in the audit log.";
    verify_overall_noscript: "在浏览器中验证需要启用脚本；启用后刷新本页即可自动验证。", "Checking in your browser needs script; enable it and reload this page.";
    login_title: "登录工作台", "Sign in to the console";
    login_intro: "请使用本单位分配的账号登录。", "Sign in with the account your organisation gave you.";
    username: "用户名", "Username";
    password: "密码", "Password";
    sign_in: "登录", "Sign in";
    login_failed_title: "登录未成功", "Sign-in failed";
    login_wrong: "用户名或密码不正确。请检查后重试；连续输错 5 次，账号将暂时锁定。", "Wrong username or password. Check them and try again; after 5 wrong tries the account is locked for a while.";
    login_missing: "请填写用户名和密码。", "Enter your username and password.";
    login_locked_before: "登录失败次数过多，为保护账号已暂时锁定。请在 ", "Too many failed sign-ins: the account is locked for now to protect it. Try again in ";
    login_locked_after: " 分钟后再试；如忘记密码，请联系本单位管理员。", " minutes; if you forgot your password, ask your organisation's administrator.";
    login_expired: "表单已过期，请重新登录。", "The form expired; please sign in again.";
    dec_request_title: "申请内容", "The request";
    dec_fields_title: "申请的信息项", "Fields asked for";
    col_field: "信息项", "Field";
    col_code: "代码", "Code";
    col_grade: "分级", "Grade";
    grade_general: "一般", "General";
    grade_important: "重要", "Important";
    grade_core: "核心（仅核验）", "Core (verify only)";
    dec_time_left: "剩余答复时间", "Time left to answer";
    dec_form_title: "作出决定", "Your decision";
    dec_decision_legend: "是否同意这项申请？", "Do you approve this application?";
    dec_approve: "同意", "Approve";
    dec_reject: "驳回", "Reject";
    dec_fields_legend: "同意开放的信息项", "Fields to grant";
    dec_fields_hint: "已勾选申请的全部信息项；取消勾选即只同意其中一部分。", "Every field asked for is ticked; untick those you do not grant.";
    dec_days_label: "使用期限（天）", "Duration (days)";
    dec_days_hint_before: "可缩短，不超过申请的 ", "May be shorter, at most the ";
    dec_days_hint_after: " 天；留空即按申请期限。", " days asked for; leave empty to grant them all.";
    dec_reason_label: "意见或驳回理由", "Opinion or reason for rejecting";
    dec_reason_hint: "驳回时必填，将原文发送给申请单位。", "Required when rejecting; sent to the applicant as written.";
    dec_continue: "继续", "Continue";
    errors_title: "请修正以下问题", "There is a problem";
    dec_decision_missing: "请选择同意或驳回。", "Choose approve or reject.";
    dec_days_invalid: "使用期限请填写正整数天数，例如 180。", "Enter the duration as a whole number of days, for example 180.";
    check_title: "确认您的决定", "Check your decision";
    check_intro: "提交后不能撤回。请核对将发生的变化：", "This cannot be undone. Check what will change:";
    check_decision: "决定", "Decision";
    check_granted: "将开放的信息项", "Fields granted";
    check_not_granted: "不开放的信息项", "Fields not granted";
    check_until: "授权有效至", "Grant valid until";
    check_notified: "将通知", "Who is notified";
    check_notified_after: "（申请单位，站内消息及其回调地址）", " (the applicant, by message and its webhooks)";
    check_change: "返回修改", "Change";
    check_confirm_approve: "确认同意", "Confirm approval";
    check_confirm_reject: "确认驳回", "Confirm rejection";
    none_text: "无", "None";
    banner_title: "处理完成", "Done";
    banner_approved: "已批准：", "Approved: ";
    banner_can_read: " 可读取 ", " may read ";
    banner_until: "，至 ", ", until ";
    banner_rejected: "已驳回，已通知申请单位：", "Rejected; the applicant was told: ";
    receipt_label: "审计日志条目", "Audit log entry";
    receipt_pending: "审计条目正在封存，稍后刷新可见序号。", "The audit entry is being sealed; reload shortly to see its index.";
    decided_title: "该申请已处理", "This application was decided already";
    decided_text: "无需再次答复。处理结果如下：", "There is nothing more to do. It was decided as follows:";
    decided_by: "处理人", "Decided by";
    decided_at: "处理时间", "Decided on";
    status_pending: "待答复", "Waiting for an answer";
    status_approved: "已同意", "Approved";
    status_rejected: "已驳回", "Rejected";
    status_withdrawn: "已撤回", "Withdrawn";
    prop_reviews_title: "三方审核状态", "The three reviews";
    prop_fields_title: "资源的信息项", "The resource's fields";
    col_reviewer_role: "审核方", "Reviewer";
    col_review_state: "审核结果", "Review";
    col_opinion: "意见", "Opinion";
    role_platform_admin: "平台管理员", "Platform operator";
    role_legal: "法制审核", "Legal review";
    role_secrecy: "保密审核", "Secrecy review";
    review_waiting: "待审核", "Waiting";
    review_approved: "同意", "Approved";
    review_rejected: "不同意", "Rejected";
    prop_form_title: "您的审核意见", "Your review";
    prop_as_role: "以哪个身份审核", "Review as";
    prop_decision_legend: "是否同意这项提议？", "Do you approve this proposal?";
    prop_approve: "同意", "Approve";
    prop_reject: "不同意", "Reject";
    prop_opinion_label: "意见", "Opinion";
    prop_opinion_hint: "不同意时必填，说明理由。任何一方不同意，提议即不通过；三方都同意后立即生效，相关授权随之终止。", "Required when rejecting. Any rejection rejects the proposal; once all three approve it takes effect and the resource's grants end.";
    prop_submit: "提交审核意见", "Submit review";
    prop_reviewed: "已提交您的审核意见。", "Your review was recorded.";
    prop_role_missing: "请选择审核身份。", "Choose the role you review as.";
    nav_review: "发布审核", "Publication review";
    review_title: "待发布审核的资源", "Resources waiting for publication";
    review_intro: "提供单位提交的目录资源，核对元数据与信息项后发布，或说明理由退回。", "Resources submitted by their providers: check the metadata and fields, then publish or return with a reason.";
    review_empty: "目前没有待审核的资源。提供单位提交后会出现在这里。", "No resource waits for review. Submissions will appear here.";
    col_kind: "类型", "Kind";
    kind_first: "首次发布", "First publication";
    kind_change: "变更", "Change";
    col_code_resource: "资源代码", "Resource code";
    action_review_resource: "审核", "Review";
    meta_summary: "摘要", "Summary";
    meta_share_type: "共享类型", "Sharing";
    meta_share_condition: "共享条件", "Sharing condition";
    meta_open_type: "开放类型", "Opening";
    meta_update_cycle: "更新周期", "Update cycle";
    meta_key_fields: "主键信息项", "Key fields";
    col_type: "数据类型", "Type";
    col_required: "必填", "Required";
    yes: "是", "Yes";
    no: "否", "No";
    review_publish_title: "发布", "Publish";
    review_publish_hint: "发布后即成为新版本，全省可按共享类型检索和申请。", "Publishing makes it the next version, searchable and open to applications as its sharing allows.";
    review_publish: "发布此资源", "Publish this resource";
    review_return_title: "退回", "Return";
    return_reason_label: "退回理由", "Reason for returning";
    return_reason_hint: "必填，将发送给提供单位，请说明需要修改什么。", "Required; sent to the provider: say what must change.";
    review_return: "退回提供单位", "Return to the provider";
    review_published: "已发布：", "Published: ";
    review_returned: "已退回：", "Returned: ";
    review_not_submitted: "该资源当前不在待审核状态。", "This resource is not waiting for review.";
    home_title: "待办事项", "To-dos";
    home_intro: "以下事项等待您处理，最紧急的在前。", "These wait for you, most urgent first.";
    home_nothing: "目前没有等待您处理的事项。新的申请、审核和消息会出现在这里。", "Nothing waits for you now. New applications, reviews and messages will appear here.";
    answers_title: "待我答复的共享申请", "Sharing applications waiting for my answer";
    answers_hint: "请在期限内答复；逾期申请会上报省大数据管理局督办。", "Answer within the deadline; overdue applications go to the bureau's supervision list.";
    reviews_title: "待我审核的负面清单提议", "Negative-list proposals waiting for my review";
    needs_title: "待我确认的共享需求", "Sharing needs waiting for my confirmation";
    imports_title: "未成功的数据导入", "Imports that did not succeed";
    unread_title: "未读消息", "Unread messages";
    col_item: "事项", "Item";
    col_resource: "资源", "Resource";
    col_consumer: "申请单位", "Applicant";
    col_filed: "提交时间", "Filed";
    col_deadline: "答复期限", "Deadline";
    col_action: "操作", "Action";
    col_provider: "提供单位", "Provider";
    col_change: "提议", "Proposal";
    col_org: "需求单位", "Requested by";
    col_title: "标题", "Title";
    col_status: "状态", "Status";
    col_rejected_rows: "被拒行数", "Rejected rows";
    col_started: "开始时间", "Started";
    col_message: "消息", "Message";
    col_time: "时间", "Time";
    left_before: "剩 ", "";
    left_after: " 个工作日", " working day(s) left";
    overdue_before: "已超期 ", "Overdue by ";
    overdue_after: " 个工作日", " working day(s)";
    due_today: "今日到期", "Due today";
    overdue_plain: "已超期", "Overdue";
    deadline_unknown: "期限未定：日历未载入该年度", "Deadline unknown: that year's calendar is not loaded";
    action_answer: "查看并答复", "View and answer";
    action_review: "查看并审核", "View and review";
    action_confirm: "查看并确认", "View and confirm";
    action_report: "查看报告", "View report";
    action_open_inbox: "查看消息", "Open messages";
    add_to_list: "列入负面清单", "Add to the negative list";
    remove_from_list: "移出负面清单", "Remove from the negative list";
    import_failed: "导入失败", "Failed";
    import_rejected: "有错误行，整批未导入", "Rows with errors: nothing imported";
    unread_before: "您有 ", "You have ";
    unread_after: " 条未读消息。", " unread message(s).";
    inbox_title: "消息", "Messages";
    inbox_intro: "本单位收到的通知，最新的在前。", "Notifications to your organisations, newest first.";
    inbox_empty: "暂无消息。共享申请、审核结果等通知会出现在这里。", "No messages yet. Notices about applications and reviews will appear here.";
    inbox_unread: "未读", "Unread";
    inbox_read: "已读", "Read";
    mark_read: "标为已读", "Mark as read";
    marked_read: "已标为已读。", "Marked as read.";
    total_before: "共 ", "";
    total_after: " 条", " in all";
    page_prev: "上一页", "Previous page";
    page_next: "下一页", "Next page";
    detail_title_application: "共享申请", "Sharing application";
    detail_title_proposal: "负面清单提议", "Negative-list proposal";
    detail_title_need: "共享需求", "Sharing need";
    detail_title_batch: "导入批次", "Import batch";
    detail_note: "此页仅供查看；答复与审核表单将在后续版本中提供，现可通过接口办理。", "This page is for reading; the forms to answer and review come in a later version and can be used through the API meanwhile.";
    back_home: "返回待办事项", "Back to to-dos";
    forbidden_title: "无权查看此页面", "You may not see this page";
    forbidden_fix: "如您认为应当有权访问，请联系本单位管理员或平台运营方分配相应角色。", "If you think you should have access, ask your organisation's administrator or the platform operator for the role.";
    not_found_title: "页面不存在", "Page not found";
    not_found_text: "该页面不存在，或您无权查看其中的内容。请从左侧导航重新进入。", "The page does not exist or is not visible to you. Start again from the navigation.";
    csrf_title: "请求未被接受", "Request refused";
    csrf_text: "为防止跨站伪造请求，此次提交已被拒绝：表单可能已过期，或来自其他网站。请返回页面刷新后重新提交。", "To guard against cross-site request forgery this submission was refused: the form may have expired or come from another site. Go back, reload the page and submit again.";
    error_title: "出错了", "Something went wrong";
    error_text: "平台内部错误，已记录日志。请稍后重试；如仍出错，请联系平台运营方。", "An internal error, logged. Please retry later; if it persists, contact the platform operator.";
    unavailable_text: "审计日志暂不可用，为保证全程留痕，本次操作未执行。请稍后重试。", "The audit log is unavailable, so nothing was done (every action must be sealed). Please retry later.";
    field_id: "编号", "Number";
    field_system: "申请系统", "Requesting system";
    field_fields: "申请的信息项", "Fields requested";
    field_purpose: "使用目的", "Purpose";
    field_scene: "应用场景", "Scene";
    field_legal_basis: "法律依据", "Legal basis";
    field_days: "使用期限（天）", "Duration (days)";
    field_due: "答复截止日期", "Answer due";
    field_reason: "理由", "Reason";
    field_awaiting: "尚待审核的角色", "Reviews still missing";
    field_description: "说明", "Description";
    field_error: "错误", "Error";
    field_rows_read: "读取行数", "Rows read";
    field_filed_by: "提交人", "Filed by";
    // Operator: administration
    op_nav_group: "平台管理", "Administration";
    op_nav_systems: "系统与令牌", "Systems and tokens";
    op_nav_accounts: "账号与角色", "Accounts and roles";
    op_nav_stats: "平台统计", "Platform figures";
    op_nav_conversions: "转为无条件共享", "Conversions to unconditional sharing";
    op_nav_reviews: "负面清单审核", "Negative-list reviews";
    op_errors_title: "请修改以下问题后再提交", "Fix these problems, then submit again";
    op_required_mark: "（必填）", " (required)";
    op_optional: "（选填）", " (optional)";
    op_choose: "请选择", "Choose";
    op_filter_org: "所属单位", "Organisation";
    op_filter_all: "全部单位", "All organisations";
    op_filter_status: "状态", "Status";
    op_filter_all_status: "全部状态", "All statuses";
    op_filter_apply: "筛选", "Filter";
    op_filters: "筛选条件", "Filters";
    op_cancel: "取消", "Cancel";
    op_systems_title: "应用系统与令牌", "Information systems and their tokens";
    op_systems_intro: "各部门接入平台的应用系统。登记系统后可为其签发接口令牌；令牌只在签发时显示一次。", "The departments' systems connected to the platform. Once a system is registered it can be issued API tokens; a token is shown only once, when issued.";
    op_systems_empty: "没有符合条件的应用系统。请换一个单位，或登记新系统。", "No system matches. Choose another organisation, or register a system.";
    op_register_system: "登记新系统", "Register a system";
    op_col_system_code: "系统代码", "System code";
    op_col_system: "应用系统", "Information system";
    op_col_name: "名称", "Name";
    op_col_org: "所属单位", "Organisation";
    op_col_tokens: "有效令牌", "Tokens in force";
    op_action_manage: "管理", "Manage";
    op_register_title: "登记应用系统", "Register an information system";
    op_register_intro: "登记后即可为该系统签发接口令牌。登记记入审计日志。", "Once registered, the system can be issued API tokens. The registration is sealed in the audit log.";
    op_label_code: "系统代码", "System code";
    op_hint_code: "2–40 位小写字母、数字或连字符，登记后不能修改，例如 hr-social-card。", "2–40 lower-case letters, digits or hyphens; it never changes. For example hr-social-card.";
    op_label_name: "系统名称", "System name";
    op_hint_name: "中文名称，最多 100 字。", "The Chinese name, at most 100 characters.";
    op_label_name_en: "英文名称", "English name";
    op_hint_name_en: "在英文界面中显示。", "Shown in the English pages.";
    op_label_org: "所属单位", "Organisation";
    op_hint_org: "使用该系统并对其调用负责的部门。", "The department that uses the system and answers for its calls.";
    op_org_missing: "请选择所属单位。", "Choose the organisation.";
    op_label_description: "说明", "Description";
    op_hint_description: "系统的用途，便于审计时识别。", "What the system is for, so auditors can tell.";
    op_register_submit: "登记系统", "Register the system";
    op_registered: "已登记应用系统：", "System registered: ";
    op_system_title_before: "应用系统：", "Information system: ";
    op_system_facts: "系统信息", "About the system";
    op_tokens_title: "接口令牌", "API tokens";
    op_tokens_empty: "该系统还没有令牌。签发令牌后，系统才能调用交换接口。", "This system has no token yet. It can call the exchange API once a token is issued.";
    op_col_token_name: "令牌名称", "Token name";
    op_col_prefix: "前缀", "Prefix";
    op_col_created: "签发时间", "Issued";
    op_col_issued_by: "签发人", "Issued by";
    op_col_expires: "到期时间", "Expires";
    op_col_state: "状态", "State";
    op_token_active: "有效", "In force";
    op_token_expired: "已过期", "Expired";
    op_token_revoked: "已吊销", "Revoked";
    op_action_revoke: "吊销", "Revoke";
    op_issue_title: "签发新令牌", "Issue a new token";
    op_issue_intro: "令牌只在签发后显示一次，平台只保存其哈希。签发记入审计日志。", "A token is shown once, when issued; the platform keeps only its hash. Issuing is sealed in the audit log.";
    op_label_token_name: "令牌名称", "Token name";
    op_hint_token_name: "用于区分同一系统的多个令牌，例如 生产环境。", "Tells a system's tokens apart, for example production.";
    op_label_ttl: "有效期（天）", "Valid for (days)";
    op_hint_ttl: "1 至 730 天。", "1 to 730 days.";
    op_ttl_invalid: "有效期请填写 1 至 730 之间的整数天数，例如 90。", "Enter the validity as a whole number of days from 1 to 730, for example 90.";
    op_issue_submit: "签发令牌", "Issue the token";
    op_revoked_notice: "已吊销令牌：", "Token revoked: ";
    op_issued_title: "令牌已签发", "Token issued";
    op_issued_warning: "请立即复制并妥善保存此令牌：离开本页后将不再显示，平台也无法找回。丢失后只能吊销并重新签发。", "Copy this token now and keep it safe: it will not be shown again once you leave this page, and the platform cannot recover it. If it is lost, revoke it and issue another.";
    op_issued_label: "令牌（仅显示这一次）", "Token (shown this once only)";
    op_copy: "复制令牌", "Copy the token";
    op_copied: "已复制到剪贴板。", "Copied to the clipboard.";
    op_copy_failed: "无法自动复制，令牌已选中，请按 Ctrl+C 复制。", "Could not copy automatically; the token is selected, press Ctrl+C.";
    op_back_to_system: "返回系统页面", "Back to the system";
    op_revoke_title: "确认吊销令牌", "Confirm revoking the token";
    op_revoke_intro: "吊销立即生效：使用此令牌的系统下一次调用即被拒绝。此操作不能撤回，并记入审计日志。", "Revoking takes effect at once: the system's next call with this token is refused. It cannot be undone and is sealed in the audit log.";
    op_revoke_confirm: "确认吊销", "Revoke the token";
    op_token_already_revoked: "该令牌已吊销，无需再次操作。", "This token is already revoked; there is nothing to do.";
    op_accounts_title: "账号与角色", "Accounts and roles";
    op_accounts_intro: "各单位人员的账号、角色和状态。创建账号、变更角色和停用都记入审计日志。", "People's accounts, their roles and status. Creating an account, changing roles and disabling are sealed in the audit log.";
    op_accounts_empty: "没有符合条件的账号。请换一个单位，或新建账号。", "No account matches. Choose another organisation, or create an account.";
    op_create_account: "新建账号", "Create an account";
    op_col_username: "用户名", "Username";
    op_col_display_name: "姓名", "Name";
    op_col_roles: "角色", "Roles";
    op_account_enabled: "正常", "Active";
    op_account_disabled: "已停用", "Disabled";
    op_no_roles: "无（公众账号）", "None (a member of the public)";
    op_create_title: "新建账号", "Create an account";
    op_create_intro: "角色授予在所属单位内。请通过安全渠道把初始密码告知本人。", "Roles are held within the account's organisation. Give the initial password to the person through a safe channel.";
    op_label_username: "用户名", "Username";
    op_hint_username: "3–40 位小写字母、数字或 . _ -，例如 zhang.san。登记后不能修改。", "3–40 lower-case letters, digits or . _ -, for example zhang.san. It never changes.";
    op_label_display_name: "姓名", "Name";
    op_hint_display_name: "本人的真实姓名，最多 50 字。", "The person's real name, at most 50 characters.";
    op_label_roles: "角色", "Roles";
    op_hint_roles: "至少选择一个。平台管理员角色只能授予平台运营方的人员。", "Choose at least one. The platform administrator role is only for the platform operator's staff.";
    op_label_password: "初始密码", "Initial password";
    op_hint_password: "至少 10 位，同时包含字母和数字。", "At least 10 characters, with both letters and digits.";
    op_create_submit: "创建账号", "Create the account";
    op_created: "已创建账号：", "Account created: ";
    op_account_title_before: "账号：", "Account: ";
    op_account_facts: "账号信息", "About the account";
    op_roles_title: "角色", "Roles";
    op_roles_intro: "勾选此人在所属单位内担任的角色。保存后立即生效，并记入审计日志。", "Tick the roles this person holds in their organisation. Saving takes effect at once and is sealed in the audit log.";
    op_roles_submit: "保存角色", "Save the roles";
    op_roles_saved: "角色已更新。", "The roles were updated.";
    op_roles_elsewhere: "在其他单位担任的角色（保存时保留）：", "Roles held in other organisations (kept when saving): ";
    op_status_title: "账号状态", "Account status";
    op_disable_intro: "停用后，此人立即退出所有登录且不能再登录；可随时重新启用。", "Once disabled, the person is signed out everywhere at once and cannot sign in; it can be enabled again at any time.";
    op_enable_intro: "启用后，此人可以重新登录。", "Once enabled, the person can sign in again.";
    op_disable_submit: "停用账号", "Disable the account";
    op_enable_submit: "启用账号", "Enable the account";
    op_disabled_notice: "账号已停用。", "The account was disabled.";
    op_enabled_notice: "账号已启用。", "The account was enabled.";
    op_role_platform_admin: "平台管理员", "Platform administrator";
    op_role_data_steward: "数据管理员", "Data steward";
    op_role_consumer_user: "数据使用人员", "Consumer user";
    op_role_auditor: "审计人员", "Auditor";
    op_role_legal_reviewer: "法制审核人员", "Legal reviewer";
    op_role_secrecy_reviewer: "保密审核人员", "Secrecy reviewer";
    op_stats_title: "平台统计", "Platform figures";
    op_stats_intro: "以下数字由平台上实际发生的记录计算，不是填报数据。点击数字可查看明细。", "These figures are computed from what happened on the platform, never typed in. Follow a figure to its list.";
    op_col_figure: "项目", "Figure";
    op_col_count: "数量", "Count";
    op_stats_resources: "目录资源", "Catalog resources";
    op_stats_applications: "共享申请", "Sharing applications";
    op_stats_grants: "授权", "Grants";
    op_stats_needs: "共享需求", "Sharing needs";
    op_stats_lists: "负面清单与转换提议", "Negative list and conversions";
    op_stats_platform: "机构、系统与账号", "Organisations, systems and accounts";
    op_stats_calls: "近 30 天接口调用", "API calls in the last 30 days";
    op_res_draft: "草稿", "Drafts";
    op_res_submitted: "待发布审核", "Waiting for publication";
    op_res_published: "已发布", "Published";
    op_res_retired: "已停用", "Retired";
    op_res_negative: "列入负面清单", "On the negative list";
    op_app_total: "全部申请", "All applications";
    op_app_pending: "待答复", "Waiting for an answer";
    op_app_overdue: "已逾期未答复", "Overdue, not answered";
    op_app_escalated: "列入督办", "On the supervision list";
    op_app_answered: "已答复", "Answered";
    op_app_on_time: "按时答复", "Answered on time";
    op_app_due_unknown: "期限未定", "Deadline unknown";
    op_on_time_rate: "按时答复率", "On-time answer rate";
    op_grants_active: "有效授权", "Grants in force";
    op_grants_expired: "已到期", "Expired";
    op_grants_revoked: "已撤销", "Revoked";
    op_needs_total: "全部需求", "All needs";
    op_needs_open: "待确认", "Waiting for confirmation";
    op_needs_confirmed: "已确认", "Confirmed";
    op_needs_satisfied: "已满足", "Satisfied";
    op_needs_rejected: "已驳回", "Rejected";
    op_need_rate: "需求满足率", "Need satisfaction rate";
    op_conversions_open: "待决定的转换提议", "Conversions waiting for a decision";
    op_proposals_pending: "待审核的负面清单提议", "Negative-list proposals waiting for review";
    op_kind_government: "人民政府", "Governments";
    op_kind_department: "政府部门", "Departments";
    op_kind_unit: "内设机构", "Units";
    op_kind_operator: "平台运营方", "Platform operator";
    op_systems_count: "应用系统", "Information systems";
    op_accounts_count: "账号", "Accounts";
    op_accounts_disabled_count: "已停用账号", "Disabled accounts";
    op_tokens_active: "有效令牌", "Tokens in force";
    op_calls: "调用次数", "Calls";
    op_records: "返回记录数", "Records returned";
    op_refused: "被拒绝次数", "Refused calls";
    op_no_rate: "—（尚无数据）", "— (no data yet)";
    op_stats_orgs: "各单位的系统、人员与近 30 天调用", "Each organisation's systems, staff and calls in the last 30 days";
    op_col_org_name: "单位", "Organisation";
    op_col_staff: "工作人员账号", "Staff accounts";
    op_conv_title: "转为无条件共享的提议", "Proposals to share unconditionally";
    op_conv_intro: "有条件共享的资源获准向 5 个以上部门共享时，平台提议转为无条件共享。提供单位的数据管理员决定接受或保留（保留须说明法律依据）；接受后的目录变更由平台运营方发布。", "When a conditional resource is approved for more than 5 departments, the platform proposes sharing it unconditionally. The provider's data steward accepts or keeps it conditional (citing the legal basis); an accepted change is published by the operator.";
    op_conv_empty: "没有符合条件的转换提议。", "No conversion proposal matches.";
    op_col_consumers: "已获准部门数", "Departments approved";
    op_col_proposed: "提议时间", "Proposed";
    op_conv_proposed: "待提供方决定", "Waiting for the provider";
    op_conv_accepted: "已接受", "Accepted";
    op_conv_kept: "保留有条件共享", "Kept conditional";
    op_conv_accept: "接受，转为无条件共享", "Accept: share unconditionally";
    op_conv_publish: "去发布审核", "Review for publication";
    op_conv_accepted_notice: "已接受转换提议：目录变更已提交，等待平台运营方发布。", "Conversion accepted: the catalog change was submitted and waits for the operator to publish it.";
    op_conv_waiting: "等待提供单位的数据管理员决定", "Waiting for the provider's data steward";
    op_reviews_title: "待我审核的负面清单提议", "Negative-list proposals waiting for my review";
    op_reviews_intro: "提供单位提议列入或移出共享负面清单的资源。请核对法律依据、理由和资源的信息项后审核；平台运营方、法制审核、保密审核三方都同意后生效，相关授权随即终止。", "Resources their providers propose to put on (or take off) the negative list. Check the legal basis, the reason and the resource's fields, then review; once the operator, the legal office and the secrecy office all approve, it takes effect and the resource's grants end.";
    op_reviews_empty: "目前没有等待您审核的提议。提供单位提出后会出现在这里。", "No proposal waits for your review. New proposals will appear here.";
    op_reviews_as: "您的审核身份：", "You review as: ";
    op_action_review_proposal: "审核此提议", "Review this proposal";
    op_col_items: "信息项（分级）", "Fields (grade)";
    op_still_missing: "尚待审核：", "Still missing: ";
}
