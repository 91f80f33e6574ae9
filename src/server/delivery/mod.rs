//! The delivery worker (issue 14, docs/design-notices.md): drains the outbox to e-mail
//! ([`smtp`]) and SMS ([`sms`]), retries with exponential backoff and jitter, and gives a
//! message up as dead after the configured number of failed attempts.
//!
//! Crash semantics: **at least once**. A channel is marked sent only after the server or
//! provider took it; a crash between the two sends it again on restart, with the same
//! idempotency key (the e-mail's `Message-ID`, the SMS provider's `Idempotency-Key`), so a
//! provider that honours the key, and a mail client that folds equal Message-IDs, shows it
//! once. Nothing written to the outbox is lost: it stays queued until a channel takes it.
//!
//! One worker sends at a time: each round first takes or renews the `delivery` lease in the
//! store, so servers sharing a database take turns, and another takes over a lease's length
//! after the holder stops.

pub mod sms;
pub mod smtp;

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rand::Rng;
use tokio::sync::watch;

use crate::domain::{Email, MobilePhone};
use crate::i18n::Lang;
use crate::server::AppState;
use crate::server::config::NotificationConfig;
use crate::server::scheduler::every;
use crate::server::store::{Channel, Delivery, Settle, StoreResult};

/// The lease's name in the store.
pub const LEASE: &str = "delivery";

/// Why a channel did not take a message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// Down, timed out, or refused for now (4xx, 5xx of an HTTP provider): try again later.
    #[error("not delivered for now: {0}")]
    Transient(String),
    /// Refused for good (a mailbox the server does not know, an address it cannot take):
    /// trying again cannot help.
    #[error("refused for good: {0}")]
    Permanent(String),
}

/// An e-mail as it leaves: plain text and HTML of the same words, linking nothing outside.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mail {
    /// The idempotency key; the `Message-ID` is made of it.
    pub key: String,
    pub to: Email,
    pub lang: Lang,
    pub subject: String,
    pub text: String,
}

/// An SMS as it leaves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sms {
    /// The idempotency key the provider is asked to honour.
    pub key: String,
    pub to: MobilePhone,
    pub text: String,
}

/// Sends e-mail (SMTP, or the log when no server is configured).
#[async_trait]
pub trait Mailer: Send + Sync {
    async fn send(&self, mail: &Mail) -> Result<(), SendError>;
}

/// Sends SMS (an HTTP JSON provider, or the log for the demo).
#[async_trait]
pub trait SmsProvider: Send + Sync {
    async fn send(&self, sms: &Sms) -> Result<(), SendError>;
}

/// The channels the worker sends through.
#[derive(Clone)]
pub struct Channels {
    pub mailer: Arc<dyn Mailer>,
    pub sms: Arc<dyn SmsProvider>,
}

impl Channels {
    /// The channels the configuration names: SMTP or the log, the HTTP provider or the log (with
    /// the SMS text only on a `demo` server).
    pub fn from_config(
        config: &NotificationConfig,
        demo: bool,
    ) -> Result<Channels, DeliveryConfigError> {
        let mailer: Arc<dyn Mailer> = match &config.smtp {
            Some(url) => Arc::new(smtp::SmtpMailer::new(url, config)?),
            None => Arc::new(smtp::LogMailer),
        };
        let sms: Arc<dyn SmsProvider> = match &config.sms_url {
            Some(url) => Arc::new(sms::HttpSms::new(url, config)?),
            None => Arc::new(sms::LogSms { demo }),
        };
        Ok(Channels { mailer, sms })
    }
}

/// A `[notifications]` section the worker cannot start with.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeliveryConfigError {
    #[error("the SMTP address {url} is not usable: {reason}")]
    Smtp { url: String, reason: String },
    #[error("the From or Reply-To address {0} is not an e-mail address")]
    Address(String),
    #[error("the SMS provider address {url} is not usable: {reason}")]
    Sms { url: String, reason: String },
    #[error("the SMS body template is not JSON once filled in: {0}")]
    SmsBody(String),
}

