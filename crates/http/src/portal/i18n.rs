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
    conditional_no_flow: "在线申请尚未开通。目前可以查看数据集信息和数据字典，数据预览和下载暂不提供。", "Applying online is not available yet. The dataset's details and data dictionary are shown; previews and downloads are not offered.";
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
