//! Every string of the portal's pages as a Chinese and English pair, made by the console's
//! own table macro, so a missing translation fails to compile. The language is the console's
//! too: the same cookie, switched from either side.
use shuqiao_core::catalog::{Category, Format, ItemType, OpenType, UpdateCycle};

use crate::console::i18n::{strings, Lang};

/// The portal's words in `lang`.
pub fn words(lang: Lang) -> &'static Strings {
    match lang {
        Lang::Zh => &ZH,
        Lang::En => &EN,
    }
}

strings! {
    product: "数桥 公共数据开放平台", "Shuqiao Open Data Portal";
    tagline: "政府部门依法开放的公共数据，免费浏览、下载和调用", "Public data opened by government departments: browse, download and call it for free";
    skip_to_content: "跳到正文", "Skip to content";
    switch_language: "English", "中文";
    switch_language_label: "Switch to English", "切换为中文";
    nav_label: "网站导航", "Site navigation";
    nav_home: "首页", "Home";
    nav_datasets: "数据目录", "Datasets";
    search_label: "搜索开放数据", "Search open data";
    search_hint: "例如：企业、营业执照、Enterprise", "For example: 企业, 营业执照, Enterprise";
    search_button: "搜索", "Search";
    footer_label: "网站信息", "About this site";
    footer_api: "CKAN 兼容接口", "CKAN-compatible API";
    footer_dcat: "DCAT 数据目录（RDF Turtle）", "DCAT catalogue (RDF Turtle)";
    footer_feed: "最近更新（Atom 订阅）", "Latest updates (Atom feed)";
    footer_about: "关于平台 · 部门工作台", "About the platform · Department console";
    footer_licence: "除另有说明外，本站开放数据按 CC BY 4.0 许可使用，请注明来源。", "Unless stated otherwise, the open data here is licensed under CC BY 4.0; credit the source.";
    home_title: "公共数据开放", "Open public data";
    home_datasets: "个数据集", "datasets";
    home_providers: "个开放部门", "providers";
    home_rows: "条可下载记录", "downloadable records";
    home_counts_label: "平台概况", "The portal in figures";
    home_by_provider: "按开放部门浏览", "Browse by provider";
    home_by_category: "按资源分类浏览", "Browse by category";
    home_latest: "最近更新", "Recently updated";
    home_all: "查看全部数据集", "See every dataset";
    search_title: "数据目录", "Datasets";
    search_results_before: "共找到 ", "";
    search_results_after: " 个数据集", " datasets found";
    search_for: "搜索：", "Search: ";
    filters: "筛选", "Filters";
    apply_filters: "应用筛选", "Apply filters";
    clear_filters: "清除全部筛选", "Clear every filter";
    facet_provider: "开放部门", "Provider";
    facet_category: "资源分类", "Category";
    facet_open_type: "开放类型", "Open type";
    facet_format: "数据格式", "Format";
    facet_update_cycle: "更新周期", "Update cycle";
    sort_label: "排序", "Sort by";
    sort_relevance: "相关度", "Relevance";
    sort_modified: "最近更新", "Recently updated";
    sort_name: "名称", "Name";
    sort_issued: "最新开放", "Newest release";
    search_empty: "没有找到符合条件的数据集。请换用其他关键词（中文或英文均可），或清除部分筛选条件再试。", "No dataset matches. Try other words (Chinese or English), or clear some filters.";
    pagination_label: "分页", "Pages";
    prev_page: "上一页", "Previous page";
    next_page: "下一页", "Next page";
    page_before: "第 ", "Page ";
    page_middle: " 页，共 ", " of ";
    page_after: " 页", "";
    records_after: " 条记录", " records";
    modified_label: "修改时间：", "Modified: ";
    fact_provider: "开放部门", "Provider";
    fact_category: "资源分类", "Category";
    fact_open_type: "开放类型", "Open type";
    fact_format: "数据格式", "Format";
    fact_licence: "许可协议", "Licence";
    fact_update_cycle: "更新周期", "Update cycle";
    fact_modified: "修改时间", "Last modified";
    fact_issued: "首次开放", "First released";
    fact_rows: "记录数", "Records";
    fact_code: "资源代码", "Resource code";
    fact_keywords: "关键词", "Keywords";
    fact_version: "目录版本", "Catalogue version";
    facts_label: "数据集信息", "About the dataset";
    on_this_page: "本页内容", "On this page";
    sec_preview: "数据预览", "Data preview";
    sec_dictionary: "数据字典", "Data dictionary";
    sec_downloads: "下载", "Downloads";
    sec_api: "接口调用", "API";
    sec_assessment: "开放安全评估", "Security assessment";
    sec_history: "更新记录", "Update history";
    dict_hint: "数据集包含的信息项。只有可公开的信息项会出现在这里和数据中。", "The fields of the dataset. Only fields that may be public appear here and in the data.";
    dict_name: "信息项名称", "Field";
    dict_code: "代码", "Code";
    dict_type: "数据类型", "Type";
    dict_length: "长度", "Length";
    dict_description: "说明", "Description";
    preview_filters: "按列筛选", "Filter by column";
    preview_filter_hint: "填写完整的值进行精确筛选；填写多列时须同时满足。", "Enter a whole value to filter exactly; with several columns, rows must match them all.";
    preview_apply: "筛选", "Filter";
    preview_clear: "清除筛选", "Clear filters";
    preview_caption: "数据预览", "Data preview";
    preview_empty: "没有符合筛选条件的记录。请检查填写的值，或清除筛选。", "No record matches these filters. Check the values, or clear the filters.";
    preview_no_rows: "这个数据集暂时还没有数据。", "This dataset holds no records yet.";
    preview_total_before: "共 ", "";
    preview_total_after: " 条记录", " records";
    need_apply: "需申请", "Application needed";
    conditional_title: "这个数据集为有条件开放，需申请后使用", "This dataset is open on conditions: apply to use it";
    conditional_condition: "开放条件：", "Conditions: ";
    conditional_no_flow: "注册并登录后在数据集页面在线申请；获批后领取开放数据密钥，下载时在 Authorization 请求头中附上密钥。", "Register, sign in and apply on the dataset's page; once approved, take your open-data key and send it in the Authorization header when downloading.";
    conditional_how: "注册并登录后可在线申请，写明使用目的并同意数据使用协议。提供部门在规定的工作日内答复；获批后在“我的申请”领取开放数据密钥，凭密钥下载和调用。", "Register, sign in and apply online, stating your purpose and accepting the data-use agreement. The provider answers within the set working days; once approved, take your open-data key under My applications and use it to download and call the data.";
    download_csv: "CSV（UTF-8，可用 Excel 打开）", "CSV (UTF-8, opens in Excel)";
    download_json: "JSON", "JSON";
    download_xlsx: "Excel 工作簿（XLSX）", "Excel workbook (XLSX)";
    download_all_before: "每个文件都包含全部 ", "Each file holds all ";
    download_all_after: " 条记录。", " records.";
    download_xlsx_cap: "Excel 工作簿最多容纳 1,048,576 行（含表头一行）；记录更多时，超出部分请下载 CSV 或 JSON。", "An Excel workbook holds at most 1,048,576 rows (one of them the header); for more records, download the CSV or the JSON.";
    api_intro: "通过兼容 CKAN 的接口调用本数据集，无需注册。以下示例可直接复制使用。", "Call this dataset through the CKAN-compatible API, with no registration. Copy the examples below as they are.";
    api_rows: "查询记录（datastore_search）", "Query records (datastore_search)";
    api_meta: "数据集元数据（package_show）", "Dataset metadata (package_show)";
    api_copy: "复制", "Copy";
    api_copied: "已复制", "Copied";
    api_copy_failed: "复制失败，请选中文本后手动复制", "Could not copy: select the text and copy it yourself";
    assess_hint: "开放前，提供部门对数据做了安全评估：", "Before opening, the provider assessed the data's safety:";
    assess_assessor: "评估人", "Assessor";
    assess_date: "评估日期", "Assessed on";
    assess_check: "检查项", "Check";
    assess_result: "结果", "Result";
    assess_note: "说明", "Notes";
    assess_personal: "个人信息", "Personal information";
    assess_reid: "再识别风险", "Re-identification risk";
    assess_secret: "商业秘密", "Trade secrets";
    assess_passed: "通过", "Passed";
    assess_failed: "未通过", "Not passed";
    assess_conclusion: "评估结论", "Conclusion";
    history_link: "查看全部更新记录", "See the whole update history";
    history_title_before: "更新记录：", "Update history: ";
    history_back: "返回数据集", "Back to the dataset";
    history_when: "时间", "When";
    history_what: "更新内容", "What changed";
    history_version_before: "发布第 ", "Published catalogue version ";
    history_version_after: " 版目录信息", "";
    history_inserted: "新增 ", "added ";
    history_updated: "更新 ", "updated ";
    history_deleted: "删除 ", "deleted ";
    history_rows_after: " 条", "";
    history_data: "数据更新：", "Data update: ";
    history_empty: "还没有更新记录。", "No update recorded yet.";
    feed_subscribe: "订阅更新（Atom）", "Follow updates (Atom)";
    feed_site_title: "最近更新的开放数据集", "Recently updated open datasets";
    not_found_title: "没有找到这个页面", "Page not found";
    not_found_text: "没有这个数据集或页面：请检查地址，或在数据目录中搜索。", "There is no such dataset or page: check the address, or search the datasets.";
    conditional_data_title: "这个数据集的数据需申请后使用", "This dataset's data needs an application";
    error_title: "暂时无法完成请求", "The request could not be completed";
    error_text: "服务暂时出现问题，请稍后再试。", "Something went wrong on our side; please try again later.";
    back_home: "返回首页", "Back to the home page";
    open_open: "无条件开放", "Open";
    open_conditional: "有条件开放", "Open on conditions";
    cat_base: "基础信息资源", "Base resource";
    cat_theme: "主题信息资源", "Theme resource";
    cat_department: "部门信息资源", "Department resource";
    uc_realtime: "实时", "Real time";
    uc_daily: "每日", "Daily";
    uc_weekly: "每周", "Weekly";
    uc_monthly: "每月", "Monthly";
    uc_quarterly: "每季度", "Quarterly";
    uc_half_yearly: "每半年", "Every six months";
    uc_yearly: "每年", "Yearly";
    uc_irregular: "不定期", "Irregularly";
    fmt_database: "数据库", "Database";
    fmt_spreadsheet: "电子表格", "Spreadsheet";
    fmt_document: "电子文件", "Document";
    fmt_image: "图形图像", "Image";
    fmt_stream: "流媒体", "Stream";
    fmt_api: "接口", "API";
    it_string: "字符型", "String";
    it_number: "数值型", "Number";
    it_money: "货币型", "Money";
    it_date: "日期型", "Date";
    it_datetime: "日期时间型", "Date and time";
    it_boolean: "逻辑型", "Boolean";
    it_text: "备注型", "Text";
    it_binary: "二进制", "Binary";
    nav_requests: "数据需求", "Data requests";
    nav_applications: "我的申请", "My applications";
    nav_feedback: "我的纠错", "My corrections";
    signed_in_as: "当前用户：", "Signed in as: ";
    sign_in: "登录", "Sign in";
    sign_out: "退出", "Sign out";
    register: "注册", "Register";
    required_mark: "（必填）", " (required)";
    errors_title: "请修改以下问题", "There is a problem";
    csrf_title: "表单已失效，未作任何更改", "The form has expired; nothing was changed";
    csrf_text: "请返回上一页，刷新后重新提交。如果问题仍在，请重新登录。", "Go back, reload the page and submit again. If it happens again, sign in again.";
    refused_title: "无法办理", "This cannot be done";
    refused_text: "原因如下：", "The reason:";
    key_refused_title: "开放数据密钥无效", "The open-data key is not valid";
    quota_title: "今日调用已达上限", "Today's quota is used up";
    signin_title: "登录", "Sign in";
    signin_intro: "使用注册时的用户名和密码登录。政务部门工作人员也可在此登录。", "Sign in with the username and password you registered with. Department staff may sign in here too.";
    signin_missing: "请填写用户名和密码", "Enter your username and password";
    signin_wrong: "用户名或密码不正确，请检查后重试", "The username or password is not right; check them and try again";
    signin_locked_before: "登录失败次数过多，请在 ", "Too many failed attempts; try again in ";
    signin_locked_after: " 分钟后再试", " minutes";
    no_account: "还没有账号？", "No account yet?";
    have_account: "已有账号？", "Already registered?";
    register_title: "注册开放平台账号", "Register on the open data portal";
    register_intro: "个人或企业注册后，可以申请有条件开放的数据、提出数据需求和纠错。", "People and companies register to apply for data open on conditions, ask for data and report errors.";
    register_button: "注册并登录", "Register and sign in";
    label_username: "用户名", "Username";
    hint_username: "用于登录，3 至 64 个字符：小写字母、数字、点、下划线或连字符", "Used to sign in: 3 to 64 characters, lowercase letters, digits, dots, underscores or hyphens";
    label_display_name: "姓名或单位名称", "Name or company name";
    label_kind: "注册类型", "You are";
    kind_person: "个人", "A person";
    kind_company: "企业", "A company";
    label_contact: "联系方式", "Contact";
    hint_contact: "电子邮箱或电话，提供部门答复时使用", "An e-mail address or telephone number providers may answer at";
    label_password: "密码", "Password";
    hint_password: "至少 10 位，并同时包含字母和数字", "At least 10 characters, with both letters and digits";
    registered_notice: "注册成功，您已登录。", "You are registered and signed in.";
    apply_button: "申请使用", "Apply to use it";
    apply_title: "申请使用数据", "Apply for the data";
    apply_intro: "写明使用目的和应用场景，阅读并同意数据使用协议后提交。提供部门将在规定的工作日内答复。", "State the purpose and use, read and accept the data-use agreement, then send. The provider answers within the set working days.";
    label_purpose: "使用目的", "Purpose";
    hint_purpose: "写明用途和应用场景，例如：用于某项研究的统计分析", "Say what the data is for and how it will be used, for example statistical analysis for a study";
    agreement_title: "数据使用协议", "Data-use agreement";
    agreement_version: "版本 ", "version ";
    agree_label: "我已阅读并同意数据使用协议", "I have read and accept the data-use agreement";
    apply_send: "提交申请", "Send the application";
    applied_notice: "申请已提交，提供部门将在规定的工作日内答复。", "Your application is sent; the provider answers within the set working days.";
    applications_title: "我的开放数据申请", "My open-data applications";
    applications_intro: "申请获批后可领取开放数据密钥，凭密钥下载和调用数据。", "Once an application is approved, take its open-data key to download and call the data.";
    applications_empty: "您还没有提出申请。", "You have not applied yet.";
    applications_find: "查看有条件开放的数据集", "See datasets open on conditions";
    col_status: "状态", "Status";
    col_filed: "提交时间", "Sent";
    col_due: "答复期限", "Answer due";
    col_reason: "不予批准的理由", "Why it was refused";
    col_note: "说明", "Note";
    col_quota: "每日调用上限", "Daily quota";
    col_days: "使用期限", "Term";
    col_org: "办理部门", "Department";
    col_answer: "答复", "Answer";
    per_day: " 次/日", " calls a day";
    days_after: " 天", " days";
    overdue: "已超期", "Overdue";
    due_unknown: "待定（缺少工作日历）", "To be set (no working calendar yet)";
    status_pending: "办理中", "Being handled";
    status_approved: "已批准", "Approved";
    status_refused: "不予批准", "Refused";
    status_answered: "已答复", "Answered";
    status_redirected: "已转办", "Moved";
    status_other: "其他", "Other";
    take_key: "领取密钥", "Take the key";
    key_hint: "密钥只显示一次。再次领取会使之前领取的密钥立即失效。", "The key is shown once. Taking it again stops the key taken before at once.";
    key_title: "您的开放数据密钥", "Your open-data key";
    key_once: "密钥只在本页显示这一次，请立即复制并妥善保存。", "The key is shown on this page this once: copy it now and keep it safe.";
    key_label: "开放数据密钥", "Open-data key";
    key_expires: "有效期至", "Valid until";
    key_revokes: "如密钥遗失或泄露，请回到“我的申请”重新领取：之前的密钥随即失效。", "If the key is lost or leaks, take it again under My applications: the one before stops working at once.";
    key_how: "如何使用", "How to use it";
    key_how_text: "下载或调用时，在请求头 Authorization 中附上密钥（也可写作 Bearer 密钥）。每次下载或调用计入每日调用上限。", "Send the key in the Authorization header (or as Bearer and the key) when downloading or calling. Each download or call counts against the daily quota.";
    key_use_download: "下载 CSV", "Download the CSV";
    key_use_api: "调用数据接口（CKAN datastore_search）", "Call the data API (CKAN datastore_search)";
    back_to_applications: "返回我的申请", "Back to my applications";
    requests_title: "数据需求", "Data requests";
    requests_intro: "需要尚未开放的数据？提出需求后，平台转给可能持有数据的部门，在规定的工作日内公开答复。提出人的身份不公开。", "Need data that is not open yet? Ask for it: the platform sends it to the department likely to hold it, which answers here within the set working days. Who asked is never shown.";
    request_new: "提出数据需求", "Ask for data";
    label_request_title: "需求名称", "What data";
    label_request_description: "需求说明", "Details";
    hint_request_description: "说明需要哪些数据项、范围和用途", "Say which items, what range and what for";
    label_request_org: "提供部门（可不选）", "Department (optional)";
    request_org_any: "不确定，由平台转给可能的部门", "Not sure: the platform routes it";
    request_send: "提交需求", "Send the request";
    request_filed: "需求已提交，将在规定的工作日内答复。", "Your request is sent and will be answered within the set working days.";
    sign_in_to_request: "登录后提出数据需求", "Sign in to ask for data";
    requests_list: "全部数据需求及答复", "Every request and its answer";
    requests_total_before: "共 ", "";
    requests_total_after: " 条需求", " requests";
    requests_empty: "还没有数据需求。", "No data requests yet.";
    org_unknown: "待平台转办", "To be routed";
    outcome_opening: "（将开放）", "(to be opened)";
    outcome_declined: "（暂不开放）", "(not opened)";
    outcome_redirected: "（已转办）", "(moved)";
    see_dataset: "查看数据集", "See the dataset";
    sec_feedback: "纠错", "Report an error";
    feedback_intro: "发现数据有误？告诉提供部门，答复会显示在“我的纠错”。", "Found an error in the data? Tell the provider; the answer shows under My corrections.";
    feedback_col: "纠错", "Report";
    feedback_link: "纠错", "Report";
    feedback_row_before: "第 ", "row ";
    feedback_row_after: " 行", "";
    feedback_row_label: "行号（_id，可不填）", "Row (_id, optional)";
    feedback_row_hint: "针对某一行时填写，可在数据预览中点该行的“纠错”", "For one row: use the row's Report link in the preview";
    feedback_row_invalid: "行号应为数字，即数据预览中的 _id", "The row is a number: the _id from the preview";
    feedback_text_label: "纠错内容", "What is wrong";
    feedback_send: "提交纠错", "Send";
    feedback_filed: "纠错已提交，提供部门将在规定的工作日内答复。", "Sent; the provider answers within the set working days.";
    sign_in_to_feedback: "登录后提交纠错", "Sign in to report an error";
    my_feedback_title: "我的纠错", "My corrections";
    my_feedback_empty: "您还没有提交纠错。", "You have not reported any error yet.";
}