impl DeliveryConfigError {
    pub fn translated(&self) -> String {
        use rust_i18n::t;
        match self {
            DeliveryConfigError::Smtp { url, reason } => {
                t!("server.delivery.smtp", url = url, reason = reason).into_owned()
            }
            DeliveryConfigError::Address(address) => {
                t!("server.delivery.address", address = address).into_owned()
            }
            DeliveryConfigError::Sms { url, reason } => {
                t!("server.delivery.sms", url = url, reason = reason).into_owned()
            }
            DeliveryConfigError::SmsBody(reason) => {
                t!("server.delivery.sms_body", reason = reason).into_owned()
            }
        }
    }
}

/// The idempotency key of message `id` written at `created_at` on `channel`: the id alone
/// would repeat in another database sharing a provider.
pub fn key(delivery: &Delivery, channel: Channel) -> String {
    format!(
        "kezek-{}-{}-{}",
        delivery.id,
        delivery.created_at.timestamp_micros(),
        channel.code()
    )
}

/// How long to wait before attempt `failures + 1`: `base · 2^(failures−1)`, at most `max`,
/// plus up to a quarter of it at random so that messages failed together spread out.
pub fn backoff(config: &NotificationConfig, failures: u32, jitter: f64) -> chrono::Duration {
    let base = config.retry_base_seconds.get() as f64;
    let max = config.retry_max_seconds.get() as f64;
    let exponent = failures.saturating_sub(1).min(30);
    let delay = (base * f64::from(1u32 << exponent)).min(max);
    let with_jitter = delay * (1.0 + 0.25 * jitter.clamp(0.0, 1.0));
    chrono::Duration::milliseconds((with_jitter * 1000.0) as i64)
}

/// Runs until `stop` turns true: every `poll_ms`, if this server holds the lease, one batch.
pub async fn run(state: AppState, channels: Channels, stop: watch::Receiver<bool>) {
    let config = state.config().notifications.clone();
    let holder = uuid::Uuid::new_v4().to_string();
    let period = Duration::from_millis(config.poll_ms.get());
    let watch = stop.clone();
    every(period, stop, || async {
        if let Err(e) = round(&state, &channels, &holder, &watch).await {
            tracing::warn!(error = %e, "delivery: a round failed");
        }
    })
    .await;
}

/// One round: the lease, then the messages due, one after the other (a stop request ends the
/// round between two messages).
pub async fn round(
    state: &AppState,
    channels: &Channels,
    holder: &str,
    stop: &watch::Receiver<bool>,
) -> StoreResult<usize> {
    let config = &state.config().notifications;
    let store = state.store();
    let now = state.now();
    let lease = chrono::Duration::seconds(config.lease_seconds.get() as i64);
    if !store.take_lease(LEASE, holder, now, now + lease).await? {
        return Ok(0);
    }
    let due = store.due_messages(now, config.batch.get()).await?;
    let mut done = 0;
    for delivery in due {
        if *stop.borrow() {
            break;
        }
        attempt(state, channels, &delivery).await?;
        done += 1;
    }
    Ok(done)
}

