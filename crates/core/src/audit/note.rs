//! Signed checkpoints in the C2SP formats: `tlog-checkpoint` (origin, size, root hash) inside a
//! `signed-note` with Ed25519 signatures. A witness cosigns by adding its own signature line
//! over the same body.
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use ed25519_dalek::{Signature, Signer as _, SigningKey, Verifier as _, VerifyingKey};
use sha2::{Digest, Sha256};

use super::merkle::Hash;

const ED25519: u8 = 0x01;
const DASH: &str = "\u{2014} ";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    pub origin: String,
    pub size: u64,
    pub root: Hash,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NoteError {
    #[error("malformed note: {0}")]
    Malformed(&'static str),
    #[error("malformed key: {0}")]
    BadKey(&'static str),
}

impl Checkpoint {
    /// The note body: origin, decimal size and base64 root, each on its own line.
    pub fn body(&self) -> String {
        format!(
            "{}\n{}\n{}\n",
            self.origin,
            self.size,
            B64.encode(self.root)
        )
    }

    pub fn parse_body(body: &str) -> Result<Checkpoint, NoteError> {
        let mut lines = body.split('\n');
        let origin = lines
            .next()
            .filter(|o| !o.is_empty())
            .ok_or(NoteError::Malformed("origin"))?;
        let size_text = lines.next().ok_or(NoteError::Malformed("size"))?;
        if size_text.is_empty() || (size_text.len() > 1 && size_text.starts_with('0')) {
            return Err(NoteError::Malformed("size"));
        }
        let size = size_text
            .parse()
            .map_err(|_| NoteError::Malformed("size"))?;
        let root_bytes = B64
            .decode(lines.next().ok_or(NoteError::Malformed("root"))?)
            .map_err(|_| NoteError::Malformed("root"))?;
        let root: Hash = root_bytes
            .try_into()
            .map_err(|_| NoteError::Malformed("root length"))?;
        if !body.ends_with('\n') {
            return Err(NoteError::Malformed("body must end with a newline"));
        }
        Ok(Checkpoint {
            origin: origin.to_string(),
            size,
            root,
        })
    }
}

fn key_hash(name: &str, public: &VerifyingKey) -> [u8; 4] {
    let mut h = Sha256::new();
    h.update(name.as_bytes());
    h.update(b"\n");
    h.update([ED25519]);
    h.update(public.as_bytes());
    let d = h.finalize();
    [d[0], d[1], d[2], d[3]]
}

fn valid_name(name: &str) -> bool {
    !name.is_empty() && !name.contains(|c: char| c.is_whitespace() || c == '+')
}

/// A named Ed25519 signing key.
pub struct NoteSigner {
    name: String,
    key: SigningKey,
}

impl NoteSigner {
    pub fn new(name: &str, secret: [u8; 32]) -> Result<Self, NoteError> {
        if !valid_name(name) {
            return Err(NoteError::BadKey(
                "name must be non-empty, without spaces or '+'",
            ));
        }
        Ok(NoteSigner {
            name: name.to_string(),
            key: SigningKey::from_bytes(&secret),
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn verifier(&self) -> NoteVerifier {
        NoteVerifier {
            name: self.name.clone(),
            key: self.key.verifying_key(),
        }
    }

    /// One signature line over `body`.
    pub fn sign_line(&self, body: &str) -> String {
        let sig = self.key.sign(body.as_bytes());
        let mut blob = key_hash(&self.name, &self.key.verifying_key()).to_vec();
        blob.extend_from_slice(&sig.to_bytes());
        format!("{DASH}{} {}\n", self.name, B64.encode(blob))
    }

    /// A complete signed note: body, blank line, signature.
    pub fn sign(&self, body: &str) -> String {
        format!("{body}\n{}", self.sign_line(body))
    }
}

/// A named Ed25519 public key, printable as `name+hash+base64(0x01 ‖ key)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteVerifier {
    pub name: String,
    key: VerifyingKey,
}

impl NoteVerifier {
    pub fn encode(&self) -> String {
        let mut k = vec![ED25519];
        k.extend_from_slice(self.key.as_bytes());
        format!(
            "{}+{}+{}",
            self.name,
            hex::encode(key_hash(&self.name, &self.key)),
            B64.encode(k)
        )
    }

    pub fn parse(s: &str) -> Result<NoteVerifier, NoteError> {
        let mut parts = s.trim().splitn(3, '+');
        let (Some(name), Some(hash), Some(key)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(NoteError::BadKey("expected name+hash+key"));
        };
        let bytes = B64
            .decode(key)
            .map_err(|_| NoteError::BadKey("key is not base64"))?;
        let (alg, raw) = bytes.split_first().ok_or(NoteError::BadKey("empty key"))?;
        if *alg != ED25519 {
            return Err(NoteError::BadKey("only Ed25519 keys are supported"));
        }
        let raw: [u8; 32] = raw
            .try_into()
            .map_err(|_| NoteError::BadKey("Ed25519 keys are 32 bytes"))?;
        let key = VerifyingKey::from_bytes(&raw)
            .map_err(|_| NoteError::BadKey("not an Ed25519 point"))?;
        let v = NoteVerifier {
            name: name.to_string(),
            key,
        };
        if hex::encode(key_hash(name, &v.key)) != hash {
            return Err(NoteError::BadKey("key hash does not match"));
        }
        Ok(v)
    }

    fn key_hash(&self) -> [u8; 4] {
        key_hash(&self.name, &self.key)
    }
}

/// A parsed signed note.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedNote {
    pub body: String,
    /// (name, key hash, signature) in order of appearance.
    pub signatures: Vec<(String, [u8; 4], [u8; 64])>,
}

impl SignedNote {
    pub fn parse(text: &str) -> Result<SignedNote, NoteError> {
        let split = text
            .rfind("\n\n")
            .ok_or(NoteError::Malformed("no blank line before signatures"))?;
        let body = &text[..split + 1];
        let mut signatures = Vec::new();
        for line in text[split + 2..].split_terminator('\n') {
            let rest = line.strip_prefix(DASH).ok_or(NoteError::Malformed(
                "signature line must start with an em dash",
            ))?;
            let (name, blob) = rest
                .rsplit_once(' ')
                .ok_or(NoteError::Malformed("signature line"))?;
            let blob = B64
                .decode(blob)
                .map_err(|_| NoteError::Malformed("signature is not base64"))?;
            if blob.len() != 68 {
                return Err(NoteError::Malformed(
                    "Ed25519 signature blob must be 68 bytes",
                ));
            }
            let mut hash = [0u8; 4];
            hash.copy_from_slice(&blob[..4]);
            let mut sig = [0u8; 64];
            sig.copy_from_slice(&blob[4..]);
            signatures.push((name.to_string(), hash, sig));
        }
        if signatures.is_empty() {
            return Err(NoteError::Malformed("no signatures"));
        }
        Ok(SignedNote {
            body: body.to_string(),
            signatures,
        })
    }

    /// Whether `v` signed this note's body.
    pub fn signed_by(&self, v: &NoteVerifier) -> bool {
        self.signatures.iter().any(|(name, hash, sig)| {
            name == &v.name
                && *hash == v.key_hash()
                && v.key
                    .verify(self.body.as_bytes(), &Signature::from_bytes(sig))
                    .is_ok()
        })
    }

    /// The note as text: body, blank line, signature lines.
    pub fn to_text(&self) -> String {
        let mut out = format!("{}\n", self.body);
        for (name, hash, sig) in &self.signatures {
            let mut blob = hash.to_vec();
            blob.extend_from_slice(sig);
            out.push_str(&format!("{DASH}{name} {}\n", B64.encode(blob)));
        }
        out
    }

    /// Adds a cosignature (a witness's signature over the same body).
    pub fn cosign(&self, witness: &NoteSigner) -> String {
        self.to_text() + &witness.sign_line(&self.body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn checkpoint() -> Checkpoint {
        Checkpoint {
            origin: "shuqiao.example/audit".into(),
            size: 42,
            root: [7u8; 32],
        }
    }

    #[test]
    fn checkpoint_body_round_trips() {
        let c = checkpoint();
        assert_eq!(
            c.body(),
            "shuqiao.example/audit\n42\nBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=\n"
        );
        assert_eq!(Checkpoint::parse_body(&c.body()).unwrap(), c);
        assert!(Checkpoint::parse_body("o\n042\nBwc=\n").is_err());
    }

    #[test]
    fn signed_note_verifies_only_for_its_key_and_body() {
        let log = NoteSigner::new("shuqiao.example/audit", [1u8; 32]).unwrap();
        let other = NoteSigner::new("shuqiao.example/audit", [2u8; 32]).unwrap();
        let text = log.sign(&checkpoint().body());
        let note = SignedNote::parse(&text).unwrap();
        assert!(note.signed_by(&log.verifier()));
        assert!(!note.signed_by(&other.verifier()));
        let tampered = SignedNote::parse(&text.replace("\n42\n", "\n43\n")).unwrap();
        assert!(!tampered.signed_by(&log.verifier()));
    }

    #[test]
    fn verifier_keys_round_trip_and_reject_a_wrong_hash() {
        let v = NoteSigner::new("log", [3u8; 32]).unwrap().verifier();
        let s = v.encode();
        assert_eq!(NoteVerifier::parse(&s).unwrap(), v);
        let mut bad = s.clone();
        bad.replace_range(4..6, if &s[4..6] == "00" { "11" } else { "00" });
        assert!(NoteVerifier::parse(&bad).is_err());
    }

    #[test]
    fn witness_cosignature_keeps_the_log_signature() {
        let log = NoteSigner::new("log", [1u8; 32]).unwrap();
        let witness = NoteSigner::new("witness.haikou", [9u8; 32]).unwrap();
        let note = SignedNote::parse(&log.sign(&checkpoint().body())).unwrap();
        let both = SignedNote::parse(&note.cosign(&witness)).unwrap();
        assert!(both.signed_by(&log.verifier()) && both.signed_by(&witness.verifier()));
        assert_eq!(both.signatures.len(), 2);
    }
}
