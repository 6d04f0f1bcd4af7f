//! Search terms that work for Chinese without a segmenter: every CJK character and every
//! pair of adjacent CJK characters is a term (so 人口 finds 全员人口基础信息), and Latin words
//! are lower-cased and lightly normalised (so "licences" finds "Business licence").
use std::collections::BTreeSet;

fn is_cjk(c: char) -> bool {
    matches!(c as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2A6DF)
}

fn normalise_word(w: &str) -> String {
    let w = w.to_lowercase();
    let w = match w.as_str() {
        "license" | "licenses" => "licence".to_string(),
        _ => w,
    };
    if w.len() > 3 && w.ends_with('s') && !w.ends_with("ss") {
        w[..w.len() - 1].to_string()
    } else {
        w
    }
}

enum Run {
    Cjk(Vec<char>),
    Word(String),
}

fn runs(text: &str) -> Vec<Run> {
    let mut out = Vec::new();
    let mut cjk = Vec::new();
    let mut word = String::new();
    let flush = |cjk: &mut Vec<char>, word: &mut String, out: &mut Vec<Run>| {
        if !cjk.is_empty() {
            out.push(Run::Cjk(std::mem::take(cjk)));
        }
        if !word.is_empty() {
            out.push(Run::Word(std::mem::take(word)));
        }
    };
    for c in text.chars() {
        if is_cjk(c) {
            if !word.is_empty() {
                flush(&mut Vec::new(), &mut word, &mut out);
            }
            cjk.push(c);
        } else if c.is_alphanumeric() {
            if !cjk.is_empty() {
                flush(&mut cjk, &mut String::new(), &mut out);
            }
            word.push(c);
        } else {
            flush(&mut cjk, &mut word, &mut out);
        }
    }
    flush(&mut cjk, &mut word, &mut out);
    out
}

/// Terms to index a text under: CJK unigrams and bigrams, normalised words.
pub fn index_terms(text: &str) -> BTreeSet<String> {
    let mut terms = BTreeSet::new();
    for run in runs(text) {
        match run {
            Run::Cjk(chars) => {
                for (i, c) in chars.iter().enumerate() {
                    terms.insert(c.to_string());
                    if let Some(n) = chars.get(i + 1) {
                        terms.insert(format!("{c}{n}"));
                    }
                }
            }
            Run::Word(w) => {
                terms.insert(normalise_word(&w));
            }
        }
    }
    terms
}

/// Terms a query must all match: a one-character CJK run by itself, longer runs by their bigrams.
pub fn query_terms(query: &str) -> BTreeSet<String> {
    let mut terms = BTreeSet::new();
    for run in runs(query) {
        match run {
            Run::Cjk(chars) if chars.len() == 1 => {
                terms.insert(chars[0].to_string());
            }
            Run::Cjk(chars) => {
                for pair in chars.windows(2) {
                    terms.insert(pair.iter().collect());
                }
            }
            Run::Word(w) => {
                terms.insert(normalise_word(&w));
            }
        }
    }
    terms
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matches(query: &str, text: &str) -> bool {
        let idx = index_terms(text);
        let q = query_terms(query);
        !q.is_empty() && q.iter().all(|t| idx.contains(t))
    }

    #[test]
    fn chinese_substrings_match() {
        assert!(matches("人口", "全员人口基础信息"));
        assert!(matches("营业执照", "个体工商户营业执照信息"));
        assert!(matches("税", "纳税信用等级"));
        assert!(!matches("人口", "法人单位基础信息"));
    }

    #[test]
    fn english_words_match_with_plural_and_spelling() {
        assert!(matches("licenses", "Business licence information"));
        assert!(matches("Population", "population base information"));
        assert!(!matches("tax", "Business licence information"));
    }

    #[test]
    fn mixed_text_splits_runs() {
        let t = index_terms("GB/T 2260区划");
        assert!(t.contains("gb") && t.contains("2260") && t.contains("区划"));
    }
}
