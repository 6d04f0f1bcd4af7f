//! Department exports: CSV (UTF-8 or GBK/GB18030, with or without BOM), JSON Lines, XLSX.