impl Strings {
    pub fn open_type(&self, o: OpenType) -> &'static str {
        match o {
            OpenType::Open => self.open_open,
            // Closed datasets never reach the portal; the label is only a fallback.
            OpenType::Conditional | OpenType::Closed => self.open_conditional,
        }
    }

    pub fn category(&self, c: Category) -> &'static str {
        match c {
            Category::Base => self.cat_base,
            Category::Theme => self.cat_theme,
            Category::Department => self.cat_department,
        }
    }

    pub fn update_cycle(&self, u: UpdateCycle) -> &'static str {
        match u {
            UpdateCycle::Realtime => self.uc_realtime,
            UpdateCycle::Daily => self.uc_daily,
            UpdateCycle::Weekly => self.uc_weekly,
            UpdateCycle::Monthly => self.uc_monthly,
            UpdateCycle::Quarterly => self.uc_quarterly,
            UpdateCycle::HalfYearly => self.uc_half_yearly,
            UpdateCycle::Yearly => self.uc_yearly,
            UpdateCycle::Irregular => self.uc_irregular,
        }
    }

    pub fn format(&self, f: Format) -> &'static str {
        match f {
            Format::Database => self.fmt_database,
            Format::Spreadsheet => self.fmt_spreadsheet,
            Format::Document => self.fmt_document,
            Format::Image => self.fmt_image,
            Format::Stream => self.fmt_stream,
            Format::Api => self.fmt_api,
        }
    }

    pub fn item_type(&self, t: ItemType) -> &'static str {
        match t {
            ItemType::String => self.it_string,
            ItemType::Number => self.it_number,
            ItemType::Money => self.it_money,
            ItemType::Date => self.it_date,
            ItemType::DateTime => self.it_datetime,
            ItemType::Boolean => self.it_boolean,
            ItemType::Text => self.it_text,
            ItemType::Binary => self.it_binary,
        }
    }

    /// The label of a facet's value, by its wire name; providers are named elsewhere.
    pub fn facet_value(&self, facet: &str, wire: &str) -> String {
        let label = match facet {
            "category" => Category::parse(wire).map(|c| self.category(c)),
            "open_type" => OpenType::parse(wire).map(|o| self.open_type(o)),
            "format" => Format::parse(wire).map(|f| self.format(f)),
            "update_cycle" => UpdateCycle::parse(wire).map(|u| self.update_cycle(u)),
            _ => None,
        };
        label.unwrap_or(wire).to_string()
    }
}
