//! Whatever the input, core's parsers and checks never panic: signed notes, checkpoints and
//! verifier keys (C2SP), Merkle proofs with arbitrary sizes, indexes and hashes, canonical
//! audit entries, the bearer token format, sealed query cursors and change cursors, the
//! identifier checks (GB 11643, GB 32100, GB 11714), region codes, the encoding sniffer and
//! the value checks of every item type. Valid inputs mutated are refused, never accepted.
use std::collections::HashMap;

use proptest::prelude::*;
use proptest::test_runner::FileFailurePersistence;
use shuqiao_core::account::{token_kind, Role};
use shuqiao_core::audit::entry::Entry;
use shuqiao_core::audit::merkle::{
    assemble, consistency_plan, inclusion_plan, leaf_hash, verify_consistency, verify_inclusion,
    Frontier, Hash, NodeId,
};
use shuqiao_core::audit::note::{Checkpoint, NoteSigner, NoteVerifier, SignedNote};
use shuqiao_core::catalog::{Grade, InfoItem, ItemType};
use shuqiao_core::collect::{check_override, check_value, sniff_encoding};
use shuqiao_core::exchange::keys::KeyShield;
use shuqiao_core::exchange::parse_change_cursor;
use shuqiao_core::{ident, region};

/// 256 cases (proptest's default), or `PROPTEST_CASES`.
fn config() -> ProptestConfig {
    ProptestConfig {
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/proptest-regressions/parser_fuzz.txt"
        )))),
        ..ProptestConfig::default()
    }
}

/// Text as it comes: any characters, or the characters these formats are made of.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[0-9A-Za-z+/=_\\-. \n—]{0,80}",
        "[0-9A-Z０-９Ｘ中文\u{2014}\n +]{0,30}",
    ]
}

fn signer() -> NoteSigner {
    NoteSigner::new("shuqiao.local/audit", [7; 32]).expect("signer")
}

fn checkpoint(size: u64, root: Hash) -> Checkpoint {
    Checkpoint {
        origin: "shuqiao.local/audit".into(),
        size,
        root,
    }
}

/// Changes `s` at byte `at` (on a character boundary) to `with`.
fn mutate(s: &str, at: usize, with: &str, cut: bool) -> String {
    let mut at = at % (s.len() + 1);
    while !s.is_char_boundary(at) {
        at -= 1;
    }
    if cut {
        s[..at].to_string()
    } else {
        let mut end = at;
        if let Some(c) = s[at..].chars().next() {
            end += c.len_utf8();
        }
        format!("{}{}{}", &s[..at], with, &s[end..])
    }
}

fn tree(n: u64) -> (Frontier, HashMap<NodeId, Hash>) {
    let mut f = Frontier::default();
    let mut nodes = HashMap::new();
    for i in 0..n {
        nodes.extend(f.push(leaf_hash(format!("entry {i}").as_bytes())));
    }
    (f, nodes)
}

