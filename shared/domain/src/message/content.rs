//! What a message says: an e-mail's words and links, a note's text. Who it
//! goes to and in which language comes from the kind's `Spec`.

use super::{Email, MailLinks, Message};
use crate::i18n::Language;
use crate::nomination::NominationId;
use crate::pages::{self, RenderError};
use crate::person::EmailAddress;
use crate::slack::ChannelLanguage;
use crate::slack::replies::actor_name;
use crate::token::TokenPurpose;

impl Message {
    /// The e-mail, in its reader's language, with the token's link; `None`
    /// for messages that are not e-mails.
    pub fn render_email(&self, links: &MailLinks) -> Result<Option<Email>, RenderError> {
        let spec = self.spec();
        let Some(mail) = spec.mail else {
            return Ok(None);
        };
        let variables = self.mail_variables(links);
        let context = match mail.nominator {
            Some(addressee) => minijinja::context! {
                nominator_name => addressee.nominator_name.as_str(),
                nominee_name => addressee.nominee_name.as_str(),
                ..variables
            },
            None => variables,
        };
        let subject_values: Vec<(&str, &str)> = mail.subject.into_iter().collect();
        email(mail.to, mail.language, spec.kind, &subject_values, &context).map(Some)
    }

    /// What an e-mail's template fills in besides the people's names.
    fn mail_variables(&self, links: &MailLinks) -> minijinja::Value {
        let (base_url, key) = (&links.base_url, &links.key);
        match self {
            Message::NominatorVerification { nomination_id, .. } => {
                let verify = self.link(key, TokenPurpose::VerifyNominatorEmail);
                let withdraw = self.link(key, TokenPurpose::WithdrawNomination);
                let follow = self.link(key, TokenPurpose::FollowNomination);
                minijinja::context! {
                    status_url => base_url.link(pages::STATUS_PATH, &[("token", follow.as_str())]),
                    reference => nomination_id.to_string(),
                    verify_url => base_url.link(pages::VERIFY_PATH, &[("token", verify.as_str())]),
                    withdraw_url => base_url.link(pages::WITHDRAW_PATH, &[("token", withdraw.as_str())]),
                    valid_hours => links.validity.of(TokenPurpose::VerifyNominatorEmail).num_hours(),
                }
            }
            Message::Rejection { reason, .. } => minijinja::context! { reason => reason },
            Message::InformationRequest { question, .. } => {
                let token = self.link(key, TokenPurpose::ProvideInformation);
                minijinja::context! {
                    question => question,
                    information_url => base_url.link(pages::INFORMATION_PATH, &[("token", token.as_str())]),
                    valid_days => links.validity.of(TokenPurpose::ProvideInformation).num_days(),
                }
            }
            Message::Welcome {
                member_name,
                slack_join_url,
                language,
                ..
            } => minijinja::context! {
                member_name => member_name.as_str(),
                slack_join_url => slack_join_url,
                member_page_url => base_url.link(crate::member_access::SIGN_IN_PATH, &[("lang", language.code())]),
            },
            Message::MemberAddressConfirmation { to, language, .. } => {
                let token = self.link(key, TokenPurpose::ConfirmMemberAddress);
                minijinja::context! {
                    address => to.as_str(),
                    confirm_url => base_url.link(
                        crate::member_access::ADDRESS_PATH,
                        &[("token", token.as_str()), ("lang", language.code())],
                    ),
                    valid_hours => links.validity.of(TokenPurpose::ConfirmMemberAddress).num_hours(),
                }
            }
            Message::MemberAddressChanged { language, .. } => minijinja::context! {
                contact => links.policies.contact.as_str(),
                member_page_url => base_url.link(crate::member_access::SIGN_IN_PATH, &[("lang", language.code())]),
            },
            Message::MemberSignIn { language, .. } => {
                let token = self.link(key, TokenPurpose::SignInMember);
                minijinja::context! {
                    sign_in_url => base_url.link(
                        crate::member_access::SESSION_PATH,
                        &[("token", token.as_str()), ("lang", language.code())],
                    ),
                    valid_minutes => links.validity.of(TokenPurpose::SignInMember).num_minutes(),
                }
            }
            Message::Derecognition {
                member_name, reason, ..
            } => minijinja::context! { member_name => member_name.as_str(), reason => reason },
            Message::IacReferral {
                member_id,
                country,
                reason,
                ..
            } => minijinja::context! { reference => member_id, country => country, reason => reason },
            Message::NominationReferral {
                nomination_id,
                reason,
                file,
                ..
            } => minijinja::context! { reference => nomination_id.to_string(), reason => reason, file => file },
            Message::NomineeNotice {
                nomination_id,
                nominee_name,
                consent,
                language,
                ..
            } => {
                let token = self.link(key, TokenPurpose::AnswerNotice);
                minijinja::context! {
                    reference => nomination_id.to_string(),
                    nominee_name => nominee_name.as_str(),
                    consent => consent,
                    notice_url => base_url.link(pages::NOTICE_PATH, &[("token", token.as_str()), ("lang", language.code())]),
                    valid_hours => crate::nominee_notice::CONSENT_WINDOW.num_hours(),
                    privacy => links.policies.context(*language),
                }
            }
            Message::VettingDigest { date, references, .. } => {
                let references: Vec<String> = references.iter().map(ToString::to_string).collect();
                minijinja::context! { date => date, references => references }
            }
            _ => minijinja::context! {},
        }
    }

