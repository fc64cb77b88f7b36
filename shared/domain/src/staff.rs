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

/// A signed-in member of IMI staff.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Staff {
    /// The token's subject: stable and opaque, used in the audit trail.
    pub subject: String,
    pub email: Option<EmailAddress>,
    groups: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AccessRefused {
    #[error("not signed in")]
    NotSignedIn,
    #[error("not in a group allowed to do this")]
    WrongGroup,
}

impl Staff {
    /// Reads the claims API Gateway passes on after verifying the token.
    /// Groups arrive as a list, or flattened by API Gateway to `[a b]`.
    pub fn from_claims(
        subject: Option<&str>,
        email: Option<&str>,
        groups: Option<&str>,
    ) -> Result<Self, AccessRefused> {
        let subject = subject
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .ok_or(AccessRefused::NotSignedIn)?;
        let groups = groups
            .unwrap_or_default()
            .trim_matches(|c| c == '[' || c == ']')
            .split(|c: char| c == ',' || c.is_whitespace())
            .map(|group| group.trim_matches('"').to_owned())
            .filter(|group| !group.is_empty())
            .collect();
        Ok(Self {
            subject: subject.to_owned(),
            email: email.and_then(|e| EmailAddress::parse(e).ok()),
            groups,
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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_are_read_as_api_gateway_flattens_them() {
        let staff = Staff::from_claims(Some("abc"), Some("ana@imi.org"), Some("[iln-vetters other]")).unwrap();
        assert!(staff.may_act_as(StaffRole::Vetter));
        assert!(!staff.may_act_as(StaffRole::Admin));
        let admin = Staff::from_claims(Some("xyz"), None, Some("iln-admins")).unwrap();
        assert!(admin.may_act_as(StaffRole::Vetter), "admins may vet");
    }

    #[test]
    fn no_subject_is_not_signed_in_and_no_group_is_refused() {
        assert_eq!(
            Staff::from_claims(None, None, Some("iln-vetters")),
            Err(AccessRefused::NotSignedIn)
        );
        let nobody = Staff::from_claims(Some("abc"), None, None).unwrap();
        assert_eq!(nobody.require(StaffRole::Vetter), Err(AccessRefused::WrongGroup));
    }
}
