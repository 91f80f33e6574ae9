//! `kezek loadgen`: the demo operator (a ЦОН employee, `keystores-example`) serves the parents of
//! the demo registry's children nobody has queued, as a real desk would: many clients send real
//! signed applications for them and actions (withdrawals, `--actions` in every hundred writes)
//! through the public API for a while; prints signed writes per second, latency percentiles and
//! errors. The children come from the server (`GET /demo/unqueued-children`, a demo server's
//! only), and documents are signed before the clock starts, so the figure is the server's.
//! With `--also URL` (repeatable) the clients are spread over several servers of one deployment
//! on one database, in turn, sharing one session (`scripts/measure-scale.sh`).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rust_i18n::t;

use super::{Exit, Failure, LoadgenArgs, Outcome};
use crate::api::demo::{MAX_UNQUEUED_PAGE, UnqueuedChild, UnqueuedQuery};
use crate::api::documents::{ActionDocument, ActionRequest, Document, Envelope};
use crate::api::problem::ProblemCode;
use crate::api::profile::Contacts;
use crate::client::demo::{self, DemoKeystore};
use crate::client::{Client, ClientError};
use crate::domain::{ApplicationNumber, Iin};
use crate::i18n::Lang;
use crate::pki::keystore::Keystore;
use crate::pki::xmldsig;

/// Where the applications are filed.
const REGION: &str = "astana";
const SETTLEMENT: &str = "astana-esil";

/// The demo operator with both keys open.
struct Operator {
    auth: Keystore,
    sign: Keystore,
}

fn open(entry: &DemoKeystore) -> Result<Keystore, Failure> {
    Keystore::open_file(entry.path(), &entry.password)
        .map_err(|e| Failure::bad_input(format!("{}: {e}", entry.path().display())))
}

/// The index's operator with valid AUTH and SIGN keys.
fn operator(index: &[DemoKeystore]) -> Result<Operator, Failure> {
    let auth = index
        .iter()
        .find(|k| {
            k.usage == "AUTH"
                && k.status == "valid"
                && k.format == "openssl3"
                && k.role == "operator"
        })
        .ok_or_else(|| Failure::bad_input(t!("cli.loadgen.no_operator")))?;
    let sign = demo::find(index, &auth.iin, "SIGN", "valid")
        .ok_or_else(|| Failure::bad_input(t!("cli.loadgen.no_operator")))?;
    Ok(Operator {
        auth: open(auth)?,
        sign: open(sign)?,
    })
}

fn sign(keystore: &Keystore, xml: &str) -> Result<String, Failure> {
    let entry = keystore
        .entry(None)
        .map_err(|e| Failure::bad_input(e.to_string()))?;
    xmldsig::sign(xml, &entry.key, &entry.certificate)
        .map_err(|e| Failure::bad_input(e.to_string()))
}

/// Logs in with the AUTH key and gives the e-mail a first login asks for.
async fn log_in(server: &str, operator: &Operator) -> Result<Client, Failure> {
    let fail = |e: ClientError| Failure::check_failed(e.translated());
    let mut client = Client::new(server).map_err(fail)?;
    let challenge = client.challenge().await.map_err(fail)?;
    let signed = sign(&operator.auth, &challenge.xml)?;
    let login = client.login(&signed).await.map_err(fail)?;
    if login.contacts_missing {
        let contacts = Contacts {
            email: Some("loadgen@example.kz".to_owned()),
            phone: None,
            extra_email: None,
            extra_phone: None,
            language: Lang::Ru,
            notify_by: Default::default(),
        };
        client.update_contacts(&contacts).await.map_err(fail)?;
    }
    Ok(client)
}

/// `session` on another server of the same deployment: sessions are rows of the one database,
/// so any server accepts the token.
fn on_server(session: &Client, server: &str) -> Result<Client, Failure> {
    let mut client = Client::new(server).map_err(|e| Failure::check_failed(e.translated()))?;
    client.set_token(session.token().map(str::to_owned));
    Ok(client)
}

/// Up to `wanted` children nobody has queued yet, with their parents, as the server lists them.
async fn unqueued(client: &Client, wanted: usize) -> Result<Vec<UnqueuedChild>, Failure> {
    let mut found = Vec::with_capacity(wanted);
    let mut query = UnqueuedQuery {
        region: REGION.to_owned(),
        birth_year: None,
        cursor: None,
        limit: Some(MAX_UNQUEUED_PAGE),
    };
    while found.len() < wanted {
        let page = match client.unqueued_children(&query).await {
            Ok(page) => page,
            Err(ClientError::Problem(p)) if p.code == ProblemCode::NotFound => {
                return Err(Failure::check_failed(t!("cli.loadgen.not_demo")));
            }
            Err(e) => return Err(Failure::check_failed(e.translated())),
        };
        found.extend(page.children);
        match page.next_cursor {
            Some(cursor) => query.cursor = Some(cursor),
            None => break,
        }
    }
    found.truncate(wanted);
    if found.is_empty() {
        return Err(Failure::check_failed(t!("cli.loadgen.no_children")));
    }
    Ok(found)
}

