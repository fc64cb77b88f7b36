use chrono::{DateTime, Utc};
use iln_adapters::dynamodb::{Commit, Dossier, NominationTable, StoreError, retry_on_conflict};
use iln_adapters::http::{
    Unrouted, json, json_error, json_unavailable, log_internal, log_unavailable, route, too_large, with_allow,
};
use iln_adapters::slack::{SlackClient, SlackError};
use iln_adapters::slack_people::{PeopleError, SlackPeople};
use iln_domain::audit::Actor;
use iln_domain::confirmation::Button;
use iln_domain::discussion::{self, DiscussionRefused, DiscussionRules};
use iln_domain::message::Message;
use iln_domain::slack::command::{self, IlnCommand};
use iln_domain::slack::interaction::{Interaction, SlackUserId, View};
use iln_domain::slack::participant::Participant;
use iln_domain::slack::replies::ClickRefused;
use iln_domain::slack::signature::SigningSecret;
use iln_domain::slack::{ActionValue, Channel, ChannelLanguages, action, modals, signature};
use iln_domain::step::Step;
use iln_domain::vetting::{self, Decider, Decision, DecisionRefused, Reason};
use iln_domain::{EmailAddress, Language, Nomination, NominationId};
use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde::Deserialize;
use serde_json::{Value, json};

pub struct App {
    pub table: NominationTable,
    /// Only to open modals: `views.open` must use a click's trigger at once.
    pub slack: SlackClient,
    pub signing_secret: SigningSecret,
    /// Who a clicking user is and what they may do, read at each click.
    pub people: SlackPeople,
    pub rules: DiscussionRules,
    /// Where a referral to the IAC sends the file.
    pub iac_address: EmailAddress,
    pub languages: ChannelLanguages,
}

/// Lost races to concurrent clicks before a click is answered 503: twenty
/// members confirming at once each win a round.
const ATTEMPTS: u32 = 25;

impl App {
    /// The language of what one person reads about their click on (or
    /// modal from) `action_id`: theirs where Slack gives it, else the
    /// channel's first language.
    fn reply_language(&self, action_id: &str, reader: Option<Language>) -> Language {
        let channel = Channel::of_action(action_id).unwrap_or(Channel::Iln);
        self.languages.of(channel).reply_in(reader)
    }
}

/// Slack's requests are small forms; a card's full blocks (50 blocks of
/// up to 3,000 characters, form-encoded) in a button's payload stay well
/// under this.
const MAX_BODY_BYTES: usize = 1024 * 1024;

/// Every expected failure, and the one place it becomes a response.
enum Failure {
    Unverified(signature::SignatureRefused),
    NotFound,
    /// Names the methods the path takes.
    MethodNotAllowed(String),
    TooLarge,
    BadRequest(String),
    /// The table did not answer in time: what the request asked may or may
    /// not have been recorded. How Slack is told depends on the surface.
    Unavailable(StoreError, Surface),
    /// Slack did not say in time who the user is: nothing was read or
    /// changed.
    WhoUnknown(SlackError, Surface),
    Internal(Box<dyn std::error::Error + Send + Sync>),
}

impl From<StoreError> for Failure {
    fn from(error: StoreError) -> Self {
        match error.is_unavailable() {
            true => Failure::Unavailable(error, Surface::Retried),
            false => Failure::Internal(error.into()),
        }
    }
}

/// Where the person (or Slack) reads the answer to an unanswered request.
#[derive(Clone, Copy)]
enum Surface {
    /// A non-2xx: Slack retries an event (deduplicated by its id) and shows
    /// the clicker of a button that it did not work; clicking again is safe,
    /// every move being conditional on the card's version.
    Retried,
    /// An open modal: it stays open with the explanation beside the text.
    Modal { concern: bool },
    /// A slash command, which only reads: an ephemeral answer.
    Command,
}

impl From<PeopleError> for Failure {
    fn from(error: PeopleError) -> Self {
        match error {
            PeopleError::Store(error) => error.into(),
            PeopleError::Slack(error) if error.is_retryable() => Failure::WhoUnknown(error, Surface::Retried),
            PeopleError::Slack(error) => Failure::Internal(error.into()),
        }
    }
}

