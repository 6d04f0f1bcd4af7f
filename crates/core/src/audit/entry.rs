//! Audit entries: what is sealed into the log, in one canonical, versioned byte encoding, and
//! the keyed hashing that keeps personal identifiers out of it.
use hmac::{KeyInit, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

/// The encoding version; a new one gets a new number, old entries keep theirs.
pub const ENTRY_V1: u8 = 1;

/// One sealed event: a data access, a decision or a catalog change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// Milliseconds since the Unix epoch.
    pub time: i64,
    pub actor_org: String,
    #[serde(default)]
    pub actor_system: Option<String>,
    #[serde(default)]
    pub actor_person: Option<String>,
    /// e.g. `catalog.publish`, `exchange.lookup`, `share.approve`.
    pub action: String,
    #[serde(default)]
    pub resource: Option<String>,
    #[serde(default)]
    pub resource_version: Option<i64>,
    #[serde(default)]
    pub grant: Option<String>,
    #[serde(default)]
    pub purpose: Option<String>,
    /// e.g. `ok`, `denied:<code>`.
    pub result: String,
    /// Keyed hashes of the people and companies whose data was touched (see [`subject_key`]).
    #[serde(default)]
    pub subjects: Vec<String>,
}

fn put(out: &mut Vec<u8>, s: &str) {
    out.extend_from_slice(&(s.len() as u32).to_be_bytes());
    out.extend_from_slice(s.as_bytes());
}

fn put_opt(out: &mut Vec<u8>, s: Option<&str>) {
    match s {
        None => out.push(0),
        Some(s) => {
            out.push(1);
            put(out, s);
        }
    }
}

impl Entry {
    /// The canonical encoding: a version byte, then every field in a fixed order, strings
    /// length-prefixed (u32 big-endian), optional fields flagged, subjects sorted. The same
    /// entry always yields the same bytes, whatever produced it.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(128);
        out.push(ENTRY_V1);
        out.extend_from_slice(&self.time.to_be_bytes());
        put(&mut out, &self.actor_org);
        put_opt(&mut out, self.actor_system.as_deref());
        put_opt(&mut out, self.actor_person.as_deref());
        put(&mut out, &self.action);
        put_opt(&mut out, self.resource.as_deref());
        match self.resource_version {
            None => out.push(0),
            Some(v) => {
                out.push(1);
                out.extend_from_slice(&v.to_be_bytes());
            }
        }
        put_opt(&mut out, self.grant.as_deref());
        put_opt(&mut out, self.purpose.as_deref());
        put(&mut out, &self.result);
        let mut subjects: Vec<&String> = self.subjects.iter().collect();
        subjects.sort();
        subjects.dedup();
        out.extend_from_slice(&(subjects.len() as u32).to_be_bytes());
        for s in subjects {
            put(&mut out, s);
        }
        out
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a canonical audit entry: {0}")]
pub struct DecodeError(&'static str);

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], DecodeError> {
        if self.0.len() < n {
            return Err(DecodeError("truncated"));
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }
    fn byte(&mut self) -> Result<u8, DecodeError> {
        Ok(self.take(1)?[0])
    }
    fn u32(&mut self) -> Result<u32, DecodeError> {
        Ok(u32::from_be_bytes(
            self.take(4)?.try_into().map_err(|_| DecodeError("u32"))?,
        ))
    }
    fn i64(&mut self) -> Result<i64, DecodeError> {
        Ok(i64::from_be_bytes(
            self.take(8)?.try_into().map_err(|_| DecodeError("i64"))?,
        ))
    }
    fn string(&mut self) -> Result<String, DecodeError> {
        let n = self.u32()? as usize;
        String::from_utf8(self.take(n)?.to_vec()).map_err(|_| DecodeError("utf-8"))
    }
    fn opt<T>(
        &mut self,
        f: impl FnOnce(&mut Self) -> Result<T, DecodeError>,
    ) -> Result<Option<T>, DecodeError> {
        match self.byte()? {
            0 => Ok(None),
            1 => f(self).map(Some),
            _ => Err(DecodeError("option flag")),
        }
    }
}

impl Entry {
    /// Reads the canonical encoding back. Only canonical input is accepted: decoding and
    /// re-encoding gives the same bytes.
    pub fn decode(bytes: &[u8]) -> Result<Entry, DecodeError> {
        let mut r = Reader(bytes);
        if r.byte()? != ENTRY_V1 {
            return Err(DecodeError("unknown version"));
        }
        let e = Entry {
            time: r.i64()?,
            actor_org: r.string()?,
            actor_system: r.opt(Reader::string)?,
            actor_person: r.opt(Reader::string)?,
            action: r.string()?,
            resource: r.opt(Reader::string)?,
            resource_version: r.opt(Reader::i64)?,
            grant: r.opt(Reader::string)?,
            purpose: r.opt(Reader::string)?,
            result: r.string()?,
            subjects: (0..r.u32()?)
                .map(|_| r.string())
                .collect::<Result<_, _>>()?,
        };
        if !r.0.is_empty() || e.encode() != bytes {
            return Err(DecodeError("not canonical"));
        }
        Ok(e)
    }
}

/// The kind of a personal or company identifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubjectKind {
    /// 公民身份号码
    Person,
    /// 统一社会信用代码
    Company,
}

