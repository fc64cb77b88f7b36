//! Resuming an import that stopped part-way, without skipping rows of
//! another document.

/// Where an import that stopped part-way goes on: after the first
/// `imported` accepted entries of this very document (its digest is in the
/// token, so a token cannot skip rows of another document).
pub fn resume_token(document: &[u8], imported: usize) -> String {
    format!("{imported}.{}", document_digest(document))
}

/// The number of accepted entries of `document` a resumed import skips.
pub fn resume_point(document: &[u8], token: &str) -> Result<usize, BadResumeToken> {
    let (imported, digest) = token.trim().split_once('.').ok_or(BadResumeToken::Malformed)?;
    let imported = imported.parse().map_err(|_| BadResumeToken::Malformed)?;
    match digest == document_digest(document) {
        true => Ok(imported),
        false => Err(BadResumeToken::OtherDocument),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum BadResumeToken {
    #[error("resume_from is not a token this service gave out")]
    Malformed,
    #[error("resume_from belongs to another document: send the same document again, or start without it")]
    OtherDocument,
}

fn document_digest(document: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(document)
        .iter()
        .take(16)
        .map(|byte| format!("{byte:02x}"))
        .collect()
}