impl Failure {
    fn seen_in(self, surface: Surface) -> Self {
        match self {
            Failure::Unavailable(error, _) => Failure::Unavailable(error, surface),
            Failure::WhoUnknown(error, _) => Failure::WhoUnknown(error, surface),
            other => other,
        }
    }
}

/// Where a click came from: the channel its ephemeral answer goes to.
#[derive(Clone, Copy)]
struct Click<'a> {
    user: &'a SlackUserId,
    channel: Option<&'a str>,
    /// Unique per click, so its answer is stored once even if Slack retries.
    key: &'a str,
    /// The language of the private answer.
    language: Language,
}

pub async fn handle(app: &App, request: Request, now: DateTime<Utc>) -> Response<Body> {
    match dispatch(app, &request, now).await {
        Ok(response) => response,
        Err(failure) => respond_to_failure(failure),
    }
}

#[derive(Clone, Copy)]
enum Route {
    Interaction,
    Command,
    Event,
}

/// The routes template.yaml gives this function.
const ROUTES: &[(&str, Route)] = &[
    ("POST /slack/interactions", Route::Interaction),
    ("POST /slack/commands", Route::Command),
    ("POST /slack/events", Route::Event),
];

async fn dispatch(app: &App, request: &Request, now: DateTime<Utc>) -> Result<Response<Body>, Failure> {
    let route = route(request, ROUTES).map_err(|unrouted| match unrouted {
        Unrouted::NotFound => Failure::NotFound,
        Unrouted::MethodNotAllowed(allow) => Failure::MethodNotAllowed(allow),
    })?;
    // Verified before anything in the request is read; sized before that.
    let body = request.body().as_ref();
    if body.len() > MAX_BODY_BYTES {
        return Err(Failure::TooLarge);
    }
    let header = |name: &str| request.headers().get(name).and_then(|value| value.to_str().ok());
    signature::verify(
        &app.signing_secret,
        header("x-slack-request-timestamp"),
        header("x-slack-signature"),
        body,
        now,
    )
    .map_err(Failure::Unverified)?;
    match route {
        Route::Interaction => interaction(app, body, now).await,
        Route::Command => command(app, body, now)
            .await
            .map_err(|failure| failure.seen_in(Surface::Command)),
        Route::Event => event(app, body, now).await,
    }
}

fn acknowledged() -> Response<Body> {
    let mut response = Response::new(Body::Empty);
    *response.status_mut() = StatusCode::OK;
    response
}

#[derive(Deserialize)]
struct InteractionForm {
    payload: String,
}

#[tracing::instrument(skip_all)]
async fn interaction(app: &App, body: &[u8], now: DateTime<Utc>) -> Result<Response<Body>, Failure> {
    let form: InteractionForm = serde_html_form::from_bytes(body)
        .map_err(|_| Failure::BadRequest("expected a form with a payload field".into()))?;
    let interaction: Interaction = serde_json::from_str(&form.payload)
        .map_err(|error| Failure::BadRequest(format!("the payload is not an interaction Slack sends: {error}")))?;
    match interaction {
        Interaction::BlockActions {
            user,
            trigger_id,
            actions,
            container,
            channel,
        } => {
            let action = actions
                .first()
                .ok_or_else(|| Failure::BadRequest("no action in the payload".into()))?;
            let channel = container
                .as_ref()
                .and_then(|c| c.channel_id.as_deref())
                .or(channel.as_ref().map(|c| c.id.as_str()));
            let value = action
                .value
                .as_deref()
                .and_then(ActionValue::decode)
                .ok_or_else(|| Failure::BadRequest("the button does not name a nomination".into()))?;
            let click = Click {
                user: &user.id,
                channel,
                key: &trigger_id,
                language: app.reply_language(&action.action_id, None),
            };
            button(app, &action.action_id, value, &click, &trigger_id, now).await
        }
        Interaction::ViewSubmission { user, view } => {
            let surface = Surface::Modal {
                concern: view.callback_id == action::RAISE_CONCERN,
            };
            submission(app, &user.id, &view, now)
                .await
                .map_err(|failure| failure.seen_in(surface))
        }
        Interaction::Other => Ok(acknowledged()),
    }
}