/// One attempt at one message: each channel it has and has not yet gone through; then the
/// outcome. A channel is marked the moment it is taken, so that a crash before the next one
/// does not send it twice; the last channel's mark goes with the outcome, in one write (a crash
/// between its send and that write resends it, as one between a send and its own mark would).
async fn attempt(state: &AppState, channels: &Channels, delivery: &Delivery) -> StoreResult<()> {
    let config = &state.config().notifications;
    let store = state.store();
    let timeout = Duration::from_secs(config.send_timeout_seconds.get());
    let mut errors: Vec<SendError> = Vec::new();
    let sms_follows = delivery.to_phone.is_some() && !delivery.sms_sent;
    let mut sent = Vec::new();
    if let Some(address) = delivery
        .to_email
        .as_deref()
        .filter(|_| !delivery.email_sent)
    {
        let sent_by_mail = match Email::parse(address) {
            Ok(to) => {
                let mail = Mail {
                    key: key(delivery, Channel::Email),
                    to,
                    lang: delivery.lang,
                    subject: delivery.subject.clone(),
                    text: delivery.body.clone(),
                };
                within(timeout, channels.mailer.send(&mail)).await
            }
            Err(_) => Err(SendError::Permanent("not an e-mail address".to_owned())),
        };
        match sent_by_mail {
            Ok(()) if sms_follows => {
                store
                    .mark_channel_sent(delivery.id, Channel::Email, state.now())
                    .await?
            }
            Ok(()) => sent.push(Channel::Email),
            Err(e) => errors.push(e),
        }
    }
    if let Some(number) = delivery.to_phone.as_deref().filter(|_| !delivery.sms_sent) {
        let sent_by_sms = match MobilePhone::parse(number) {
            Ok(to) => {
                let sms = Sms {
                    key: key(delivery, Channel::Sms),
                    to,
                    text: delivery.sms.clone(),
                };
                within(timeout, channels.sms.send(&sms)).await
            }
            Err(_) => Err(SendError::Permanent(
                "not a Kazakhstan mobile number".to_owned(),
            )),
        };
        match sent_by_sms {
            Ok(()) => sent.push(Channel::Sms),
            Err(e) => errors.push(e),
        }
    }
    let now = state.now();
    let settle = settle(
        config,
        delivery.attempts,
        &errors,
        now,
        rand::rng().random(),
    );
    match &settle {
        Settle::Sent => tracing::info!(id = delivery.id, "delivery: sent"),
        Settle::Retry { error, at } => {
            tracing::warn!(id = delivery.id, %error, retry_at = %at, "delivery: failed")
        }
        Settle::Dead { error } => tracing::error!(id = delivery.id, %error, "delivery: dead"),
    }
    store
        .settle_delivery(delivery.id, &settle, &sent, now)
        .await
}

/// The outcome of an attempt after `failures` failed ones, from its channels' errors.
pub fn settle(
    config: &NotificationConfig,
    failures: u32,
    errors: &[SendError],
    now: DateTime<Utc>,
    jitter: f64,
) -> Settle {
    if errors.is_empty() {
        return Settle::Sent;
    }
    let error = errors
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ");
    let failures = failures.saturating_add(1);
    let permanent = errors.iter().any(|e| matches!(e, SendError::Permanent(_)));
    if permanent || failures >= config.max_attempts.get() {
        Settle::Dead { error }
    } else {
        Settle::Retry {
            error,
            at: now + backoff(config, failures, jitter),
        }
    }
}

async fn within(
    limit: Duration,
    send: impl Future<Output = Result<(), SendError>>,
) -> Result<(), SendError> {
    tokio::time::timeout(limit, send)
        .await
        .unwrap_or_else(|_| Err(SendError::Transient("timed out".to_owned())))
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn config() -> NotificationConfig {
        NotificationConfig::default()
    }

    #[test]
    fn the_wait_doubles_up_to_the_limit_with_at_most_a_quarter_more() {
        let c = config();
        let seconds = |failures, jitter| backoff(&c, failures, jitter).num_seconds();
        assert_eq!([1, 2, 3, 4].map(|f| seconds(f, 0.0)), [30, 60, 120, 240]);
        assert_eq!(seconds(20, 0.0), 3600);
        assert_eq!(seconds(u32::MAX, 0.0), 3600);
        assert_eq!(seconds(1, 1.0), 37);
        assert_eq!(seconds(20, 1.0), 4500);
    }

    #[test]
    fn a_message_dies_after_the_last_attempt_or_at_once_when_refused_for_good() {
        let c = config();
        let now = Utc.with_ymd_and_hms(2026, 12, 7, 10, 0, 0).unwrap();
        let down = [SendError::Transient("connection refused".into())];
        assert_eq!(settle(&c, 0, &[], now, 0.5), Settle::Sent);
        match settle(&c, 0, &down, now, 0.0) {
            Settle::Retry { at, error } => {
                assert_eq!(at, now + chrono::Duration::seconds(30));
                assert!(error.contains("connection refused"));
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            settle(&c, 6, &down, now, 0.0),
            Settle::Retry { .. }
        ));
        assert!(matches!(
            settle(&c, 7, &down, now, 0.0),
            Settle::Dead { .. }
        ));
        let refused = [SendError::Permanent("550 no such mailbox".into())];
        assert!(matches!(
            settle(&c, 0, &refused, now, 0.0),
            Settle::Dead { .. }
        ));
    }
}
