//! IMI staff as the HTTP API's JWT authorizer identifies them, and what each
//! may do.

use crate::person::EmailAddress;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StaffRole {
    Vetter,
    Admin,
}

impl StaffRole {
    /// The identity provider's group (Cognito group) that grants the role.
    pub fn group(self) -> &'static str {
        match self {
            Self::Vetter => "iln-vetters",
            Self::Admin => "iln-admins",
        }
    }
}

/// A signed-in member of IMI staff. Serialised only into the console's
/// session, from a token already checked.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Staff {
    /// The token's subject: stable and opaque, used in the audit trail.
    pub subject: String,
    /// The staff member's address, only when the identity provider verified
    /// it: it decides who is the nominator or an endorser of a nomination.
    pub email: Option<EmailAddress>,
    groups: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AccessRefused {
    #[error("not signed in")]
    NotSignedIn,
    /// API Gateway's JWT authorizer also passes Cognito access tokens (their
    /// `client_id` matches the audience), which carry no e-mail: only the
    /// ID token says who the staff member is.
    #[error("the token is not an ID token")]
    NotAnIdToken,
    /// The token names an address its identity provider has not verified.
    #[error("the token's e-mail address is not verified")]
    EmailNotVerified,
    #[error("not in a group allowed to do this")]
    WrongGroup,
}

/// The claims of a verified token, as API Gateway passes them: every value a
/// string, an array as `[a b]`.
pub type Claims = std::collections::HashMap<String, String>;

impl Staff {
    /// Reads the claims API Gateway passes on after verifying the token.
    /// Only an ID token (`token_use` `id`) identifies a staff member; its
    /// e-mail counts only with `email_verified` `true`, and an address the
    /// token admits is unverified refuses the token.
    pub fn from_claims(claims: &Claims) -> Result<Self, AccessRefused> {
        let claim = |name: &str| claims.get(name).map(String::as_str);
        let subject = claim("sub")
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .ok_or(AccessRefused::NotSignedIn)?;
        if claim("token_use").map(str::trim) != Some("id") {
            return Err(AccessRefused::NotAnIdToken);
        }
        let email = match claim("email").map(str::trim).filter(|e| !e.is_empty()) {
            None => None,
            Some(_) if claim("email_verified").map(str::trim) != Some("true") => {
                return Err(AccessRefused::EmailNotVerified);
            }
            Some(email) => Some(EmailAddress::parse(email).map_err(|_| AccessRefused::EmailNotVerified)?),
        };
        Ok(Self {
            subject: subject.to_owned(),
            email,
            groups: claim("cognito:groups").map(groups).unwrap_or_default(),
        })
    }

    /// Admins may do everything vetters may.
    pub fn may_act_as(&self, role: StaffRole) -> bool {
        let has = |role: StaffRole| self.groups.iter().any(|group| group == role.group());
        has(role) || (role == StaffRole::Vetter && has(StaffRole::Admin))
    }

    pub fn require(&self, role: StaffRole) -> Result<(), AccessRefused> {
        self.may_act_as(role).then_some(()).ok_or(AccessRefused::WrongGroup)
    }

    /// Who the audit trail says acted, for a command vetters and admins
    /// may both give: an admin as an admin, anyone else as a vetter.
    pub fn actor(&self) -> crate::audit::Actor {
        match self.may_act_as(StaffRole::Admin) {
            true => crate::audit::Actor::Admin(self.subject.clone()),
            false => crate::audit::Actor::Vetter(self.subject.clone()),
        }
    }
}

