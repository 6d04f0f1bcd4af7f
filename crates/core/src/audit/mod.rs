//! The tamper-evident audit log's rules: Merkle hashing and proofs (RFC 9162), signed
//! checkpoints (C2SP signed-note / tlog-checkpoint, Ed25519) and the canonical entry encoding.
pub mod entry;
pub mod merkle;
pub mod note;
pub mod verify;
