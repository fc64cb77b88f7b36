//! A member's own page: signing in with a link mailed to the member's
//! address (single use, short-lived), the session that link opens, and the
//! page's words. What the member may change is in `membership`.

use chrono::{DateTime, Duration, Utc};

use crate::membership::{AddressRefused, Member, MemberId, NoLongerActive};
use crate::message::Message;
use crate::person::EmailAddress;
use crate::token::{Token, TokenHash};

pub const SIGN_IN_PATH: &str = "/members/sign-in";
pub const SESSION_PATH: &str = "/members/session";
pub const PAGE_PATH: &str = "/members/me";
pub const RESIGN_PATH: &str = "/members/me/resign";
pub const SIGN_OUT_PATH: &str = "/members/sign-out";
/// Where the member asks for a new address (signed in).
pub const NEW_ADDRESS_PATH: &str = "/members/me/address";
/// Where the link mailed to the new address confirms it.
pub const ADDRESS_PATH: &str = "/members/address";

/// `__Host-`: the browser keeps it only if it is Secure, for the whole
/// site, and set by this host, so no other site's cookie can stand in.
pub const SESSION_COOKIE: &str = "__Host-iln-member";

/// At most one sign-in mail per member in each window: asking again sends
/// nothing more, and the link already sent still works. This is what stops
/// the form being used to flood a member's mailbox.
pub const SIGN_IN_WINDOW: Duration = Duration::minutes(5);

/// How long a session lasts from sign-in, however it is used.
pub const SESSION_LENGTH: Duration = Duration::hours(1);

/// The mail that carries a sign-in link to `member`, numbered by the window
/// `now` falls in, so that a second request in the window is the same
/// message (stored once, sent once).
pub fn sign_in_mail(member: &Member, now: DateTime<Utc>) -> Result<Message, NoLongerActive> {
    let nomination_id = member.active_nomination()?;
    Ok(Message::MemberSignIn {
        nomination_id,
        member_id: member.id,
        to: member.email.clone(),
        language: member.language(),
        window: window_of(now),
    })
}

/// The mail asking `member` to confirm `to` from that address, numbered
/// by window as the sign-in mail is: one such mail per member per window.
pub fn address_confirmation_mail(
    member: &Member,
    to: &EmailAddress,
    now: DateTime<Utc>,
) -> Result<Message, AddressRefused> {
    let nomination_id = member.active_nomination()?;
    if member.email.identity() == to.identity() {
        return Err(AddressRefused::Unchanged);
    }
    Ok(Message::MemberAddressConfirmation {
        nomination_id,
        member_id: member.id,
        from: member.email.clone(),
        to: to.clone(),
        language: member.language(),
        window: window_of(now),
    })
}

fn window_of(now: DateTime<Utc>) -> u64 {
    u64::try_from(now.timestamp() / SIGN_IN_WINDOW.num_seconds()).unwrap_or_default()
}

/// A signed-in member, as stored under the hash of the cookie's secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub member_id: MemberId,
    /// Every form of the page carries it: a request without it did not come
    /// from the page (SameSite=Strict already stops most such requests;
    /// this stops the rest).
    pub form_token: String,
    pub valid_until: DateTime<Utc>,
}

impl Session {
    /// The session a sign-in opens at `now`; `form_token` is random.
    pub fn open(member_id: MemberId, form_token: &Token, now: DateTime<Utc>) -> Self {
        Self {
            member_id,
            form_token: form_token.as_str().to_owned(),
            valid_until: now + SESSION_LENGTH,
        }
    }

    pub fn is_open(&self, now: DateTime<Utc>) -> bool {
        now < self.valid_until
    }

    /// Whether a form came from this session's page. The comparison takes
    /// the same time wherever the two differ.
    pub fn sent_from_page(&self, presented: &str) -> bool {
        crate::token::same_secret(&self.form_token, presented)
    }
}

/// The `Set-Cookie` value that keeps `secret` in the browser for the
/// session's length: never readable by scripts, never sent cross-site.
pub fn session_cookie(secret: &Token) -> String {
    format!(
        "{SESSION_COOKIE}={}; Path=/; Max-Age={}; Secure; HttpOnly; SameSite=Strict",
        secret.as_str(),
        SESSION_LENGTH.num_seconds()
    )
}

/// The `Set-Cookie` value that removes the session's cookie.
pub fn cleared_cookie() -> String {
    format!("{SESSION_COOKIE}=; Path=/; Max-Age=0; Secure; HttpOnly; SameSite=Strict")
}

/// The hash of the session secret in a `Cookie` header, if it holds one of
/// ours; anything else is no session at all.
pub fn presented_session<'a>(cookie_headers: impl IntoIterator<Item = &'a str>) -> Option<TokenHash> {
    crate::token::presented_in_cookie(cookie_headers, SESSION_COOKIE)
}

/// Why a member's link (sign-in, address confirmation) does not work.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkProblem {
    Unknown,
    Used,
    Expired,
}

