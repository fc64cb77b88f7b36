//! The links mail carries: a token in the query or the path, whose hash
//! finds what it is for. What the token's state means (used, expired, moved
//! on) is the domain's to say.

use iln_domain::token::{TokenHash, TokenPurpose};
use iln_domain::{Language, Nomination, NominationId};
use lambda_http::{Request, RequestExt};

use crate::dynamodb::{Dossier, NominationTable, StoreError, StoredToken};

/// What a link is for, read as much as its page needs.
pub trait LinkTarget: Sized {
    fn read(table: &NominationTable, id: NominationId)
    -> impl Future<Output = Result<Option<Self>, StoreError>> + Send;
    fn nomination(&self) -> &Nomination;
}

impl LinkTarget for Nomination {
    async fn read(table: &NominationTable, id: NominationId) -> Result<Option<Self>, StoreError> {
        table.nomination(id).await
    }

    fn nomination(&self) -> &Nomination {
        self
    }
}

impl LinkTarget for Dossier {
    async fn read(table: &NominationTable, id: NominationId) -> Result<Option<Self>, StoreError> {
        table.dossier(id).await
    }

    fn nomination(&self) -> &Nomination {
        &self.nomination
    }
}

/// A presented token that is known, for this purpose, with what it is for.
pub struct Link<T> {
    pub target: T,
    pub token: StoredToken,
    pub hash: TokenHash,
    /// The link's `?lang=`, else the language its reader was written in:
    /// the nominee's for their links, the nomination's for the nominator's.
    pub language: Language,
}

/// The link behind `presented`, or `None` when no such token was issued for
/// `purpose` (or what it was for is gone): every unknown link looks alike.
pub async fn find<T: LinkTarget>(
    table: &NominationTable,
    request: &Request,
    presented: Option<&str>,
    purpose: TokenPurpose,
) -> Result<Option<Link<T>>, StoreError> {
    find_accepting(table, request, presented, |issued| issued == purpose).await
}

/// As [`find`], for a page more than one kind of link opens (the withdraw
/// page: the withdraw link and the status link).
pub async fn find_accepting<T: LinkTarget>(
    table: &NominationTable,
    request: &Request,
    presented: Option<&str>,
    accepts: impl Fn(TokenPurpose) -> bool,
) -> Result<Option<Link<T>>, StoreError> {
    let Some(hash) = presented.and_then(TokenHash::of_presented) else {
        return Ok(None);
    };
    let Some(token) = table.token(&hash).await?.filter(|token| accepts(token.purpose)) else {
        return Ok(None);
    };
    let Some(target) = T::read(table, token.nomination_id).await? else {
        return Ok(None);
    };
    let submission = &target.nomination().submission;
    let written_in = match token.purpose.is_for_nominee() {
        true => submission.nominee_language(),
        false => submission.language,
    };
    let language = chosen_language(request).unwrap_or(written_in);
    Ok(Some(Link {
        target,
        token,
        hash,
        language,
    }))
}

/// The language a link's `?lang=` asks for, if it names one we speak.
pub fn chosen_language(request: &Request) -> Option<Language> {
    request
        .query_string_parameters_ref()
        .and_then(|query| query.first("lang"))
        .and_then(|raw| Language::parse(raw).ok())
}
