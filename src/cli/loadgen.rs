//! `kezek loadgen`: many clients log in as the demo people and submit real signed applications
//! through the public API for a while; prints submissions per second, latency percentiles and
//! errors. Documents are signed before the clock starts, so the figure is the server's.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{Datelike, Utc};
use rand::Rng;
use rust_i18n::t;

use super::{Exit, Failure, LoadgenArgs, Outcome};
use crate::api::documents::{Document, Envelope, Submission};
use crate::api::profile::Contacts;
use crate::client::demo::{self, DemoKeystore};
use crate::client::{Client, ClientError};
use crate::domain::Iin;
use crate::domain::iin::check_digit;
use crate::domain::wizard::Draft;
use crate::i18n::Lang;
use crate::pki::keystore::Keystore;
use crate::pki::xmldsig;

/// A demo person with both keys open.
struct Person {
    iin: Iin,
    surname: String,
    name: String,
    auth: Keystore,
    sign: Keystore,
}

fn open(entry: &DemoKeystore) -> Result<Keystore, Failure> {
    Keystore::open_file(entry.path(), &entry.password)
        .map_err(|e| Failure::bad_input(format!("{}: {e}", entry.path().display())))
}

/// Everyone of the index with valid AUTH and SIGN keys who applies for children.
fn people(index: &[DemoKeystore]) -> Result<Vec<Person>, Failure> {
    let mut people = Vec::new();
    for auth in index.iter().filter(|k| {
        k.usage == "AUTH"
            && k.status == "valid"
            && k.format == "openssl3"
            && matches!(k.role.as_str(), "parent" | "applicant")
    }) {
        let Some(sign) = demo::find(index, &auth.iin, "SIGN", "valid") else {
            continue;
        };
        let Ok(iin) = Iin::parse(&auth.iin) else {
            continue;
        };
        let mut names = auth.person.split_whitespace();
        people.push(Person {
            iin,
            surname: names.next().unwrap_or_default().to_owned(),
            name: names.next().unwrap_or_default().to_owned(),
            auth: open(auth)?,
            sign: open(sign)?,
        });
    }
    if people.is_empty() {
        return Err(Failure::bad_input(t!("cli.loadgen.no_people")));
    }
    Ok(people)
}

/// A child born 1 to 6 years ago with a random valid IIN, so runs rarely meet the same child.
fn synthetic_child(rng: &mut impl Rng) -> Iin {
    let today = Utc::now().date_naive();
    loop {
        let days = rng.random_range(365..6 * 365);
        let birth = today - chrono::Duration::days(days);
        let century = if rng.random_bool(0.5) { 5 } else { 6 };
        let serial: u32 = rng.random_range(0..10_000);
        let text = format!(
            "{:02}{:02}{:02}{}{:04}",
            birth.year() % 100,
            birth.month(),
            birth.day(),
            century,
            serial
        );
        let mut first = [0u8; 11];
        for (digit, byte) in first.iter_mut().zip(text.bytes()) {
            *digit = byte - b'0';
        }
        if let Some(check) = check_digit(&first) {
            if let Ok(iin) = Iin::parse(&format!("{text}{check}")) {
                return iin;
            }
        }
    }
}

fn submission(person: &Person, child: Iin) -> Submission {
    let mut draft = Draft::default();
    draft.applicant.iin = person.iin.to_string();
    draft.applicant.birth_date = Some(person.iin.birth_date());
    draft.applicant.surname = person.surname.clone();
    draft.applicant.name = person.name.clone();
    draft.applicant.email = "loadgen@example.kz".to_owned();
    draft.applicant.phone = "+77010000000".to_owned();
    draft.child.iin = child.to_string();
    draft.child.birth_date = Some(child.birth_date());
    draft.child.surname = person.surname.clone();
    draft.child.name = "Бала".to_owned();
    Submission {
        envelope: Envelope::now(),
        region: "astana".to_owned(),
        settlement: "astana-esil".to_owned(),
        draft,
        attachments: Vec::new(),
    }
}

fn sign(keystore: &Keystore, xml: &str) -> Result<String, Failure> {
    let entry = keystore
        .entry(None)
        .map_err(|e| Failure::bad_input(e.to_string()))?;
    xmldsig::sign(xml, &entry.key, &entry.certificate)
        .map_err(|e| Failure::bad_input(e.to_string()))
}

/// Logs in with the AUTH key and gives the e-mail a first login asks for.
async fn log_in(server: &str, person: &Person) -> Result<Client, Failure> {
    let fail = |e: ClientError| Failure::check_failed(e.translated());
    let mut client = Client::new(server).map_err(fail)?;
    let challenge = client.challenge().await.map_err(fail)?;
    let signed = sign(&person.auth, &challenge.xml)?;
    let login = client.login(&signed).await.map_err(fail)?;
    if login.contacts_missing {
        let contacts = Contacts {
            email: Some("loadgen@example.kz".to_owned()),
            phone: None,
            extra_email: None,
            extra_phone: None,
            language: Lang::Ru,
        };
        client.update_contacts(&contacts).await.map_err(fail)?;
    }
    Ok(client)
}