/// What one client saw.
#[derive(Default)]
struct Tally {
    latencies: Vec<Duration>,
    applications: u64,
    actions: u64,
    errors: BTreeMap<String, u64>,
    /// The client sent all it had before the time was up.
    ran_dry: bool,
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

/// A withdrawal of `number` for `citizen`, the action any queued application allows.
fn withdrawal(number: ApplicationNumber, citizen: Iin) -> ActionDocument {
    ActionDocument {
        envelope: Envelope::now().for_citizen(citizen, "ЦОН-0000000000"),
        number,
        action: ActionRequest::Withdraw {
            reason: "loadgen".to_owned(),
        },
    }
}

/// One application signed for the desk: its request id, the signed XML, the citizen served.
struct Signed {
    request_id: String,
    signed_xml: String,
    citizen: Iin,
}

/// Signs the applications of `families`, the operator serving each parent.
fn sign_applications(
    operator: &Operator,
    families: &[UnqueuedChild],
    first: usize,
) -> Result<Vec<Signed>, Failure> {
    families
        .iter()
        .enumerate()
        .map(|(i, family)| {
            let citizen = family.applicant.iin;
            let mut document = family.application(REGION, SETTLEMENT);
            // The ЦОН request number the desk records, of the default format.
            let request = format!("ЦОН-{:010}", first + i);
            document.envelope = Envelope::now().for_citizen(citizen, request);
            let request_id = document.envelope.request_id.clone();
            let signed_xml = sign(
                &operator.sign,
                &Document::Application(Box::new(document)).to_xml(),
            )?;
            Ok(Signed {
                request_id,
                signed_xml,
                citizen,
            })
        })
        .collect()
}

/// One client's writes: its new applications with, in every hundred, `actions_percent`
/// withdrawals of applications it registers now (before the clock starts) spread among them.
async fn prepare(
    client: &Client,
    operator: &Operator,
    applications: Vec<Signed>,
    actions_percent: usize,
) -> Result<Vec<Write>, Failure> {
    serve(client, &applications).await?;
    let actions = applications.len() * actions_percent / 100;
    let mut applications = applications.into_iter();
    let mut withdrawals = Vec::with_capacity(actions);
    for signed in applications.by_ref().take(actions) {
        let registered = client
            .submit_application(&signed.request_id, &signed.signed_xml)
            .await
            .map_err(|e| Failure::check_failed(e.translated()))?;
        let document = withdrawal(registered.number, signed.citizen);
        let request_id = document.envelope.request_id.clone();
        let signed_xml = sign(&operator.sign, &Document::Action(document).to_xml())?;
        withdrawals.push(Write::Withdrawal {
            number: registered.number,
            request_id,
            signed_xml,
        });
    }
    let applications = applications
        .map(|signed| Write::Application {
            request_id: signed.request_id,
            signed_xml: signed.signed_xml,
        })
        .collect();
    Ok(interleave(applications, withdrawals))
}

/// Serves each citizen at the desk before the clock starts, as the operator must before acting
/// for them: the service's code comes back from the demo server (`demo_code`).
async fn serve(client: &Client, applications: &[Signed]) -> Result<(), Failure> {
    let fail = |e: ClientError| Failure::check_failed(e.translated());
    let mut client = client.clone();
    for signed in applications {
        let service = client.start_service(signed.citizen).await.map_err(fail)?;
        let code = service
            .demo_code
            .ok_or_else(|| Failure::check_failed(t!("cli.loadgen.not_demo")))?;
        client
            .confirm_code(&service.id, &code)
            .await
            .map_err(fail)?;
    }
    Ok(())
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
    let operator = Arc::new(operator(&index)?);
    let clients = args.clients.max(1);
    let duration = Duration::from_secs(args.duration.max(1));
    let actions_percent = usize::from(args.actions.min(100));
    // Enough documents for 2 000 writes per second, so no client runs dry while the server
    // has children to queue.
    // `--prepare` makes fewer when preparing them costs more than the run (a slow server).
    let wanted = args
        .prepare
        .unwrap_or(2_000 * args.duration as usize)
        .max(20 * clients);
    let runtime = tokio::runtime::Runtime::new().map_err(|e| Failure::bad_input(e.to_string()))?;
    runtime.block_on(async move {
        // One session for every client: the server allows a client address only a few logins
        // a minute, and sessions are not what is measured.
        let session = log_in(&server, &operator).await?;
        let families = unqueued(&session, wanted).await?;
        // With `--also`, the clients take the servers in turn: client i talks to server i mod n.
        let mut sessions = vec![session];
        for other in &args.also {
            sessions.push(on_server(&sessions[0], other)?);
        }
        eprintln!(
            "{}",
            t!("cli.loadgen.signing", count = families.len().to_string())
        );
        // Each client its share of the children, signed side by side on the blocking pool.
        let per_client = families.len().div_ceil(clients);
        let families = Arc::new(families);
        let mut signing = Vec::with_capacity(clients);
        for slot in 0..clients {
            let (operator, families) = (Arc::clone(&operator), Arc::clone(&families));
            signing.push(tokio::task::spawn_blocking(move || {
                let first = (slot * per_client).min(families.len());
                let last = (first + per_client).min(families.len());
                sign_applications(&operator, &families[first..last], first)
            }));
        }
        // The clients register what they will withdraw side by side, still before the clock.
        let mut preparing = Vec::with_capacity(clients);
        for task in signing {
            let client = sessions[preparing.len() % sessions.len()].clone();
            let operator = Arc::clone(&operator);
            preparing.push(tokio::spawn(async move {
                let applications = task
                    .await
                    .map_err(|e| Failure::bad_input(e.to_string()))??;
                let writes = prepare(&client, &operator, applications, actions_percent).await?;
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
                    tally.ran_dry = start.elapsed() < duration;
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
            total.ran_dry |= tally.ran_dry;
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
    if total.ran_dry {
        println!("{}", t!("cli.loadgen.ran_dry"));
    }
    if total.errors.contains_key(ProblemCode::RateLimited.as_str()) {
        println!("{}", t!("cli.loadgen.rate_limited"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