async fn button(
    app: &App,
    action_id: &str,
    value: ActionValue,
    click: &Click<'_>,
    trigger_id: &str,
    now: DateTime<Utc>,
) -> Result<Response<Body>, Failure> {
    let Some(pressed) = Button::parse(action_id) else {
        return Err(Failure::BadRequest(format!("unknown action {action_id:?}")));
    };
    let participant = app.people.participant(click.user, now).await?;
    let click = &Click {
        language: app.reply_language(action_id, participant.as_ref().and_then(|p| p.language)),
        ..*click
    };
    let Some(participant) = participant.filter(|participant| participant.may_press(pressed)) else {
        tell(app, value.nomination_id, click, &ClickRefused::NotAllowed, now).await?;
        return Ok(acknowledged());
    };
    // The modal carries the card's channel so its answer can go there too.
    let metadata = format!("{}|{}", value.encode(), click.channel.unwrap_or_default());
    if pressed == Button::ResolveConcern {
        // The modal lists the concerns open now: read before it opens.
        let nomination = read(app, value.nomination_id).await?;
        let view = nomination
            .discussion
            .as_ref()
            .and_then(|discussion| modals::resolve_concern(discussion, &metadata, click.language));
        match view {
            Some(view) => open_modal(app, trigger_id, &view).await,
            None => {
                let refused = ClickRefused::NotInDiscussion {
                    status: nomination.status,
                };
                tell(app, nomination.id, click, &refused, now).await?;
            }
        }
        return Ok(acknowledged());
    }
    if let Some(view) = modals::for_action(action_id, &metadata, click.language) {
        open_modal(app, trigger_id, &view).await;
        return Ok(acknowledged());
    }
    let refused = match pressed {
        Button::Approve => {
            let dossier = read_dossier(app, value.nomination_id).await?;
            vet(
                app,
                &dossier,
                click,
                &participant,
                &Decision::Approve,
                value.version,
                now,
            )
            .await?;
            None
        }
        Button::DeclareConflict => {
            act(app, value.nomination_id, |nomination| {
                discussion::declare_conflict(nomination, &participant, now)
            })
            .await?
        }
        Button::Confirm => {
            act(app, value.nomination_id, |nomination| {
                discussion::confirm(nomination, &participant, &app.rules, now)
            })
            .await?
        }
        other => {
            return Err(Failure::BadRequest(format!(
                "{other:?} is not a button that acts at once"
            )));
        }
    };
    if let Some(refused) = refused {
        tell(app, value.nomination_id, click, &refused, now).await?;
    }
    Ok(acknowledged())
}

/// Reads the nomination, lets the domain decide and commits; after a lost
/// race (another member's click) reads and decides again, so concurrent
/// confirmations all count. The refusal, if the domain refused.
async fn act(
    app: &App,
    id: NominationId,
    decide: impl Fn(&Nomination) -> Result<Step, ClickRefused>,
) -> Result<Option<ClickRefused>, Failure> {
    retry_on_conflict(ATTEMPTS, || async {
        let nomination = read(app, id).await?;
        let step = match decide(&nomination) {
            Ok(step) => step,
            Err(refused) => return Ok(Some(Some(refused))),
        };
        Ok(match app.table.commit(&step).await? {
            Commit::Written => Some(None),
            Commit::Raced => None,
        })
    })
    .await
}

/// A vetting decision taken in Slack: the same domain decision as the staff
/// API, by a vetter on the staff list, known by the address Slack holds.
async fn vet(
    app: &App,
    dossier: &Dossier,
    click: &Click<'_>,
    participant: &Participant,
    decision: &Decision,
    expected_version: u64,
    now: DateTime<Utc>,
) -> Result<Option<String>, Failure> {
    let nomination = &dossier.nomination;
    if !participant.vetter {
        tell(app, nomination.id, click, &ClickRefused::NotAllowed, now).await?;
        return Ok(ClickRefused::NotAllowed.explanation(click.language));
    }
    let actor = Actor::Vetter(click.user.as_str().to_owned());
    let endorsers = dossier.endorsers();
    let decider = Decider {
        actor: &actor,
        email: &participant.email,
    };
    match vetting::decide(
        nomination,
        &endorsers,
        decider,
        decision,
        expected_version,
        &app.rules,
        now,
    ) {
        Ok(step) => {
            record(app, &step, click, now).await?;
            Ok(None)
        }
        Err(DecisionRefused::DecidedByNominatorOrEndorser) => {
            tell(app, nomination.id, click, &ClickRefused::OwnNomination, now).await?;
            Ok(ClickRefused::OwnNomination.explanation(click.language))
        }
        Err(DecisionRefused::Stale { .. } | DecisionRefused::Illegal(_)) => {
            let refused = ClickRefused::moved_first(nomination, &actor);
            tell(app, nomination.id, click, &refused, now).await?;
            Ok(refused.explanation(click.language))
        }
    }
}

