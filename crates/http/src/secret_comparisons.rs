//! How secrets are compared, checked over the workspace's source.
//!
//! Sessions, system tokens and open-data keys are never compared at all: each is looked up by
//! its SHA-256 (`account::secret_hash`, a `… _hash = $1` query or a map keyed by the hash), so
//! the time a lookup takes depends on the hash, which an attacker cannot steer towards a
//! stored one byte by byte. The secrets that are compared — the console's and the portal's
//! form tokens — go through `console::session::same_secret`, which uses
//! `subtle::ConstantTimeEq`. These tests fail when a comparison with `==` or `!=` on a value
//! named like a secret appears anywhere, or when `same_secret` stops being constant-time.

/// Words that name a secret value in this code base.
const SECRET_WORDS: &[&str] = &[
    "token", "secret", "csrf", "password", "passwd", "session", "api_key", "open_key", "mac",
];

/// Comparisons that only look at a secret's public prefix (`sq_`, `sqs_`, …).
const PUBLIC_PARTS: &[&str] = &["token_kind(", "TokenKind::"];

fn operand_char(c: char) -> bool {
    c.is_alphanumeric() || "_.()&*:".contains(c)
}

/// The operands either side of each `==` and `!=` on a line of code, comments left out.
fn comparisons(line: &str) -> Vec<(String, String)> {
    let code = line.split("//").next().unwrap_or("");
    let mut out = Vec::new();
    for op in ["==", "!="] {
        let mut rest = code;
        while let Some(at) = rest.find(op) {
            let left: String = rest[..at]
                .trim_end()
                .chars()
                .rev()
                .take_while(|c| operand_char(*c))
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            let right: String = rest[at + 2..]
                .trim_start()
                .chars()
                .take_while(|c| operand_char(*c))
                .collect();
            out.push((left, right));
            rest = &rest[at + 2..];
        }
    }
    out
}

/// Whether comparing these operands with `==` compares a secret.
fn compares_a_secret(left: &str, right: &str) -> bool {
    let names_secret = |s: &str| {
        let lower = s.to_lowercase();
        SECRET_WORDS.iter().any(|w| lower.contains(w))
    };
    let public = |s: &str| PUBLIC_PARTS.iter().any(|p| s.contains(p));
    (names_secret(left) || names_secret(right)) && !public(left) && !public(right)
}

fn rust_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn the_scan_sees_a_comparison_of_a_secret() {
    let flagged = |line: &str| {
        comparisons(line)
            .iter()
            .any(|(l, r)| compares_a_secret(l, r))
    };
    assert!(flagged("    if sent == expected_token {"));
    assert!(flagged("    .filter(|k| k.key_hash != open_key.hash)"));
    assert!(flagged("    ok = form.csrf == session::csrf_token(&s);"));
    assert!(!flagged(
        "    if token_kind(s) == Some(TokenKind::Session) {"
    ));
    assert!(!flagged("    if a.len() == b.len() { // token"));
}

#[test]
fn no_secret_is_compared_with_equality_anywhere_in_the_workspace() {
    let crates = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut files = Vec::new();
    for krate in std::fs::read_dir(&crates).unwrap().flatten() {
        let src = krate.path().join("src");
        if src.is_dir() {
            rust_files(&src, &mut files);
        }
    }
    assert!(
        files.len() > 100,
        "the scan found only {} files",
        files.len()
    );
    let mut found = Vec::new();
    for f in &files {
        if f.ends_with("secret_comparisons.rs") {
            continue;
        }
        let text = std::fs::read_to_string(f).unwrap();
        for (n, line) in text.lines().enumerate() {
            for (l, r) in comparisons(line) {
                if compares_a_secret(&l, &r) {
                    found.push(format!("{}:{}: {}", f.display(), n + 1, line.trim()));
                }
            }
        }
    }
    assert!(
        found.is_empty(),
        "secrets compared with == or !=:\n{}",
        found.join("\n")
    );
}

#[test]
fn form_tokens_are_compared_in_constant_time() {
    let src = include_str!("console/session.rs");
    let body = src
        .split("pub fn same_secret")
        .nth(1)
        .and_then(|rest| rest.split("\n}").next())
        .expect("console::session::same_secret exists");
    assert!(
        body.contains("ct_eq"),
        "same_secret no longer uses ConstantTimeEq:{body}"
    );
    assert!(!body.contains("=="), "same_secret compares with ==:{body}");
    // And it still decides rightly.
    use crate::console::session::same_secret;
    assert!(same_secret("abc", "abc"));
    assert!(!same_secret("abc", "abd") && !same_secret("abc", "ab") && !same_secret("", ""));
}

#[test]
fn stored_secrets_are_found_by_their_hash_only() {
    let crates = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut files = Vec::new();
    rust_files(&crates.join("service/src"), &mut files);
    let text: String = files
        .iter()
        .map(|f| std::fs::read_to_string(f).unwrap())
        .collect();
    for lookup in ["token_hash = $1", "key_hash = $1"] {
        assert!(text.contains(lookup), "no lookup by `{lookup}`");
    }
    for plain in ["token = $1", "secret = $1", "session = $1", "key = $1 "] {
        assert!(
            !text.contains(plain),
            "a stored secret is looked up in clear: `{plain}`"
        );
    }
}