    /// The text of a note in a card's thread, in the channel's language:
    /// references only, no personal data.
    pub fn thread_note(&self, language: ChannelLanguage) -> Option<String> {
        matches!(self.spec().route, super::Route::Thread(_))
            .then(|| self.posted_text(language))
            .flatten()
    }

    /// The text of a channel note or digest card, in the channel's
    /// language: references only.
    pub fn note_text(&self, language: ChannelLanguage) -> Option<String> {
        matches!(self.spec().route, super::Route::Note(_))
            .then(|| self.posted_text(language))
            .flatten()
    }

    /// The text of a message Slack shows as text (not a card). In both
    /// languages, each paragraph in English then Spanish; what a person
    /// wrote is quoted once, after both.
    fn posted_text(&self, language: ChannelLanguage) -> Option<String> {
        let paragraphs = |render: &dyn Fn(Language) -> String| language.each("\n\n", render);
        match self {
            Message::InformationAdded { nomination_id, .. } => Some(paragraphs(&|l| {
                l.slack_text("notes.information_added", &[("reference", &nomination_id.to_string())])
            })),
            Message::Reminder {
                nomination_id,
                text,
                note,
                ..
            }
            | Message::ChannelNote {
                nomination_id,
                text,
                note,
                ..
            } => Some(match note {
                Some(note) => paragraphs(&|l| note.render(*nomination_id, l)),
                None => text.clone(),
            }),
            Message::ConcernRaised { by, concern, .. } => Some(format!(
                "{}\n{}",
                language.lines("notes.concern_raised", &[("by", &by.mention())]),
                quoted(concern)
            )),
            Message::ConcernResolved { by, note, .. } => Some(format!(
                "{}\n{}",
                language.each("\n", |l| l
                    .slack_text("notes.concern_resolved", &[("by", &actor_name(by, l))])),
                quoted(note)
            )),
            Message::DeliveryAlert {
                failing_kind,
                nomination_id,
                attempts,
                ..
            } => Some(paragraphs(&|l| {
                l.slack_text(
                    "notes.delivery_alert",
                    &[
                        ("kind", failing_kind),
                        ("about", &for_nomination(*nomination_id, l)),
                        ("attempts", &attempts.to_string()),
                    ],
                )
            })),
            Message::DeliveryFailed {
                message_id,
                failing_kind,
                nomination_id,
                reason,
            } => Some(paragraphs(&|l| {
                l.slack_text(
                    "notes.delivery_failed",
                    &[
                        ("kind", failing_kind),
                        ("about", &for_nomination(*nomination_id, l)),
                        ("reason", &l.slack_text(&format!("failures.{}", reason.code()), &[])),
                        ("message", message_id.as_str()),
                    ],
                )
            })),
            Message::IlnChannelRefused {
                nomination_id,
                message_id,
                removal,
                slack_error,
            } => {
                let key = match removal {
                    true => "notes.iln_channel_removal_refused",
                    false => "notes.iln_channel_invite_refused",
                };
                Some(paragraphs(&|l| {
                    l.slack_text(
                        key,
                        &[
                            ("reference", &nomination_id.to_string()),
                            ("error", slack_error.as_str()),
                            ("message", message_id.as_str()),
                        ],
                    )
                }))
            }
            Message::VettingDigest { date, references, .. } => {
                let listed = references
                    .iter()
                    .map(|id| format!("`{id}`"))
                    .collect::<Vec<_>>()
                    .join(", ");
                Some(paragraphs(&|l| {
                    l.slack_text(
                        "notes.vetting_digest",
                        &[
                            ("date", date),
                            ("count", &references.len().to_string()),
                            ("references", &listed),
                        ],
                    )
                }))
            }
            _ => None,
        }
    }
}

