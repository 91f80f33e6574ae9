//! `kezek loadgen`: many clients log in as the demo people and send real signed applications and
//! actions (withdrawals, `--actions` in every hundred writes) through the public API for a while;
//! prints signed writes per second, latency percentiles and errors. Documents are signed before
//! the clock starts, so the figure is the server's.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{Datelike, Utc};
use rand::Rng;
use rust_i18n::t;

use super::{Exit, Failure, LoadgenArgs, Outcome};
use crate::api::documents::{ActionDocument, ActionRequest, Document, Envelope, Submission};
use crate::api::problem::ProblemCode;
use crate::api::profile::Contacts;
use crate::client::demo::{self, DemoKeystore};
use crate::client::{Client, ClientError};
use crate::domain::iin::check_digit;
use crate::domain::wizard::Draft;
use crate::domain::{ApplicationNumber, Iin};
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
    applications: u64,
    actions: u64,
    errors: BTreeMap<String, u64>,
}

/// One signed write a client sends: a new application, or the withdrawal of one registered
/// before the clock started.
enum Write {
    Application {
        request_id: String,
        signed_xml: String,
    },
    Withdrawal {
        number: ApplicationNumber,
        request_id: String,
        signed_xml: String,
    },
}

/// A withdrawal of `number`, the action any queued application allows.
fn withdrawal(number: ApplicationNumber) -> ActionDocument {
    ActionDocument {
        envelope: Envelope::now(),
        number,
        action: ActionRequest::Withdraw {
            reason: "loadgen".to_owned(),
        },
    }
}

/// Signs `count` new applications of `person`.
fn sign_applications(person: &Person, count: usize) -> Result<Vec<(String, String)>, Failure> {
    let mut rng = rand::rng();
    (0..count)
        .map(|_| {
            let document = submission(person, synthetic_child(&mut rng));
            let id = document.envelope.request_id.clone();
            sign(
                &person.sign,
                &Document::Application(Box::new(document)).to_xml(),
            )
            .map(|xml| (id, xml))
        })
        .collect()
}

/// One client's writes: its new applications with, in every hundred, `actions_percent`
/// withdrawals of applications it registers now (before the clock starts) spread among them.
async fn prepare(
    client: &Client,
    person: &Person,
    applications: Vec<(String, String)>,
    actions_percent: usize,
) -> Result<Vec<Write>, Failure> {
    let actions = applications.len() * actions_percent / 100;
    let mut applications = applications.into_iter();
    let mut withdrawals = Vec::with_capacity(actions);
    for (request_id, signed_xml) in applications.by_ref().take(actions) {
        let registered = match client.submit_application(&request_id, &signed_xml).await {
            Ok(registered) => registered,
            // A random child may already be in the queue: that one is not withdrawn, then.
            Err(ClientError::Problem(problem))
                if problem.code == ProblemCode::ChildAlreadyQueued =>
            {
                continue;
            }
            Err(e) => return Err(Failure::check_failed(e.translated())),
        };
        let document = withdrawal(registered.number);
        let request_id = document.envelope.request_id.clone();
        let signed_xml = sign(&person.sign, &Document::Action(document).to_xml())?;
        withdrawals.push(Write::Withdrawal {
            number: registered.number,
            request_id,
            signed_xml,
        });
    }
    let applications = applications
        .map(|(request_id, signed_xml)| Write::Application {
            request_id,
            signed_xml,
        })
        .collect();
    Ok(interleave(applications, withdrawals))
}

/// Spreads `actions` evenly among `applications`, keeping the order of each: the first n
/// writes hold n × actions / total of them, rounded down.
fn interleave<T>(applications: Vec<T>, actions: Vec<T>) -> Vec<T> {
    let total = applications.len() + actions.len();
    let share = actions.len();
    let mut applications = applications.into_iter();
    let mut actions = actions.into_iter();
    let mut writes = Vec::with_capacity(total);
    let mut actions_taken = 0;
    for sent in 1..=total {
        let write = if sent * share / total > actions_taken {
            actions_taken += 1;
            actions.next().or_else(|| applications.next())
        } else {
            applications.next().or_else(|| actions.next())
        };
        writes.extend(write);
    }
    writes
}

