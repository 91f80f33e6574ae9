//! E-mail over SMTP with `lettre`: plain, STARTTLS or TLS and authentication as the address
//! says (`smtp://…`, `smtp://…?tls=required`, `smtps://…`, `user:password@`); `From` and
//! `Reply-To` from the configuration. Each e-mail has a plain-text and an HTML part of the same
//! words and links nothing outside the service.

use async_trait::async_trait;
use lettre::message::{Mailbox, MultiPart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use super::{DeliveryConfigError, Mail, Mailer, SendError};
use crate::server::config::NotificationConfig;

/// An SMTP server.
pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    reply_to: Option<Mailbox>,
}

impl SmtpMailer {
    pub fn new(url: &str, config: &NotificationConfig) -> Result<SmtpMailer, DeliveryConfigError> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| DeliveryConfigError::Smtp {
                // The address may carry a password: only its scheme and host are repeated.
                url: redacted(url),
                reason: e.to_string(),
            })?
            .timeout(Some(std::time::Duration::from_secs(
                config.send_timeout_seconds.get(),
            )))
            .build();
        let mailbox = |text: &str| {
            text.parse::<Mailbox>()
                .map_err(|_| DeliveryConfigError::Address(text.to_owned()))
        };
        Ok(SmtpMailer {
            transport,
            from: mailbox(&config.from)?,
            reply_to: config.reply_to.as_deref().map(mailbox).transpose()?,
        })
    }

    /// The message as it goes on the wire.
    pub fn message(&self, mail: &Mail) -> Result<Message, SendError> {
        let to = mail
            .to
            .as_str()
            .parse::<Mailbox>()
            .map_err(|e| SendError::Permanent(format!("the address: {e}")))?;
        let mut builder = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(mail.subject.clone())
            // The idempotency key: a message sent again after a crash has the same id.
            .message_id(Some(format!("<{}@{}>", mail.key, self.from.email.domain())));
        if let Some(reply_to) = &self.reply_to {
            builder = builder.reply_to(reply_to.clone());
        }
        builder
            .multipart(MultiPart::alternative_plain_html(
                mail.text.clone(),
                html(&mail.subject, &mail.text, mail.lang.code()),
            ))
            .map_err(|e| SendError::Permanent(format!("the message: {e}")))
    }
}

#[async_trait]
impl Mailer for SmtpMailer {
    async fn send(&self, mail: &Mail) -> Result<(), SendError> {
        let message = self.message(mail)?;
        match self.transport.send(message).await {
            Ok(_) => Ok(()),
            // 5xx: the server will not take it, now or later (no such mailbox).
            Err(e) if e.is_permanent() => Err(SendError::Permanent(e.to_string())),
            Err(e) => Err(SendError::Transient(e.to_string())),
        }
    }
}

/// No SMTP server configured: the e-mail goes to the log (its key and subject, no address and
/// no body, which name the child), as the demo's SMS do.
pub struct LogMailer;

#[async_trait]
impl Mailer for LogMailer {
    async fn send(&self, mail: &Mail) -> Result<(), SendError> {
        tracing::info!(key = %mail.key, subject = %mail.subject, "e-mail (log only)");
        Ok(())
    }
}

/// The HTML part: the text's paragraphs, escaped, with no link, image or style from outside.
pub fn html(subject: &str, text: &str, lang: &str) -> String {
    let paragraphs: String = text
        .split("\n\n")
        .map(|p| format!("<p>{}</p>\n", escape(p).replace('\n', "<br>\n")))
        .collect();
    format!(
        "<!DOCTYPE html>\n<html lang=\"{lang}\">\n<head><meta charset=\"utf-8\"><title>{}</title></head>\n<body>\n{paragraphs}</body>\n</html>\n",
        escape(subject)
    )
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// `scheme://host:port`, without the user and password an address may carry.
pub fn redacted(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(parsed) => format!(
            "{}://{}{}",
            parsed.scheme(),
            parsed.host_str().unwrap_or_default(),
            parsed.port().map(|p| format!(":{p}")).unwrap_or_default()
        ),
        Err(_) => "(unparsable)".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Email;
    use crate::i18n::Lang;

    fn config() -> NotificationConfig {
        NotificationConfig {
            from: "Kezek <noreply@kezek.example.kz>".to_owned(),
            reply_to: Some("help@kezek.example.kz".to_owned()),
            ..NotificationConfig::default()
        }
    }

    #[test]
    fn an_e_mail_has_both_parts_its_key_and_no_outside_link() {
        let mailer = SmtpMailer::new("smtp://127.0.0.1:2525", &config()).unwrap();
        let mail = Mail {
            key: "kezek-7-1-email".to_owned(),
            to: Email::parse("ata@мектеп.қаз").unwrap(),
            lang: Lang::Kk,
            subject: "Kezek: Орын ұсынылды — УО.2026.000027.1 өтініші".to_owned(),
            text: "Сәлеметсіз бе!\n\n<script>alert(1)</script> & http://evil.example\nсоңы"
                .to_owned(),
        };
        let wire = String::from_utf8(mailer.message(&mail).unwrap().formatted()).unwrap();
        assert!(
            wire.contains("Message-ID: <kezek-7-1-email@kezek.example.kz>"),
            "{wire}"
        );
        assert!(wire.contains("Reply-To: help@kezek.example.kz"), "{wire}");
        assert!(wire.contains("multipart/alternative"), "{wire}");
        assert!(
            wire.contains("text/plain") && wire.contains("text/html"),
            "{wire}"
        );
        let page = html(&mail.subject, &mail.text, "kk");
        assert!(page.contains("&lt;script&gt;") && !page.contains("<script>"));
        assert!(!page.contains("href") && !page.contains("src="));
        assert!(page.contains("<html lang=\"kk\">"));
    }

    #[test]
    fn a_bad_address_or_url_is_refused_without_its_password() {
        let bad = SmtpMailer::new("ftp://user:secret@mail.example.kz", &config()).err();
        match bad {
            Some(DeliveryConfigError::Smtp { url, .. }) => {
                assert_eq!(url, "ftp://mail.example.kz");
            }
            other => panic!("{:?}", other.map(|e| e.to_string())),
        }
        let mut from = config();
        from.from = "not an address".to_owned();
        assert!(matches!(
            SmtpMailer::new("smtp://127.0.0.1:25", &from),
            Err(DeliveryConfigError::Address(_))
        ));
        for url in [
            "smtp://127.0.0.1:25",
            "smtp://user:pass@mail.example.kz:587?tls=required",
            "smtps://mail.example.kz",
        ] {
            assert!(SmtpMailer::new(url, &config()).is_ok(), "{url}");
        }
    }
}