/// The keyed hash under which a subject appears in the log: HMAC-SHA-256 under the platform
/// secret (kept outside the database) of the kind and the normalised identifier. Without the
/// secret the log cannot be searched for a guessed ID number.
pub fn subject_key(secret: &[u8], kind: SubjectKind, id: &str) -> String {
    hex::encode(SubjectHasher::new(secret, kind).digest(id))
}

/// [`subject_key`] for many identifiers of one kind under one secret, as an import hashes
/// every new record's key: the HMAC key schedule is computed once and cloned, and
/// [`SubjectHasher::prefix`] reads the digest's first 64 bits without writing it out in hex.
#[derive(Clone)]
pub struct SubjectHasher {
    keyed: hmac::Hmac<Sha256>,
}

impl SubjectHasher {
    pub fn new(secret: &[u8], kind: SubjectKind) -> SubjectHasher {
        let tag: &[u8] = match kind {
            SubjectKind::Person => b"person\0",
            SubjectKind::Company => b"company\0",
        };
        let mut keyed =
            <hmac::Hmac<Sha256> as KeyInit>::new_from_slice(secret).unwrap_or_else(|_| {
                // HMAC takes keys of any length; this branch cannot happen.
                <hmac::Hmac<Sha256> as KeyInit>::new_from_slice(&[0u8; 32]).expect("fixed key")
            });
        keyed.update(tag);
        SubjectHasher { keyed }
    }

    /// The keyed hash of `id`, trimmed and in upper case (an ID number's x is X).
    pub fn digest(&self, id: &str) -> [u8; 32] {
        let id = id.trim().as_bytes();
        let mut mac = self.keyed.clone();
        let mut buf = [0u8; 64];
        match buf.get_mut(..id.len()) {
            Some(upper) => {
                upper.copy_from_slice(id);
                upper.make_ascii_uppercase();
                mac.update(upper);
            }
            None => mac.update(&id.to_ascii_uppercase()),
        }
        mac.finalize().into_bytes().into()
    }

    /// The first 64 bits of [`SubjectHasher::digest`], big-endian: the first 16 hex digits of
    /// [`subject_key`] read as a number.
    pub fn prefix(&self, id: &str) -> i64 {
        let d = self.digest(id);
        i64::from_be_bytes([d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7]])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry() -> Entry {
        Entry {
            time: 1_790_000_000_000,
            actor_org: "hi-rst".into(),
            actor_system: Some("hi-rst-shbx".into()),
            actor_person: None,
            action: "exchange.lookup".into(),
            resource: Some("101001-000001".into()),
            resource_version: Some(3),
            grant: Some("g-17".into()),
            purpose: Some("社保待遇资格认证".into()),
            result: "ok".into(),
            subjects: vec!["b".into(), "a".into()],
        }
    }

    #[test]
    fn encoding_is_canonical_and_distinguishes_fields() {
        let e = entry();
        let mut reordered = e.clone();
        reordered.subjects = vec!["a".into(), "b".into(), "a".into()];
        assert_eq!(e.encode(), reordered.encode());
        assert_eq!(e.encode()[0], ENTRY_V1);
        // Moving text between fields must change the bytes (no ambiguous concatenation).
        let mut shifted = e.clone();
        shifted.actor_org = "hi-rsthi-rst-shbx".into();
        shifted.actor_system = Some(String::new());
        assert_ne!(e.encode(), shifted.encode());
        let mut none = e.clone();
        none.grant = None;
        assert_ne!(e.encode(), none.encode());
    }

    #[test]
    fn decoding_inverts_encoding_and_refuses_anything_else() {
        let e = entry();
        let bytes = e.encode();
        let mut sorted = e.clone();
        sorted.subjects.sort();
        assert_eq!(Entry::decode(&bytes).unwrap(), sorted);
        assert!(Entry::decode(&bytes[..bytes.len() - 1]).is_err());
        let mut extra = bytes.clone();
        extra.push(0);
        assert!(Entry::decode(&extra).is_err());
        let mut bad_version = bytes;
        bad_version[0] = 9;
        assert!(Entry::decode(&bad_version).is_err());
    }

    #[test]
    fn a_hashers_prefix_is_the_subject_keys_first_64_bits() {
        for id in [
            "11010519491231002x",
            " 914403001922038216 ",
            &"9".repeat(80),
        ] {
            let key = subject_key(b"secret-1", SubjectKind::Person, id);
            let prefix = SubjectHasher::new(b"secret-1", SubjectKind::Person).prefix(id);
            assert_eq!(format!("{:016x}", prefix as u64), key[..16], "{id}");
        }
    }

    #[test]
    fn subject_keys_are_keyed_and_normalised() {
        let a = subject_key(b"secret-1", SubjectKind::Person, "11010519491231002x");
        assert_eq!(
            a,
            subject_key(b"secret-1", SubjectKind::Person, " 11010519491231002X ")
        );
        assert_ne!(
            a,
            subject_key(b"secret-2", SubjectKind::Person, "11010519491231002X")
        );
        assert_ne!(
            a,
            subject_key(b"secret-1", SubjectKind::Company, "11010519491231002X")
        );
        assert!(!a.contains("110105"));
        assert_eq!(a.len(), 64);
    }
}
