//! `kezek outbox list --db URL [--to PHONE] [--limit N]`: the outbox's messages, newest first
//! (notices and the ЦОН desk's one-time codes), as they wait for or went to delivery. Exit 0, or 2
//! when the database cannot be opened or read, or the phone is not a phone number.

use rust_i18n::t;

use super::{Exit, Failure, OutboxListArgs, Outcome};
use crate::domain::wizard;
use crate::server::store::{self, OutboxLine};

pub fn list(args: OutboxListArgs) -> Outcome {
    // Phones are kept as the profile normalises them; the same number typed any way matches.
    let to = match &args.to {
        Some(phone) => Some(
            wizard::normalize_phone(phone)
                .ok_or_else(|| Failure::bad_input(t!("cli.outbox.bad_phone", phone = phone)))?,
        ),
        None => None,
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::bad_input(e.to_string()))?;
    runtime.block_on(async {
        let store = store::open_existing(&args.db)
            .await
            .map_err(|e| Failure::bad_input(e.translated()))?;
        let lines = store.outbox(to.as_deref(), args.limit).await;
        store.close().await;
        let lines = lines.map_err(|e| Failure::bad_input(e.translated()))?;
        if lines.is_empty() {
            println!("{}", t!("cli.outbox.empty"));
        }
        for line in &lines {
            print!("{}", render(line));
        }
        Ok(Exit::Success)
    })
}

/// One message: a heading line (number, time, kind, recipient, delivered or not), the
/// subject and the body, indented.
fn render(line: &OutboxLine) -> String {
    let kind = match line.kind.as_str() {
        "one_time_code" => t!("cli.outbox.kind.one_time_code"),
        _ => t!("cli.outbox.kind.notice"),
    };
    let to = [line.to_phone.as_deref(), line.to_email.as_deref()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(", ");
    let state = match line.sent_at {
        Some(at) => t!("cli.outbox.sent", at = at.to_rfc3339()),
        None => t!("cli.outbox.pending"),
    };
    let mut text = format!(
        "#{} {} {kind} → {to} ({state}) [{}]\n  {}\n",
        line.id,
        line.created_at.to_rfc3339(),
        line.language,
        line.subject
    );
    for body_line in line.body.lines() {
        text.push_str("    ");
        text.push_str(body_line);
        text.push('\n');
    }
    text.push('\n');
    text
}