/// What a person wrote, as a mrkdwn quote: inert, and cut well inside a
/// message's limits.
fn quoted(text: &str) -> String {
    format!(
        ">{}",
        crate::slack::escape(&crate::slack::truncate(text, 2_000)).replace('\n', "\n>")
    )
}

/// An e-mail from `templates/emails/<template>.{txt,html}`, its subject from
/// the catalog with `{placeholders}` filled in.
pub fn email(
    to: &EmailAddress,
    language: Language,
    template: &str,
    subject_values: &[(&str, &str)],
    context: &minijinja::Value,
) -> Result<Email, RenderError> {
    let subject = subject_values.iter().fold(
        language.text(&format!("emails.{template}.subject")),
        |subject, (placeholder, value)| subject.replace(placeholder, value),
    );
    Ok(Email {
        to: to.clone(),
        subject,
        text: pages::render_email(&format!("emails/{template}.txt"), language, context)?,
        html: pages::render_email(&format!("emails/{template}.html"), language, context)?,
    })
}

fn for_nomination(id: Option<NominationId>, language: Language) -> String {
    id.map(|id| language.slack_text("notes.for_nomination", &[("reference", &id.to_string())]))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::super::examples::{REFERENCE, example, links, one_of_each_kind, reference};
    use super::super::{Addressee, Route, SlackNote};
    use super::*;
    use crate::lifecycle::Status;
    use crate::person::PersonName;

    /// The language whose subject line for `kind` begins `subject` (subjects
    /// differ between the languages before their first placeholder).
    fn language_of(subject: &str, kind: &str) -> Language {
        let key = format!("emails.{kind}.subject");
        Language::ALL
            .into_iter()
            .find(|language| subject.starts_with(language.text(&key).split('{').next().unwrap_or_default()))
            .unwrap()
    }

    /// An e-mail goes to its addressee in their language; the other kinds are
    /// not rendered as e-mails here (the invitation is rendered from its
    /// nomination by the outbox).
    #[test]
    fn each_mail_goes_to_its_addressee_in_their_language() {
        let expected = [
            ("nominator_verification", "lucia@example.org", Language::Es),
            ("rejection", "lucia@example.org", Language::Es),
            ("information_request", "lucia@example.org", Language::Es),
            ("welcome", "amara@example.org", Language::Es),
            ("member_sign_in", "amara@example.org", Language::Es),
            ("member_address_confirmation", "amara.new@example.org", Language::Es),
            ("member_address_changed", "amara@example.org", Language::Es),
            ("derecognition", "amara@example.org", Language::Es),
            ("iac_referral", "iac@example.org", Language::En),
            ("nomination_referral", "iac@example.org", Language::En),
            ("process_concluded", "lucia@example.org", Language::Es),
            ("vetting_digest", "vetters@example.org", Language::En),
            ("nominee_notice", "amara@example.org", Language::En),
        ];
        let mut mailed = Vec::new();

        for message in one_of_each_kind() {
            let email = message.render_email(&links()).unwrap();

            assert_eq!(email.is_some(), message.route() == Route::Email, "{}", message.kind());
            if let Some(email) = email {
                let language = language_of(&email.subject, message.kind());
                mailed.push((message.kind(), email.to.as_str().to_owned(), language));
            }
        }

        let expected: Vec<_> = expected
            .iter()
            .map(|(kind, to, language)| (*kind, (*to).to_owned(), *language))
            .collect();
        assert_eq!(mailed, expected);
    }

    #[test]
    fn a_mail_to_the_nominator_names_the_nominee_in_its_subject() {
        for kind in ["rejection", "information_request"] {
            let email = example(kind).render_email(&links()).unwrap().unwrap();

            let subject = Language::Es
                .text(&format!("emails.{kind}.subject"))
                .replace("{nominee_name}", "Amara Okafor");
            assert_eq!(email.subject, subject, "{kind}");
        }
    }

    #[test]
    fn the_iac_referral_and_the_digest_name_their_reference_and_date_in_the_subject() {
        let referral = example("iac_referral").render_email(&links()).unwrap().unwrap();
        let digest = one_of_each_kind()
            .into_iter()
            .find(|message| matches!(message, Message::VettingDigest { to: Some(_), .. }))
            .unwrap()
            .render_email(&links())
            .unwrap()
            .unwrap();

        assert_eq!(
            referral.subject,
            Language::En
                .text("emails.iac_referral.subject")
                .replace("{reference}", "M-17")
        );
        assert_eq!(
            digest.subject,
            Language::En
                .text("emails.vetting_digest.subject")
                .replace("{date}", "2027-01-15")
        );
    }

    #[test]
    fn the_information_request_links_to_the_answer_page_with_its_own_token() {
        let message = example("information_request");
        let token = message.link(&links().key, TokenPurpose::ProvideInformation);

        let email = message.render_email(&links()).unwrap().unwrap();

        assert!(email.text.contains(&format!(
            "https://iln.example.org/nominations/information?token={}",
            token.as_str()
        )));
        assert!(email.text.contains("Which courts?"));
    }

    #[test]
    fn each_message_posted_as_text_in_a_thread_or_channel_has_its_text() {
        for message in one_of_each_kind() {
            let kind = message.kind();

            match message.route() {
                Route::Thread(_) => assert!(message.thread_note(ChannelLanguage::En).is_some(), "{kind}"),
                Route::Note(_) => assert!(message.note_text(ChannelLanguage::En).is_some(), "{kind}"),
                _ => assert!(message.thread_note(ChannelLanguage::En).is_none(), "{kind}"),
            }
        }
    }

    #[test]
    fn a_concern_in_a_thread_is_quoted_with_who_raised_it() {
        let note = example("concern_raised").thread_note(ChannelLanguage::En).unwrap();
        let both = example("concern_raised").thread_note(ChannelLanguage::Both).unwrap();

        assert_eq!(note, ":warning: Concern raised by <@U123>:\n>We worked together.");
        assert_eq!(
            both,
            ":warning: Concern raised by <@U123>:\n:warning: Objeción planteada por <@U123>:\n>We worked together."
        );
    }

    #[test]
    fn a_resolved_concern_is_noted_with_who_resolved_it_and_how() {
        let english = example("concern_resolved").thread_note(ChannelLanguage::En).unwrap();
        let spanish = example("concern_resolved").thread_note(ChannelLanguage::Es).unwrap();

        assert_eq!(
            english,
            ":white_check_mark: A concern was resolved by <@UVERA>:\n>We spoke with both; no conflict."
        );
        assert_eq!(
            spanish,
            ":white_check_mark: <@UVERA> resolvió una objeción:\n>We spoke with both; no conflict."
        );
    }

    /// Every note posted as text reads in the channel's language; in both,
    /// English comes first and every paragraph is there in each.
    #[test]
    fn every_posted_text_is_in_the_channels_language() {
        for message in one_of_each_kind() {
            let kind = message.kind();
            let text = |language| message.thread_note(language).or_else(|| message.note_text(language));
            let (Some(english), Some(spanish), Some(both)) = (
                text(ChannelLanguage::En),
                text(ChannelLanguage::Es),
                text(ChannelLanguage::Both),
            ) else {
                continue;
            };
            if kind == "channel_note" {
                // The example is stored as text, from before notes were data.
                assert_eq!(english, spanish);
                continue;
            }
            assert_ne!(english, spanish, "{kind}");
            assert!(!spanish.contains("notes."), "{kind}: {spanish}");
            let first_line = |text: &str| text.lines().next().unwrap_or_default().to_owned();
            assert!(both.starts_with(&first_line(&english)), "{kind}: {both}");
            assert!(both.contains(&first_line(&spanish)), "{kind}: {both}");
        }
    }

    #[test]
    fn a_note_worded_at_delivery_reads_in_the_channels_language() {
        let id = reference();
        let expired = Message::channel_note(id, crate::slack::Channel::Vetting, "x", SlackNote::InvitationExpired);
        let member = Message::channel_note(
            id,
            crate::slack::Channel::Iln,
            "member",
            SlackNote::NewMember {
                name: PersonName::parse("Amara <Okafor>").unwrap(),
                country: crate::nomination::Country::parse("NG").unwrap(),
            },
        );

        assert_eq!(
            expired.note_text(ChannelLanguage::Es).unwrap(),
            format!("La invitación de la nominación {REFERENCE} venció sin respuesta.")
        );
        assert_eq!(
            member.note_text(ChannelLanguage::En).unwrap(),
            ":tada: Welcome to a new IMI International Leader: Amara &lt;Okafor&gt; (Nigeria)."
        );
        assert!(
            matches!(&expired, Message::ChannelNote { text, .. } if text.starts_with("The invitation for nomination")),
            "the stored text is English"
        );
    }

    #[test]
    fn an_alert_names_the_kind_and_nomination_but_not_the_content() {
        let alert = example("delivery_alert").note_text(ChannelLanguage::En).unwrap();
        let failed = example("delivery_failed").note_text(ChannelLanguage::En).unwrap();

        assert!(alert.contains(&format!(
            "A welcome message for nomination {REFERENCE} has failed 5 times"
        )));
        assert!(failed.contains(&format!(
            "A welcome message for nomination {REFERENCE} could not be delivered"
        )));
        assert!(failed.contains(&format!("`{REFERENCE}.welcome`")));
    }

    #[test]
    fn a_refused_channel_change_names_slacks_error_and_the_nomination_but_nobody() {
        let note = example("iln_channel_refused")
            .note_text(crate::slack::ChannelLanguage::En)
            .unwrap();

        assert!(note.contains("`restricted_action`"), "{note}");
        assert!(
            note.contains(&format!(
                "add the new member of nomination {REFERENCE} to the ILN channel"
            )),
            "{note}"
        );
        assert!(
            note.contains(&format!("/admin/outbox/{REFERENCE}.iln_channel_invite/retry")),
            "{note}"
        );
        assert!(!note.contains("amara"), "{note}");
    }

    #[test]
    fn the_digest_card_lists_its_references() {
        let digest = example("vetting_digest").note_text(ChannelLanguage::En).unwrap();

        assert_eq!(
            digest,
            format!(":hourglass: 2027-01-15: 1 nomination(s) have waited too long for vetting: `{REFERENCE}`")
        );
    }

    #[test]
    fn the_verification_mail_carries_no_text_the_submitter_wrote() {
        for language in Language::ALL {
            let mut nomination = crate::test_support::nomination(Status::Submitted, 1, language);
            let spam = "Win a prize at https://spam.example";
            nomination.submission.nominee.name = PersonName::parse(spam).unwrap();
            nomination.submission.nominator.name = PersonName::parse(spam).unwrap();
            let message = Message::NominatorVerification {
                nomination_id: nomination.id,
                addressee: Addressee::nominator_of(&nomination),
            };

            let email = message.render_email(&links()).unwrap().unwrap();

            assert_eq!(email.subject, language.text("emails.nominator_verification.subject"));
            for part in [&email.subject, &email.text, &email.html] {
                assert!(!part.contains("spam.example"), "{language:?}: {part}");
                assert!(!part.contains(nomination.submission.rationale.as_str()));
            }
            assert!(email.text.contains(&nomination.id.to_string()), "the reference");
            assert!(email.text.contains("https://iln.example.org/nominations/verify?token="));
        }
    }
}
