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
}