/// A groups claim read as the list it is. API Gateway passes an array claim
/// as `[a b]` (Cognito group names hold no whitespace); an identity provider
/// may send a JSON array, or one group as a plain string. A comma is part of
/// a name, never a separator: `"iln-members,iln-admins"` is one (unknown)
/// group, not two.
fn groups(raw: &str) -> Vec<String> {
    let raw = raw.trim();
    if let Ok(list) = serde_json::from_str::<Vec<String>>(raw) {
        return list.into_iter().filter(|group| !group.is_empty()).collect();
    }
    match raw.strip_prefix('[').and_then(|inner| inner.strip_suffix(']')) {
        Some(inner) => inner.split_whitespace().map(str::to_owned).collect(),
        None if raw.is_empty() => Vec::new(),
        None => vec![raw.to_owned()],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn staff(pairs: &[(&str, &str)]) -> Result<Staff, AccessRefused> {
        let claims: Claims = pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        Staff::from_claims(&claims)
    }

    const ID: (&str, &str) = ("token_use", "id");

    #[test]
    fn groups_are_read_as_api_gateway_flattens_them() {
        let vetter = staff(&[
            ("sub", "abc"),
            ID,
            ("email", "ana@imi.org"),
            ("email_verified", "true"),
            ("cognito:groups", "[iln-vetters other]"),
        ])
        .unwrap();
        assert!(vetter.may_act_as(StaffRole::Vetter));
        assert!(!vetter.may_act_as(StaffRole::Admin));
        let admin = staff(&[("sub", "xyz"), ID, ("cognito:groups", "iln-admins")]).unwrap();
        assert!(admin.may_act_as(StaffRole::Vetter), "admins may vet");
        let json = staff(&[("sub", "xyz"), ID, ("cognito:groups", r#"["iln-admins"]"#)]).unwrap();
        assert!(json.may_act_as(StaffRole::Admin), "a JSON array is a list too");
        assert_eq!(vetter.actor(), crate::audit::Actor::Vetter("abc".into()));
        assert_eq!(
            admin.actor(),
            crate::audit::Actor::Admin("xyz".into()),
            "an admin acts as one"
        );
    }

    #[test]
    fn a_comma_is_part_of_a_group_name_never_a_separator() {
        for (raw, why) in [
            ("[iln-members,iln-admins]", "API Gateway's list of one odd name"),
            ("iln-members,iln-admins", "one string"),
            ("iln-members, iln-admins", "one string with a space"),
            (r#"["iln-members,iln-admins"]"#, "a JSON list of one name"),
        ] {
            let odd = staff(&[("sub", "abc"), ID, ("cognito:groups", raw)]).unwrap();
            assert!(!odd.may_act_as(StaffRole::Vetter), "{why}: {raw}");
        }
    }

    #[test]
    fn only_an_id_token_identifies_staff() {
        let access = staff(&[
            ("sub", "abc"),
            ("token_use", "access"),
            ("client_id", "c"),
            ("cognito:groups", "[iln-admins]"),
        ]);
        let unmarked = staff(&[("sub", "abc"), ("cognito:groups", "[iln-admins]")]);
        assert_eq!(access, Err(AccessRefused::NotAnIdToken));
        assert_eq!(unmarked, Err(AccessRefused::NotAnIdToken));
    }

    #[test]
    fn an_email_counts_only_when_verified() {
        let unverified = staff(&[
            ("sub", "abc"),
            ID,
            ("email", "ana@imi.org"),
            ("email_verified", "false"),
        ]);
        let unsaid = staff(&[("sub", "abc"), ID, ("email", "ana@imi.org")]);
        let verified = staff(&[("sub", "abc"), ID, ("email", "ana@imi.org"), ("email_verified", "true")]).unwrap();
        let none = staff(&[("sub", "abc"), ID]).unwrap();
        assert_eq!(unverified, Err(AccessRefused::EmailNotVerified));
        assert_eq!(unsaid, Err(AccessRefused::EmailNotVerified));
        assert_eq!(verified.email.unwrap().as_str(), "ana@imi.org");
        assert_eq!(none.email, None, "no address: may read, not decide");
    }

    #[test]
    fn no_subject_is_not_signed_in_and_no_group_is_refused() {
        assert_eq!(
            staff(&[ID, ("cognito:groups", "iln-vetters")]),
            Err(AccessRefused::NotSignedIn)
        );
        let nobody = staff(&[("sub", "abc"), ID]).unwrap();
        assert_eq!(nobody.require(StaffRole::Vetter), Err(AccessRefused::WrongGroup));
    }
}