/// Sends one write; `true` for an application, `false` for an action.
async fn send(client: &Client, write: &Write) -> (bool, Result<(), ClientError>) {
    match write {
        Write::Application {
            request_id,
            signed_xml,
        } => (
            true,
            client
                .submit_application(request_id, signed_xml)
                .await
                .map(drop),
        ),
        Write::Withdrawal {
            number,
            request_id,
            signed_xml,
        } => (
            false,
            client
                .act(number, "withdraw", request_id, signed_xml)
                .await
                .map(drop),
        ),
    }
}

pub fn loadgen(server: Option<String>, args: LoadgenArgs) -> Outcome {
    let server = server.ok_or_else(|| Failure::bad_input(t!("cli.loadgen.server_required")))?;
    let index = demo::load_index(&args.keystores).map_err(|e| Failure::bad_input(e.to_string()))?;
    let people = Arc::new(people(&index)?);
    let clients = args.clients.max(1);
    let duration = Duration::from_secs(args.duration.max(1));
    let actions_percent = usize::from(args.actions.min(100));
    // Enough documents for 2 000 writes per second, so no client runs dry.
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
        let mut signing = Vec::with_capacity(clients);
        for slot in 0..clients {
            let people = Arc::clone(&people);
            signing.push(tokio::task::spawn_blocking(move || {
                sign_applications(&people[slot % people.len()], per_client)
            }));
        }
        // One session per person, shared by that person's clients: the server allows a client
        // address only a few logins a minute, and sessions are not what is measured.
        let mut sessions = Vec::with_capacity(people.len().min(clients));
        for person in people.iter().take(clients) {
            sessions.push(log_in(&server, person).await?);
        }
        // The clients register what they will withdraw side by side, still before the clock.
        let mut preparing = Vec::with_capacity(clients);
        for (slot, task) in signing.into_iter().enumerate() {
            let client = sessions[slot % people.len()].clone();
            let people = Arc::clone(&people);
            preparing.push(tokio::spawn(async move {
                let applications = task
                    .await
                    .map_err(|e| Failure::bad_input(e.to_string()))??;
                let person = &people[slot % people.len()];
                let writes = prepare(&client, person, applications, actions_percent).await?;
                Ok::<_, Failure>((client, writes))
            }));
        }
        let mut work = Vec::with_capacity(clients);
        for task in preparing {
            work.push(
                task.await
                    .map_err(|e| Failure::bad_input(e.to_string()))??,
            );
        }
        let start = Instant::now();
        let tasks: Vec<_> = work
            .into_iter()
            .map(|(client, writes)| {
                tokio::spawn(async move {
                    let mut tally = Tally::default();
                    for write in &writes {
                        if start.elapsed() >= duration {
                            break;
                        }
                        let sent = Instant::now();
                        match send(&client, write).await {
                            (application, Ok(())) => {
                                tally.latencies.push(sent.elapsed());
                                if application {
                                    tally.applications += 1;
                                } else {
                                    tally.actions += 1;
                                }
                            }
                            (_, Err(ClientError::Problem(p))) => {
                                *tally.errors.entry(p.code.as_str().to_owned()).or_default() += 1
                            }
                            (_, Err(e)) => *tally.errors.entry(e.to_string()).or_default() += 1,
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
            total.applications += tally.applications;
            total.actions += tally.actions;
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
            writes = ok.to_string(),
            applications = total.applications.to_string(),
            actions = total.actions.to_string(),
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
    fn actions_are_spread_evenly_among_the_applications() {
        let writes = interleave(vec!['a'; 90], vec!['w'; 10]);
        assert_eq!(writes.len(), 100);
        for window in writes.chunks(10) {
            assert_eq!(window.iter().filter(|&&w| w == 'w').count(), 1);
        }
        let numbered = interleave((0..5).collect(), (100..103).collect());
        let applications: Vec<i32> = numbered.iter().copied().filter(|&n| n < 100).collect();
        let actions: Vec<i32> = numbered.iter().copied().filter(|&n| n >= 100).collect();
        assert_eq!(applications, vec![0, 1, 2, 3, 4]);
        assert_eq!(actions, vec![100, 101, 102]);
        assert_eq!(interleave(vec!['a'; 3], Vec::new()), vec!['a'; 3]);
        assert_eq!(interleave(Vec::new(), vec!['w'; 2]), vec!['w'; 2]);
    }

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