/// Writes the step; when another click won the race, reads who and tells.
async fn record(app: &App, step: &Step, click: &Click<'_>, now: DateTime<Utc>) -> Result<(), Failure> {
    match app.table.commit(step).await? {
        Commit::Written => Ok(()),
        Commit::Raced => {
            let current = read(app, step.id()).await?;
            tell(
                app,
                step.id(),
                click,
                &ClickRefused::moved_first(&current, &step.audit.actor),
                now,
            )
            .await
        }
    }
}

/// Answers one person privately, through the outbox; a repeat gets silence.
async fn tell(
    app: &App,
    nomination_id: NominationId,
    click: &Click<'_>,
    refused: &ClickRefused,
    now: DateTime<Utc>,
) -> Result<(), Failure> {
    let (Some(text), Some(channel)) = (refused.explanation(click.language), click.channel) else {
        return Ok(());
    };
    let message = Message::Ephemeral {
        nomination_id,
        channel: channel.to_owned(),
        user: click.user.clone(),
        text,
        key: click.key.to_owned(),
    };
    Ok(app.table.record_note(None, vec![message], now).await?)
}

async fn read(app: &App, id: NominationId) -> Result<Nomination, Failure> {
    app.table
        .nomination(id)
        .await?
        .ok_or_else(|| Failure::BadRequest(format!("no nomination {id}")))
}

/// The nomination with its endorsements (one query): what a vetting
/// decision needs, to refuse the nominator and the endorsers.
async fn read_dossier(app: &App, id: NominationId) -> Result<Dossier, Failure> {
    app.table
        .dossier(id)
        .await?
        .ok_or_else(|| Failure::BadRequest(format!("no nomination {id}")))
}

/// Keeps a modal open with `message` beside its text input.
fn modal_error(message: &str) -> Response<Body> {
    json(
        StatusCode::OK,
        &json!({ "response_action": "errors", "errors": { modals::TEXT_BLOCK: message } }),
    )
}

#[tracing::instrument(skip_all)]
async fn submission(app: &App, user: &SlackUserId, view: &View, now: DateTime<Utc>) -> Result<Response<Body>, Failure> {
    let (value, channel) = view
        .private_metadata
        .split_once('|')
        .unwrap_or((&view.private_metadata, ""));
    let value =
        ActionValue::decode(value).ok_or_else(|| Failure::BadRequest("the modal does not name a nomination".into()))?;
    let text = view.text(modals::TEXT_BLOCK).unwrap_or_default();
    let reason = match Reason::parse(text) {
        Ok(reason) => reason,
        Err(problem) => return Ok(modal_error(&problem.to_string())),
    };
    let key = format!("{}.{}", view.callback_id, now.timestamp_millis());
    let participant = app.people.participant(user, now).await?;
    let click = Click {
        user,
        channel: Some(channel).filter(|c| !c.is_empty()),
        key: &key,
        language: app.reply_language(&view.callback_id, participant.as_ref().and_then(|p| p.language)),
    };
    let not_allowed = || modal_error(&ClickRefused::NotAllowed.explanation(click.language).unwrap_or_default());
    let Some(participant) = participant else {
        return Ok(not_allowed());
    };
    let refusal = match view.callback_id.as_str() {
        action::REJECT | action::REQUEST_INFORMATION => {
            if !participant.vetter {
                return Ok(not_allowed());
            }
            let decision = match view.callback_id.as_str() {
                action::REJECT => Decision::Reject {
                    reason,
                    share: view.ticked(modals::SHARE_BLOCK, modals::SHARE_VALUE),
                },
                _ => Decision::RequestInformation { question: reason },
            };
            let dossier = read_dossier(app, value.nomination_id).await?;
            vet(app, &dossier, &click, &participant, &decision, value.version, now).await?
        }
        action::RESOLVE_CONCERN => {
            if !participant.vetter {
                return Ok(not_allowed());
            }
            let Some(concern) = view.selected(modals::CONCERN_BLOCK) else {
                return Err(Failure::BadRequest("no concern chosen".into()));
            };
            let actor = Actor::Vetter(participant.user.as_str().to_owned());
            resolve(app, value.nomination_id, concern, actor, &reason, now).await?
        }
        action::CLOSE => {
            if !participant.vetter {
                return Ok(not_allowed());
            }
            let dossier = read_dossier(app, value.nomination_id).await?;
            vet(
                app,
                &dossier,
                &click,
                &participant,
                &Decision::Close { reason },
                value.version,
                now,
            )
            .await?
        }
        action::REFER_TO_IAC => {
            if !participant.vetter {
                return Ok(not_allowed());
            }
            let actor = Actor::Vetter(participant.user.as_str().to_owned());
            refer(app, value.nomination_id, actor, &reason, now).await?
        }
        action::DECLINE | action::RAISE_CONCERN => {
            let asks_not_to_proceed = view.callback_id == action::DECLINE;
            act(app, value.nomination_id, |nomination| {
                discussion::raise_concern(nomination, &participant, &reason, asks_not_to_proceed, now)
            })
            .await?
            .and_then(|refused| refused.explanation(click.language))
        }
        other => return Err(Failure::BadRequest(format!("unknown modal {other:?}"))),
    };
    Ok(match refusal {
        Some(message) => modal_error(&message),
        None => acknowledged(),
    })
}