/// What one client saw.
#[derive(Default)]
struct Tally {
    latencies: Vec<Duration>,
    errors: BTreeMap<String, u64>,
}

pub fn loadgen(server: Option<String>, args: LoadgenArgs) -> Outcome {
    let server = server.ok_or_else(|| Failure::bad_input(t!("cli.loadgen.server_required")))?;
    let index = demo::load_index(&args.keystores).map_err(|e| Failure::bad_input(e.to_string()))?;
    let people = Arc::new(people(&index)?);
    let clients = args.clients.max(1);
    let duration = Duration::from_secs(args.duration.max(1));
    // Enough documents for 2 000 submissions per second, so no client runs dry.
    let per_client = (2_000 * args.duration as usize).div_ceil(clients).max(20);
    let runtime = tokio::runtime::Runtime::new().map_err(|e| Failure::bad_input(e.to_string()))?;
    runtime.block_on(async move {
        eprintln!(
            "{}",
            t!(
                "cli.loadgen.signing",
                count = (per_client * clients).to_string()
            )
        );
        let mut prepared = Vec::with_capacity(clients);
        for slot in 0..clients {
            let people = Arc::clone(&people);
            prepared.push(tokio::task::spawn_blocking(move || {
                let person = &people[slot % people.len()];
                let mut rng = rand::rng();
                (0..per_client)
                    .map(|_| {
                        let document = submission(person, synthetic_child(&mut rng));
                        let id = document.envelope.request_id.clone();
                        sign(
                            &person.sign,
                            &Document::Application(Box::new(document)).to_xml(),
                        )
                        .map(|xml| (id, xml))
                    })
                    .collect::<Result<Vec<_>, Failure>>()
            }));
        }
        // One session per person, shared by that person's clients: the server allows a client
        // address only a few logins a minute, and sessions are not what is measured.
        let mut sessions = Vec::with_capacity(people.len().min(clients));
        for person in people.iter().take(clients) {
            sessions.push(log_in(&server, person).await?);
        }
        let mut work = Vec::with_capacity(clients);
        for (slot, task) in prepared.into_iter().enumerate() {
            let documents = task
                .await
                .map_err(|e| Failure::bad_input(e.to_string()))??;
            work.push((sessions[slot % people.len()].clone(), documents));
        }
        let start = Instant::now();
        let tasks: Vec<_> = work
            .into_iter()
            .map(|(client, documents)| {
                tokio::spawn(async move {
                    let mut tally = Tally::default();
                    for (id, xml) in documents {
                        if start.elapsed() >= duration {
                            break;
                        }
                        let sent = Instant::now();
                        match client.submit_application(&id, &xml).await {
                            Ok(_) => tally.latencies.push(sent.elapsed()),
                            Err(ClientError::Problem(p)) => {
                                *tally.errors.entry(p.code.as_str().to_owned()).or_default() += 1
                            }
                            Err(e) => *tally.errors.entry(e.to_string()).or_default() += 1,
                        }
                    }
                    tally
                })
            })
            .collect();
        let mut total = Tally::default();
        for task in tasks {
            let tally = task.await.map_err(|e| Failure::bad_input(e.to_string()))?;
            total.latencies.extend(tally.latencies);
            for (code, n) in tally.errors {
                *total.errors.entry(code).or_default() += n;
            }
        }
        let elapsed = start.elapsed().as_secs_f64();
        report(&mut total, elapsed, clients);
        Ok(if total.errors.is_empty() {
            Exit::Success
        } else {
            Exit::CheckFailed
        })
    })
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let at = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[at].as_secs_f64() * 1000.0
}

fn report(total: &mut Tally, elapsed: f64, clients: usize) {
    total.latencies.sort();
    let ok = total.latencies.len();
    println!(
        "{}",
        t!(
            "cli.loadgen.report",
            submissions = ok.to_string(),
            seconds = format!("{elapsed:.1}"),
            rate = format!("{:.0}", ok as f64 / elapsed),
            clients = clients.to_string(),
            p50 = format!("{:.1}", percentile(&total.latencies, 0.50)),
            p95 = format!("{:.1}", percentile(&total.latencies, 0.95)),
            p99 = format!("{:.1}", percentile(&total.latencies, 0.99))
        )
    );
    for (code, n) in &total.errors {
        println!(
            "{}",
            t!("cli.loadgen.error", code = code, count = n.to_string())
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Months, NaiveDate};

    #[test]
    fn synthetic_children_are_valid_and_under_seven() {
        let mut rng = rand::rng();
        let today = Utc::now().date_naive();
        for _ in 0..200 {
            let child = synthetic_child(&mut rng);
            let birth: NaiveDate = child.birth_date();
            assert!(birth < today);
            assert!(birth > today.checked_sub_months(Months::new(7 * 12)).unwrap());
        }
    }
}