fn item_type() -> impl Strategy<Value = ItemType> {
    prop_oneof![
        Just(ItemType::String),
        Just(ItemType::Number),
        Just(ItemType::Money),
        Just(ItemType::Date),
        Just(ItemType::DateTime),
        Just(ItemType::Boolean),
        Just(ItemType::Text),
        Just(ItemType::Binary),
    ]
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn notes_and_keys(text in text(), key in text()) {
        let _ = Checkpoint::parse_body(&text);
        if let Ok(note) = SignedNote::parse(&text) {
            let _ = note.to_text();
            let _ = note.signed_by(&signer().verifier());
            let _ = Checkpoint::parse_body(&note.body);
        }
        let _ = NoteVerifier::parse(&key);
    }

    #[test]
    fn signed_checkpoints_mutated(size in any::<u64>(), root in any::<[u8; 32]>(),
                                  at in any::<usize>(), with in text(), cut in any::<bool>()) {
        let s = signer();
        let v = s.verifier();
        let signed = s.sign(&checkpoint(size, root).body());
        let note = SignedNote::parse(&signed).expect("own note parses");
        prop_assert!(note.signed_by(&v));
        prop_assert_eq!(Checkpoint::parse_body(&note.body), Ok(checkpoint(size, root)));
        let changed = mutate(&signed, at, &with, cut);
        if let Ok(n) = SignedNote::parse(&changed) {
            if n.signed_by(&v) {
                prop_assert_eq!(&n.body, &note.body, "a changed body never verifies");
            }
            let _ = n.cosign(&NoteSigner::new("witness", [9; 32]).expect("witness"));
        }
        let key = mutate(&v.encode(), at, &with, cut);
        if let Ok(parsed) = NoteVerifier::parse(&key) {
            let _ = note.signed_by(&parsed);
        }
    }

    #[test]
    fn proofs_with_arbitrary_input(index in any::<u64>(), m in any::<u64>(), n in any::<u64>(),
                                   proof in proptest::collection::vec(any::<[u8; 32]>(), 0..70),
                                   a in any::<[u8; 32]>(), b in any::<[u8; 32]>()) {
        let _ = verify_inclusion(&a, index, n, &proof, &b);
        let _ = verify_consistency(m, n, &proof, &a, &b);
        let _ = verify_consistency(m % 64, n % 64, &proof, &a, &b);
        let _ = verify_inclusion(&a, index % 64, n % 64, &proof, &b);
    }

    #[test]
    fn proofs_mutated(n in 1u64..200, i in any::<u64>(), m in any::<u64>(),
                      at in any::<usize>(), mask in 1u8..=255, drop in any::<bool>()) {
        let (f, nodes) = tree(n);
        let root = f.root();
        let i = i % n;
        let leaf = leaf_hash(format!("entry {i}").as_bytes());
        let lookup = |id: NodeId| nodes.get(&id).copied().ok_or(());
        let proof = assemble(&inclusion_plan(i, n), lookup).expect("inclusion proof");
        prop_assert!(verify_inclusion(&leaf, i, n, &proof, &root));
        let mut bad = proof.clone();
        if drop && !bad.is_empty() {
            bad.remove(at % bad.len());
            prop_assert!(!verify_inclusion(&leaf, i, n, &bad, &root));
        } else if !bad.is_empty() {
            let k = at % bad.len();
            bad[k][at % 32] ^= mask;
            prop_assert!(!verify_inclusion(&leaf, i, n, &bad, &root));
        }
        let m = m % (n + 1);
        let (fm, _) = tree(m);
        let proof = assemble(&consistency_plan(m, n), lookup).expect("consistency proof");
        prop_assert!(verify_consistency(m, n, &proof, &fm.root(), &root));
        if !proof.is_empty() {
            let mut bad = proof.clone();
            let k = at % bad.len();
            bad[k][at % 32] ^= mask;
            prop_assert!(!verify_consistency(m, n, &bad, &fm.root(), &root));
        }
    }

    #[test]
    fn canonical_entries(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        if let Ok(e) = Entry::decode(&bytes) {
            prop_assert_eq!(Entry::decode(&e.encode()), Ok(e));
        }
    }

    #[test]
    fn tokens_and_cursors(s in text(), resource in text()) {
        let _ = token_kind(&s);
        let _ = Role::parse(&s);
        let _ = parse_change_cursor(Some(&s));
        let shield = KeyShield::new(b"root secret for the fuzz test");
        let _ = shield.open_cursor(&resource, &s);
        let sealed = shield.seal_cursor("hi-rst-sbxt", "101001-000001", &s);
        let opened = shield.open_cursor("101001-000001", &sealed).expect("own cursor opens");
        prop_assert_eq!(opened.key(), s.as_str());
    }

    #[test]
    fn identifiers_and_regions(s in text()) {
        let _ = ident::check_id_number(&s);
        let _ = ident::id_number_check_char(&s);
        let _ = ident::check_credit_code(&s);
        let _ = ident::credit_code_check_char(&s);
        let _ = ident::credit_code_error("TYSHXYDM", &s);
        let _ = ident::is_valid_org_code(&s);
        let _ = ident::org_code_check_char(&s);
        let _ = region::find(&s);
        let _ = region::is_within(&s, "460000");
        let _ = region::is_within("460100", &s);
        for kind in ["id_number", "credit_code", "org_code", "region_code", "", "x"] {
            let _ = check_override(kind, &s);
        }
    }

    #[test]
    fn identifiers_shaped(body in "[0-9]{17}", check in "[0-9A-Z]", tail in "[0-9A-Z]{0,3}") {
        let id = format!("{body}{check}{tail}");
        let _ = ident::check_id_number(&id);
        let _ = ident::check_credit_code(&id);
        let _ = ident::is_valid_org_code(&id[..10.min(id.len())]);
        let _ = region::find(&id[..6]);
        let _ = region::is_within(&id[..6], &id[..2]);
    }

    #[test]
    fn encodings(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let _ = sniff_encoding(&bytes);
    }

    #[test]
    fn values_of_every_type(t in item_type(), code in prop_oneof![Just("GMSFHM"), Just("TYSHXYDM"), Just("XZQHDM"), Just("XM")],
                            length in proptest::option::of(0u32..40), required in any::<bool>(), raw in text()) {
        let item = InfoItem {
            name: "项".into(),
            code: code.into(),
            item_type: t,
            length,
            required,
            grade: Grade::General,
            description: None,
            personal: false,
            element: None,
        };
        let today = time::macros::date!(2026 - 12 - 07);
        let _ = check_value(&item, required, &raw, today);
    }
}