async fn open_modal(app: &App, trigger_id: &str, view: &Value) {
    if let Err(error) = app.slack.open_view(trigger_id, view).await {
        tracing::warn!(error = %error, "could not open the modal");
    }
}

/// A vetter resolves a concern from the vetting card; what stops it, in
/// words for the modal.
async fn resolve(
    app: &App,
    id: NominationId,
    concern: &str,
    actor: Actor,
    note: &Reason,
    now: DateTime<Utc>,
) -> Result<Option<String>, Failure> {
    discussion_move(app, id, |nomination| {
        discussion::resolve_concern(nomination, concern, actor.clone(), note, &app.rules, now)
    })
    .await
}

/// A vetter's referral to the IAC from the vetting card; what stops it, in
/// words for the modal.
async fn refer(
    app: &App,
    id: NominationId,
    actor: Actor,
    reason: &Reason,
    now: DateTime<Utc>,
) -> Result<Option<String>, Failure> {
    discussion_move(app, id, |nomination| {
        discussion::refer_to_iac(nomination, actor.clone(), reason, &app.iac_address, now)
    })
    .await
}

/// A vetter's move on a discussion, read, decided and committed again after
/// a lost race; the refusal in words for the modal.
async fn discussion_move(
    app: &App,
    id: NominationId,
    decide: impl Fn(&Nomination) -> Result<Step, DiscussionRefused>,
) -> Result<Option<String>, Failure> {
    retry_on_conflict(ATTEMPTS, || async {
        let nomination = read(app, id).await?;
        let step = match decide(&nomination) {
            Ok(step) => step,
            Err(refused) => return Ok(Some(Some(refused.to_string()))),
        };
        Ok(match app.table.commit(&step).await? {
            Commit::Written => Some(None),
            Commit::Raced => None,
        })
    })
    .await
}

#[derive(Deserialize)]
struct CommandForm {
    #[serde(default)]
    text: String,
    user_id: String,
}

fn ephemeral(text: &str) -> Response<Body> {
    json(StatusCode::OK, &json!({ "response_type": "ephemeral", "text": text }))
}

