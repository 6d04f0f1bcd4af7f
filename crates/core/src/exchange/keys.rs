//! Record keys that may not leave in clear, and the query cursor.
//!
//! A record's key (for most resources of people, the 公民身份号码) leaves in clear only when
//! the caller may read every key item in clear ([`key_in_clear`]). Otherwise each key that
//! would leave is replaced by a pseudonym: `psn_` and 128 bits of HMAC-SHA-256 of the key
//! under a key derived for the (system, resource) pair. The same record has the same
//! pseudonym in every answer to that system about that resource (so a consumer can keep a
//! synchronised copy, across renewals of its grant), another system's pseudonym for it is
//! unrelated, and nobody without the platform's secret can compute one from a guessed key.
//!
//! The query cursor carries the last key of a page, so it is sealed: XChaCha20-Poly1305
//! under a key of its own, the resource as associated data, and the calling system inside,
//! checked against the caller before the cursor is used. A cursor is opaque, cannot be forged
//! or altered, and serves only the system and resource it was given to.
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine;
use chacha20poly1305::aead::{Aead, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hmac::{KeyInit, Mac};
use sha2::Sha256;

use crate::catalog::ResourceMeta;
use crate::error::{DomainError, FieldError};
use crate::exchange::FieldUse;

type HmacSha256 = hmac::Hmac<Sha256>;

/// What every pseudonym starts with: no key of a catalogued resource does.
pub const PSEUDONYM_PREFIX: &str = "psn_";

/// Whether records' keys may leave in clear: only when every key item of the resource is a
/// field the caller may read in clear. A key with one 核心 or ungranted item is pseudonymised.
pub fn key_in_clear(meta: &ResourceMeta, uses: &FieldUse) -> bool {
    !meta.key_fields.is_empty() && meta.key_fields.iter().all(|k| uses.clear.contains(k))
}

fn mac(key: &[u8]) -> HmacSha256 {
    // HMAC takes keys of any length: this cannot fail.
    <HmacSha256 as KeyInit>::new_from_slice(key).expect("HMAC accepts any key length")
}

/// Each part with its length in front, so no two lists of parts give the same bytes.
fn framed(m: &mut HmacSha256, parts: &[&[u8]]) {
    for p in parts {
        m.update(&(p.len() as u64).to_be_bytes());
        m.update(p);
    }
}

fn derive(root: &[u8], label: &str, parts: &[&[u8]]) -> [u8; 32] {
    let mut m = mac(root);
    m.update(label.as_bytes());
    framed(&mut m, parts);
    m.finalize().into_bytes().into()
}

/// The exchange's keys, each derived under its own label from the platform's secret (the
/// one behind the audit log's subject hashes, which is never used raw here).
#[derive(Clone)]
pub struct KeyShield {
    pseudonyms: [u8; 32],
    cursors: [u8; 32],
}

impl std::fmt::Debug for KeyShield {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("KeyShield(..)")
    }
}

/// Pseudonyms for one system's answers about one resource.
#[derive(Clone)]
pub struct Pseudonyms {
    keyed: HmacSha256,
}

impl Pseudonyms {
    /// The pseudonym of `key`: `psn_` and 32 hex digits.
    pub fn of(&self, key: &str) -> String {
        let mut m = self.keyed.clone();
        m.update(key.as_bytes());
        let digest = m.finalize().into_bytes();
        format!("{PSEUDONYM_PREFIX}{}", hex::encode(&digest[..16]))
    }
}

impl KeyShield {
    pub fn new(root: &[u8]) -> KeyShield {
        KeyShield {
            pseudonyms: derive(root, "shuqiao exchange pseudonyms v1", &[]),
            cursors: derive(root, "shuqiao exchange cursors v1", &[]),
        }
    }

    /// The pseudonyms `system` sees for the keys of `resource`.
    pub fn pseudonyms(&self, system: &str, resource: &str) -> Pseudonyms {
        let scoped = derive(
            &self.pseudonyms,
            "scope",
            &[system.as_bytes(), resource.as_bytes()],
        );
        Pseudonyms {
            keyed: mac(&scoped),
        }
    }

    fn aead(&self) -> XChaCha20Poly1305 {
        XChaCha20Poly1305::new_from_slice(&self.cursors).expect("a 32-byte key")
    }

    /// The cursor after `last_key` in `system`'s query of `resource`.
    pub fn seal_cursor(&self, system: &str, resource: &str, last_key: &str) -> String {
        let nonce: [u8; 24] = rand::random();
        let mut plain = Vec::with_capacity(system.len() + last_key.len() + 8);
        plain.extend_from_slice(&(system.len() as u64).to_be_bytes());
        plain.extend_from_slice(system.as_bytes());
        plain.extend_from_slice(last_key.as_bytes());
        let sealed = self
            .aead()
            .encrypt(
                &XNonce::from(nonce),
                Payload {
                    msg: &plain,
                    aad: &cursor_aad(resource),
                },
            )
            .expect("encryption of a short message cannot fail");
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        B64.encode(out)
    }

