//! SMS: an HTTP JSON provider (URL, token and body template from the configuration) and the
//! log-only one of the demo.
//!
//! The provider gets `POST <sms_url>` with `Content-Type: application/json`, the body template
//! with `{to}`, `{text}` and `{key}` filled in as JSON strings, `Idempotency-Key: <key>` and,
//! with a token, `Authorization: Bearer <token>`. A 2xx answer is delivery; 409 is too (the
//! provider already has that key); 408, 429 and 5xx are tried again; any other answer means the
//! provider will not take the message (dead at once).

use async_trait::async_trait;
use reqwest::StatusCode;

use super::smtp::redacted;
use super::{DeliveryConfigError, SendError, Sms, SmsProvider};
use crate::server::config::NotificationConfig;

pub struct HttpSms {
    http: reqwest::Client,
    url: reqwest::Url,
    token: Option<String>,
    template: String,
}

impl HttpSms {
    pub fn new(url: &str, config: &NotificationConfig) -> Result<HttpSms, DeliveryConfigError> {
        let bad = |reason: String| DeliveryConfigError::Sms {
            url: redacted(url),
            reason,
        };
        let parsed = reqwest::Url::parse(url).map_err(|e| bad(e.to_string()))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(bad("not http or https".to_owned()));
        }
        // reqwest is built without a default TLS provider; ring is the crate's.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder()
            .user_agent(concat!("kezek/", env!("CARGO_PKG_VERSION")))
            .timeout(std::time::Duration::from_secs(
                config.send_timeout_seconds.get(),
            ))
            .build()
            .map_err(|e| bad(e.to_string()))?;
        let provider = HttpSms {
            http,
            url: parsed,
            token: config.sms_token.clone(),
            template: config.sms_body.clone(),
        };
        // A template that makes no JSON is found now, not at the first message.
        let sample = provider.body(&Sms {
            key: "k".to_owned(),
            to: crate::domain::MobilePhone::parse("+77010000000").expect("a mobile number"),
            text: "\"ә\"\n".to_owned(),
        });
        serde_json::from_str::<serde_json::Value>(&sample)
            .map_err(|e| DeliveryConfigError::SmsBody(e.to_string()))?;
        Ok(provider)
    }

    /// The request body: the template with each placeholder a JSON string.
    pub fn body(&self, sms: &Sms) -> String {
        let json = |s: &str| serde_json::Value::String(s.to_owned()).to_string();
        self.template
            .replace("{to}", &json(sms.to.e164()))
            .replace("{text}", &json(&sms.text))
            .replace("{key}", &json(&sms.key))
    }
}

#[async_trait]
impl SmsProvider for HttpSms {
    async fn send(&self, sms: &Sms) -> Result<(), SendError> {
        let mut request = self
            .http
            .post(self.url.clone())
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header("Idempotency-Key", &sms.key)
            .body(self.body(sms));
        if let Some(token) = &self.token {
            request = request.bearer_auth(token);
        }
        let status = match request.send().await {
            Ok(answer) => answer.status(),
            Err(e) => return Err(SendError::Transient(e.without_url().to_string())),
        };
        match status {
            s if s.is_success() || s == StatusCode::CONFLICT => Ok(()),
            s if s.is_server_error()
                || s == StatusCode::REQUEST_TIMEOUT
                || s == StatusCode::TOO_MANY_REQUESTS =>
            {
                Err(SendError::Transient(format!(
                    "the SMS provider answered {s}"
                )))
            }
            s => Err(SendError::Permanent(format!(
                "the SMS provider answered {s}"
            ))),
        }
    }
}

/// No provider configured: the SMS goes to the log (the number stays out). Its text may hold a
/// desk's one-time code, a secret, so only a demo server writes it; any other logs the key alone.
pub struct LogSms {
    pub demo: bool,
}

#[async_trait]
impl SmsProvider for LogSms {
    async fn send(&self, sms: &Sms) -> Result<(), SendError> {
        if self.demo {
            tracing::info!(key = %sms.key, text = %sms.text, "SMS (log only)");
        } else {
            tracing::warn!(key = %sms.key, "SMS not sent: no SMS provider is configured (sms_url)");
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::MobilePhone;

    #[test]
    fn the_body_is_the_template_with_json_strings() {
        let config = NotificationConfig {
            sms_body: r#"{"phone": {to}, "message": {text}, "id": {key}, "sender": "Kezek"}"#
                .to_owned(),
            ..NotificationConfig::default()
        };
        let provider = HttpSms::new("http://127.0.0.1:9/sms", &config).unwrap();
        let body = provider.body(&Sms {
            key: "kezek-1-2-sms".to_owned(),
            to: MobilePhone::parse("8 701 234 56 78").unwrap(),
            text: "Жолдама \"берілді\"\n".to_owned(),
        });
        let value: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(value["phone"], "+77012345678");
        assert_eq!(value["message"], "Жолдама \"берілді\"\n");
        assert_eq!(value["id"], "kezek-1-2-sms");
        assert_eq!(value["sender"], "Kezek");
    }

    #[test]
    fn a_template_or_url_that_cannot_work_is_refused_at_start() {
        let broken = NotificationConfig {
            sms_body: r#"{"to": "{to}"}"#.to_owned(),
            ..NotificationConfig::default()
        };
        assert!(matches!(
            HttpSms::new("http://127.0.0.1:9/sms", &broken),
            Err(DeliveryConfigError::SmsBody(_))
        ));
        let config = NotificationConfig::default();
        assert!(matches!(
            HttpSms::new("ftp://token@127.0.0.1/sms", &config),
            Err(DeliveryConfigError::Sms { url, .. }) if url == "ftp://127.0.0.1"
        ));
    }
}