#[tracing::instrument(skip_all)]
async fn command(app: &App, body: &[u8], now: DateTime<Utc>) -> Result<Response<Body>, Failure> {
    let form: CommandForm =
        serde_html_form::from_bytes(body).map_err(|_| Failure::BadRequest("not a slash command".into()))?;
    let user = SlackUserId::new(form.user_id);
    let participant = app.people.participant(&user, now).await?;
    let Some(participant) = participant.filter(Participant::may_use_commands) else {
        return Ok(ephemeral(&command::not_allowed(
            app.languages.of(Channel::Iln).reply_in(None),
        )));
    };
    // A vetter reads the vetting channel's language, anyone else the ILN's.
    let channel = match participant.vetter {
        true => Channel::Vetting,
        false => Channel::Iln,
    };
    let language = app.languages.of(channel).reply_in(participant.language);
    let visible = participant.visible_statuses();
    let text = match IlnCommand::parse(&form.text) {
        IlnCommand::Pending => {
            let mut queues = Vec::new();
            for status in visible {
                let page = app
                    .table
                    .queue(status, None, None, command::PENDING_LISTED)
                    .await
                    .map_err(|error| match error {
                        iln_adapters::dynamodb::QueueError::Store(error) => Failure::from(error),
                        cursor => Failure::Internal(cursor.into()),
                    })?;
                queues.push((status, page.nominations));
            }
            command::pending(&queues, language)
        }
        IlnCommand::Status(id) => {
            let nomination = app.table.nomination(id).await?;
            command::status(
                id,
                nomination.filter(|n| visible.contains(&n.status)).as_ref(),
                language,
            )
        }
        IlnCommand::NotAReference(reference) => command::not_a_reference(&reference, language),
        IlnCommand::Help => command::help(language),
    };
    Ok(ephemeral(&text))
}

#[tracing::instrument(skip_all)]
async fn event(app: &App, body: &[u8], now: DateTime<Utc>) -> Result<Response<Body>, Failure> {
    let event: Value = serde_json::from_slice(body).map_err(|_| Failure::BadRequest("the event is not JSON".into()))?;
    match event["type"].as_str() {
        Some("url_verification") => {
            let challenge = event["challenge"].as_str().unwrap_or_default();
            Ok(json(StatusCode::OK, &json!({ "challenge": challenge })))
        }
        Some("event_callback") => {
            let id = event["event_id"]
                .as_str()
                .ok_or_else(|| Failure::BadRequest("no event_id".into()))?;
            let first = app.table.first_sight_of_event(id, now).await?;
            tracing::info!(first, "event received");
            Ok(acknowledged())
        }
        _ => Err(Failure::BadRequest("unknown event type".into())),
    }
}

fn respond_to_failure(failure: Failure) -> Response<Body> {
    let (status, message) = match failure {
        Failure::Unverified(reason) => {
            tracing::warn!(reason = %reason, "request not verified as from Slack");
            (
                StatusCode::UNAUTHORIZED,
                "request not verified as from Slack".to_owned(),
            )
        }
        Failure::NotFound => (StatusCode::NOT_FOUND, "not found".to_owned()),
        Failure::MethodNotAllowed(allow) => {
            return with_allow(json_error(StatusCode::METHOD_NOT_ALLOWED, None, "use POST"), &allow);
        }
        Failure::TooLarge => return too_large(MAX_BODY_BYTES),
        Failure::BadRequest(message) => (StatusCode::BAD_REQUEST, message),
        Failure::Unavailable(cause, surface) => {
            log_unavailable(&cause);
            return match surface {
                Surface::Retried => json_unavailable(
                    "the nominations table did not answer in time; this may or may not have been recorded; \
                     sending it again is safe",
                ),
                // A concern is keyed by the moment it is sent: a second one
                // would be recorded beside the first, so the person looks first.
                Surface::Modal { concern: true } => modal_error(
                    "Our records did not answer in time: your concern may or may not have been recorded. \
                     If it does not appear in the card's thread within a few minutes, submit it again.",
                ),
                Surface::Modal { concern: false } => modal_error(
                    "Our records did not answer in time: this may or may not have been recorded. \
                     Submitting again is safe: it cannot be recorded twice.",
                ),
                Surface::Command => {
                    ephemeral("Our records did not answer in time; nothing was changed. Try again in a minute.")
                }
            };
        }
        Failure::WhoUnknown(cause, surface) => {
            tracing::warn!(error = %cause, "Slack did not say in time who the user is");
            return match surface {
                Surface::Retried => json_unavailable(
                    "Slack did not say in time who you are; nothing was changed; sending it again is safe",
                ),
                Surface::Modal { .. } => modal_error(
                    "Slack did not say in time who you are: nothing was recorded. Submit again in a moment.",
                ),
                Surface::Command => ephemeral("Slack did not say in time who you are. Try again in a minute."),
            };
        }
        Failure::Internal(cause) => {
            log_internal(cause.as_ref());
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "something went wrong; nothing was changed".to_owned(),
            )
        }
    };
    json_error(status, None, &message)
}
