//! The invitation's life and the corrections staff make.

mod invitation {
    use super::super::*;

    #[test]
    fn only_a_confirmed_or_invited_nomination_has_an_invitation_to_revoke_or_resend() {
        for status in Status::ALL {
            let nomination = crate::test_support::nomination(status, 4, Language::En);
            let revoked = revoke(&nomination, "ada", at(0));
            let resent = resend(&nomination, "ada", at(0));
            match status {
                Status::Confirmed | Status::Invited => {
                    let step = revoked.expect("revocable");
                    assert_eq!(
                        (step.to, step.audit.reason.as_deref()),
                        (Status::Withdrawn, Some("invitation revoked"))
                    );
                }
                _ => assert_eq!(revoked, Err(NotInvited(status)), "{status}"),
            }
            match status {
                Status::Invited => {
                    let (_, message) = resent.expect("resendable");
                    // One round per version: a double click asks for one resend.
                    assert_eq!(
                        message,
                        Message::Invitation {
                            nomination_id: nomination.id,
                            round: 4
                        }
                    );
                }
                _ => assert_eq!(resent, Err(NotInvited(status)), "{status}"),
            }
        }
    }

    #[test]
    fn a_resent_invitation_revokes_the_earlier_link() {
        assert_eq!(
            invitation_state(Status::Invited, false, false, at(1), at(0)),
            InvitationState::Revoked
        );
    }

    fn at(hours: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000, 0).unwrap() + chrono::Duration::hours(hours)
    }

    #[test]
    fn an_invitation_link_works_once_until_it_expires() {
        assert_eq!(
            invitation_state(Status::Invited, false, true, at(1), at(0)),
            InvitationState::Open
        );
        assert_eq!(
            invitation_state(Status::Invited, false, true, at(1), at(1)),
            InvitationState::Expired
        );
        assert_eq!(
            invitation_state(Status::Invited, true, true, at(1), at(0)),
            InvitationState::Used
        );
        assert_eq!(
            invitation_state(Status::Member, false, true, at(1), at(0)),
            InvitationState::Used
        );
        assert_eq!(
            invitation_state(Status::Withdrawn, false, true, at(1), at(0)),
            InvitationState::Revoked
        );
    }
}

mod slack_channel {
    use super::super::*;

    fn at() -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000, 0).unwrap()
    }

    #[test]
    fn acceptance_asks_for_the_new_member_in_the_iln_channel_and_derecognition_for_their_removal() {
        let nomination = crate::test_support::nomination(Status::Invited, 5, Language::En);
        let key = crate::token::LinkKey::parse("a test key that is long enough for HMAC-SHA256").unwrap();
        let token = nomination.invitation.clone().map(|sent| sent.token).unwrap_or_else(|| {
            Message::Invitation {
                nomination_id: nomination.id,
                round: 0,
            }
            .link(&key, TokenPurpose::AnswerInvitation)
            .hash()
        });
        let step = accept(&nomination, &token, "2026-11", "2026-11", "https://join", at()).unwrap();
        let Effect::Admits(member) = &step.effect else {
            panic!("acceptance admits a member");
        };
        let invite = Message::IlnChannelInvite {
            nomination_id: nomination.id,
            member_id: member.id,
            to: nomination.submission.nominee.email.clone(),
        };
        assert!(step.messages.contains(&invite), "{:?}", step.messages);
        assert!(
            step.messages.iter().any(|m| matches!(m, Message::Welcome { .. })),
            "the welcome keeps the join link for those not in Slack"
        );

        let reason = crate::vetting::Reason::parse("Breach of confidentiality.").unwrap();
        let iac = EmailAddress::parse("iac@example.org").unwrap();
        let derecognized = derecognize(member, "ada", &reason, false, &iac, at()).unwrap();
        assert!(derecognized.messages.contains(&Message::IlnChannelRemoval {
            nomination_id: nomination.id,
            member_id: member.id,
            to: member.email.clone(),
        }));
    }
}

mod leaving_and_languages {
    use super::super::*;
    use crate::test_support;

    fn at() -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_100, 0).unwrap()
    }

    #[test]
    fn a_resignation_tells_the_vetting_channel_and_removes_the_member_from_the_iln_channel() {
        let member = test_support::member(MemberStatus::Active);
        let nomination_id = member.nomination_id.unwrap();

        let resigned = resign(&member, at()).unwrap();

        assert_eq!(resigned.audit.happening, Happening::Resigned);
        assert_eq!(resigned.audit.actor, Actor::Member(member.id.to_string()));
        assert!(resigned.messages.contains(&Message::IlnChannelRemoval {
            nomination_id,
            member_id: member.id,
            to: member.email.clone(),
        }));
        assert!(
            resigned.messages.iter().any(|m| matches!(
                m,
                Message::ChannelNote {
                    channel: Channel::Vetting,
                    ..
                }
            )),
            "{:?}",
            resigned.messages
        );
        assert!(
            !resigned
                .messages
                .iter()
                .any(|m| matches!(m, Message::IacReferral { .. })),
            "a resignation is nobody's case"
        );
    }

    #[test]
    fn nobody_resigns_or_is_derecognised_twice() {
        for status in [MemberStatus::Resigned, MemberStatus::Derecognized] {
            let member = test_support::member(status);
            assert_eq!(resign(&member, at()), Err(NoLongerActive(status)));
            let reason = crate::vetting::Reason::parse("Breach of confidentiality.").unwrap();
            let iac = EmailAddress::parse("iac@example.org").unwrap();
            assert_eq!(
                derecognize(&member, "ada", &reason, false, &iac, at()),
                Err(NoLongerActive(status))
            );
        }
    }

    #[test]
    fn the_chosen_language_comes_first_and_choosing_it_again_changes_nothing() {
        let member = test_support::member(MemberStatus::Active);
        assert_eq!(member.language(), Language::En);

        let (languages, audit) = choose_language(&member, Language::Es, at()).unwrap().unwrap();
        assert_eq!(languages, vec![Language::Es, Language::En]);
        assert_eq!(audit.happening, Happening::MemberLanguageChanged);

        assert_eq!(choose_language(&member, Language::En, at()), Ok(None));
        assert_eq!(
            choose_language(&test_support::member(MemberStatus::Resigned), Language::Es, at()),
            Err(NoLongerActive(MemberStatus::Resigned))
        );
    }
}
