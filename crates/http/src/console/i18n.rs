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
}
