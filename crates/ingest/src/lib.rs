//! Reading incoming data into rows: department exports (CSV in UTF-8 or GBK/GB18030, JSON
//! Lines, XLSX) and department databases (PostgreSQL, MySQL/MariaDB). Everything here
//! implements [`shuqiao_core::collect::source::RowSource`] and holds a bounded amount of
//! memory whatever the size of the source; checking and storing the rows is the store's.
pub mod file;
pub mod pull;

/// What a file will be read as, for batch reports: its format and, for text formats, its
/// encoding (`utf-8` or `gb18030`).
pub fn describe_file(
    path: &std::path::Path,
    name_hint: Option<&str>,
    opts: &file::FileOptions,
) -> (Option<String>, Option<String>) {
    let name = name_hint
        .map(str::to_string)
        .or_else(|| path.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_default();
    let format = opts.format.or_else(|| file::FileFormat::from_name(&name));
    let label = format.map(|f| match f {
        file::FileFormat::Csv => "csv",
        file::FileFormat::JsonLines => "jsonl",
        file::FileFormat::Xlsx => "xlsx",
    });
    let encoding = match format {
        Some(file::FileFormat::Xlsx) => None,
        _ => file::detect_encoding(path, opts).ok().map(|e| match e {
            shuqiao_core::collect::TextEncoding::Utf8 => "utf-8",
            shuqiao_core::collect::TextEncoding::Gb18030 => "gb18030",
        }),
    };
    (label.map(str::to_string), encoding.map(str::to_string))
}