impl LinkProblem {
    /// What keeps a known link of the right purpose from working at `now`:
    /// used once already, or past its time; `None` while it works.
    pub fn of(used_at: Option<DateTime<Utc>>, valid_until: DateTime<Utc>, now: DateTime<Utc>) -> Option<Self> {
        match () {
            _ if used_at.is_some() => Some(LinkProblem::Used),
            _ if valid_until <= now => Some(LinkProblem::Expired),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::membership::MemberStatus;

    fn member(status: MemberStatus) -> Member {
        crate::test_support::member(status)
    }

    fn at(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(seconds, 0).unwrap()
    }

    #[test]
    fn two_requests_in_the_same_five_minutes_are_one_mail_and_the_next_window_another() {
        let active = member(MemberStatus::Active);
        let first = sign_in_mail(&active, at(1_800_000_000)).unwrap();
        let again = sign_in_mail(&active, at(1_800_000_000 + 299)).unwrap();
        let later = sign_in_mail(&active, at(1_800_000_000 + 300)).unwrap();

        assert_eq!(first.id(), again.id());
        assert_ne!(first.id(), later.id());
        assert_eq!(first.member_id(), Some(active.id));
    }

    #[test]
    fn only_an_active_member_is_sent_a_sign_in_link() {
        for status in [MemberStatus::Derecognized, MemberStatus::Resigned] {
            assert_eq!(
                sign_in_mail(&member(status), at(1_800_000_000)),
                Err(NoLongerActive(status))
            );
        }
    }

    #[test]
    fn a_new_address_is_confirmed_from_that_address_and_only_the_address_it_was_asked_for_changes() {
        let active = member(MemberStatus::Active);
        let new = EmailAddress::parse("amara.new@example.org").unwrap();
        let mail = address_confirmation_mail(&active, &new, at(1_800_000_000)).unwrap();
        let Message::MemberAddressConfirmation { from, to, .. } = &mail else {
            panic!("a confirmation mail: {mail:?}");
        };
        assert_eq!((from, to), (&active.email, &new));
        assert_eq!(
            address_confirmation_mail(&active, &active.email, at(1_800_000_000)),
            Err(AddressRefused::Unchanged)
        );

        let change = crate::membership::change_address(&active, from, to, at(1_800_000_100)).unwrap();
        assert!(
            matches!(&change.messages[..], [Message::MemberAddressChanged { to, .. }] if to == &active.email),
            "the address left is told: {:?}",
            change.messages
        );
        let moved = Member {
            email: new.clone(),
            ..active.clone()
        };
        assert_eq!(
            crate::membership::change_address(&moved, from, &new, at(1_800_000_200)),
            Err(AddressRefused::Superseded),
            "a second use of an old request changes nothing"
        );
    }

    #[test]
    fn a_link_works_until_it_is_used_or_its_time_is_up() {
        let until = at(1_800_000_900);
        assert_eq!(LinkProblem::of(None, until, at(1_800_000_899)), None);
        assert_eq!(LinkProblem::of(None, until, until), Some(LinkProblem::Expired));
        assert_eq!(
            LinkProblem::of(Some(at(1_800_000_100)), until, at(1_800_000_200)),
            Some(LinkProblem::Used),
            "used before its time is up"
        );
    }

    #[test]
    fn a_session_lasts_an_hour_and_takes_only_its_own_form_token() {
        let form_token = Token::from_random([7; 32]);
        let session = Session::open(member(MemberStatus::Active).id, &form_token, at(1_800_000_000));

        assert!(session.is_open(at(1_800_000_000 + 3_599)));
        assert!(!session.is_open(at(1_800_000_000 + 3_600)));
        assert!(session.sent_from_page(form_token.as_str()));
        assert!(!session.sent_from_page(Token::from_random([8; 32]).as_str()));
        assert!(!session.sent_from_page(""));
    }

    #[test]
    fn the_session_is_found_among_other_cookies_and_nothing_else_passes_for_it() {
        let secret = Token::from_random([9; 32]);
        let header = format!("theme=dark; {SESSION_COOKIE}={}; other=1", secret.as_str());

        assert_eq!(presented_session([header.as_str()]), Some(secret.hash()));
        assert_eq!(presented_session(["theme=dark"]), None);
        assert_eq!(presented_session([format!("{SESSION_COOKIE}=short").as_str()]), None);
        assert_eq!(
            presented_session([format!("iln-member={}", secret.as_str()).as_str()]),
            None
        );
    }

    #[test]
    fn the_cookie_is_secure_http_only_strict_and_for_the_whole_site() {
        let cookie = session_cookie(&Token::from_random([1; 32]));

        assert!(cookie.starts_with("__Host-iln-member="));
        for attribute in ["Path=/", "Max-Age=3600", "Secure", "HttpOnly", "SameSite=Strict"] {
            assert!(cookie.contains(attribute), "{cookie} lacks {attribute}");
        }
        assert!(cleared_cookie().contains("Max-Age=0"));
    }
}