    /// Opens a cursor given for `resource`: a tampered cursor, one given for another resource
    /// or one made by another platform is refused. The system it was given to is inside: the
    /// caller checks it ([`QueryCursor::check_system`]) before anything read after it leaves.
    pub fn open_cursor(&self, resource: &str, cursor: &str) -> Result<QueryCursor, DomainError> {
        let bytes = B64
            .decode(cursor.trim())
            .map_err(|_| invalid_cursor("cursor"))?;
        if bytes.len() < 24 {
            return Err(invalid_cursor("cursor"));
        }
        let (nonce, sealed) = bytes.split_at(24);
        let nonce: [u8; 24] = nonce.try_into().map_err(|_| invalid_cursor("cursor"))?;
        let plain = self
            .aead()
            .decrypt(
                &XNonce::from(nonce),
                Payload {
                    msg: sealed,
                    aad: &cursor_aad(resource),
                },
            )
            .map_err(|_| invalid_cursor("cursor"))?;
        let (len, rest) = plain
            .split_at_checked(8)
            .ok_or_else(|| invalid_cursor("cursor"))?;
        let len = u64::from_be_bytes(len.try_into().map_err(|_| invalid_cursor("cursor"))?);
        let len = usize::try_from(len).map_err(|_| invalid_cursor("cursor"))?;
        let (system, key) = rest
            .split_at_checked(len)
            .ok_or_else(|| invalid_cursor("cursor"))?;
        Ok(QueryCursor {
            system: String::from_utf8(system.to_vec()).map_err(|_| invalid_cursor("cursor"))?,
            key: String::from_utf8(key.to_vec()).map_err(|_| invalid_cursor("cursor"))?,
        })
    }
}

fn cursor_aad(resource: &str) -> Vec<u8> {
    let mut aad = b"shuqiao query cursor\0".to_vec();
    aad.extend_from_slice(resource.as_bytes());
    aad
}

/// An opened query cursor: the last key of the previous page, and whom it was given to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryCursor {
    system: String,
    key: String,
}

impl QueryCursor {
    /// The key to continue after.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// Refuses the cursor unless `system` is the one it was given to.
    pub fn check_system(&self, system: &str) -> Result<(), DomainError> {
        match self.system == system {
            true => Ok(()),
            false => Err(invalid_cursor("cursor")),
        }
    }
}

pub(crate) fn invalid_cursor(field: &str) -> DomainError {
    DomainError::one(FieldError::new(
        field,
        "invalid_cursor",
        "游标无效：请使用上一页响应中 next_cursor 的原值",
        "invalid cursor: pass back the next_cursor of the previous page unchanged",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Grade;

    fn meta() -> ResourceMeta {
        crate::catalog::tests::sample()
    }

    fn uses(clear: &[&str], verify_only: &[&str]) -> FieldUse {
        FieldUse {
            clear: clear.iter().map(|s| s.to_string()).collect(),
            verify_only: verify_only.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn a_key_leaves_in_clear_only_when_every_key_item_is_clear() {
        let mut m = meta();
        assert!(m.items.iter().any(|i| i.grade == Grade::Core));
        assert!(!key_in_clear(&m, &uses(&["XM"], &["GMSFHM"])));
        assert!(!key_in_clear(&m, &uses(&["XM"], &[])));
        assert!(key_in_clear(&m, &uses(&["GMSFHM", "XM"], &[])));
        m.key_fields = vec!["GMSFHM".into(), "XM".into()];
        assert!(!key_in_clear(&m, &uses(&["XM"], &["GMSFHM"])));
        m.key_fields.clear();
        assert!(!key_in_clear(&m, &uses(&["GMSFHM", "XM"], &[])));
    }

    #[test]
    fn pseudonyms_are_stable_per_system_and_resource_and_unrelated_elsewhere() {
        let shield = KeyShield::new(b"platform secret");
        let p = shield.pseudonyms("c1-sys", "101001-000001");
        let a = p.of("11010519491231002X");
        assert_eq!(
            a,
            shield
                .pseudonyms("c1-sys", "101001-000001")
                .of("11010519491231002X")
        );
        assert!(a.starts_with(PSEUDONYM_PREFIX) && a.len() == 4 + 32, "{a}");
        assert!(!a.contains("110105"));
        for other in [
            shield.pseudonyms("c2-sys", "101001-000001"),
            shield.pseudonyms("c1-sys", "101001-000002"),
            KeyShield::new(b"another platform").pseudonyms("c1-sys", "101001-000001"),
        ] {
            assert_ne!(a, other.of("11010519491231002X"));
        }
        // Framed: moving a byte from system to resource changes the scope.
        assert_ne!(
            shield.pseudonyms("ab", "c").of("k"),
            shield.pseudonyms("a", "bc").of("k")
        );
        assert_ne!(a, p.of("440524188001010014"));
    }

    #[test]
    fn cursors_are_opaque_and_serve_only_their_system_and_resource() {
        let shield = KeyShield::new(b"platform secret");
        let key = "11010519491231002X";
        let c = shield.seal_cursor("c1-sys", "101001-000001", key);
        assert!(
            !c.contains("110105") && !c.contains(&hex::encode(key)),
            "{c}"
        );
        assert_ne!(c, shield.seal_cursor("c1-sys", "101001-000001", key));
        let opened = shield.open_cursor("101001-000001", &c).unwrap();
        assert_eq!(opened.key(), key);
        assert!(opened.check_system("c1-sys").is_ok());
        assert!(
            opened.check_system("c2-sys").is_err(),
            "another system's cursor"
        );
        assert!(
            shield.open_cursor("101001-000002", &c).is_err(),
            "another resource"
        );
        assert!(KeyShield::new(b"other")
            .open_cursor("101001-000001", &c)
            .is_err());
        // Any change to any byte is refused.
        let mut bytes = B64.decode(&c).unwrap();
        for i in [0, 24, bytes.len() - 1] {
            bytes[i] ^= 1;
            assert!(shield
                .open_cursor("101001-000001", &B64.encode(&bytes))
                .is_err());
            bytes[i] ^= 1;
        }
        for garbage in ["", "zz", "!!", &hex::encode(key)] {
            assert!(shield.open_cursor("101001-000001", garbage).is_err());
        }
    }
}
