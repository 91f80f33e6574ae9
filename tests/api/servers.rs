//! Several servers on one PostgreSQL database (issue 15): three `kezek serve` processes under
//! the load generator and the same children filed through all three at once, then a check of
//! the database: distinct numbers, exact queue numbers, one application per child, one intact
//! hash chain per region. Then SIGKILL of the server holding the scheduler's lease, and another
//! takes the lease over within the lease's time. Skips without `KEZEK_TEST_POSTGRES_URL`
//! (fails under CI=true).

use std::collections::{BTreeMap, HashSet};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use kezek::api::problem::ProblemCode;
use kezek::domain::{ApplicationNumber, Status};
use kezek::server::config::demo_keystores;
use kezek::server::scheduler;
use kezek::server::store;
use sqlx::Connection;

use crate::common::postgres::{PgSchema, postgres_url};
use crate::common::*;
use crate::crash::start;

/// The configuration of the servers: the demo registry without seeded applications, the demo
/// operator's organisation, no per-person write limit (one operator files for everyone).
fn config(dir: &std::path::Path) -> String {
    let ca = std::path::absolute(demo_keystores()).unwrap().join("ca");
    let config = dir.join("kezek.toml");
    std::fs::write(
        &config,
        format!(
            "demo = 0\n[trust]\nroots = [{:?}, {:?}]\ncrls = [{:?}]\n\
             [limits]\nperson_writes_per_minute = 0\nperson_reads_per_minute = 0\n\
             login_attempts_per_minute = 0\npublic_requests_per_minute = 0\n\
             [[roles]]\nbin = \"160440090000\"\nrole = \"operator\"\n",
            ca.join("root.pem"),
            ca.join("nca_rsa.pem"),
            ca.join("nca_rsa.crl")
        ),
    )
    .unwrap();
    config.display().to_string()
}

/// The holder of the scheduler's lease: the process id it starts with.
async fn lease_holder(url: &str) -> Option<u32> {
    let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
    let holder: Option<String> = sqlx::query_scalar("SELECT holder FROM leases WHERE name = $1")
        .bind(scheduler::LEASE)
        .fetch_optional(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();
    holder.and_then(|h| h.split('-').next().and_then(|pid| pid.parse().ok()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn three_servers_on_one_database_number_exactly_and_hand_over_the_scheduler() {
    let Some(server) = postgres_url() else {
        return;
    };
    let schema = PgSchema::create(&server).await;
    let url = schema.url();
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path());
    let mut servers: Vec<_> = (0..3).map(|_| start(&url, &config)).collect();
    let urls: Vec<String> = servers.iter().map(|(_, u)| u.clone()).collect();

    // The load generator against each server at once.
    let loadgens: Vec<_> = urls
        .iter()
        .map(|u| {
            Command::new(env!("CARGO_BIN_EXE_kezek"))
                .args(["--server", u, "loadgen", "--keystores"])
                .arg(demo_keystores())
                .args(["--clients", "4", "--duration", "4", "--actions", "10"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("kezek loadgen starts")
        })
        .collect();

    // Meanwhile the same children filed through all three servers at once.
    let first = World::at(&urls[0]);
    let operator = first.login(OPERATOR).await;
    let families = first.unqueued(&operator, None, 20).await;
    let mut filers = Vec::new();
    for server_url in &urls {
        let server_url = server_url.clone();
        let families = families.clone();
        filers.push(tokio::spawn(async move {
            let w = World::at(&server_url);
            let mut operator = w.login(OPERATOR).await;
            let sign_key = w.keystore(OPERATOR, "SIGN", "valid");
            let mut outcomes = Vec::new();
            for family in &families {
                w.serve(&mut operator, family.applicant.iin).await;
                let s = for_citizen(
                    application_for(&family.applicant, &family.child),
                    family.applicant.iin,
                );
                let xml = sign(&sign_key, &xml_of(&s));
                let outcome = operator
                    .submit_application(&s.envelope.request_id, &xml)
                    .await
                    .map(|r| r.number);
                outcomes.push((family.child.iin, outcome.map_err(|e| code(Err::<(), _>(e)))));
            }
            outcomes
        }));
    }
    let mut filed: BTreeMap<String, Vec<ApplicationNumber>> = BTreeMap::new();
    for filer in filers {
        for (child, outcome) in filer.await.unwrap() {
            match outcome {
                Ok(number) => filed.entry(child.to_string()).or_default().push(number),
                Err(refused) => assert_eq!(refused, ProblemCode::ChildAlreadyQueued),
            }
        }
    }
    for mut loadgen in loadgens {
        loadgen.wait().unwrap();
    }
    // One application per child, whichever server got there first.
    assert_eq!(filed.len(), families.len());
    assert!(
        filed.values().all(|numbers| numbers.len() == 1),
        "{filed:?}"
    );

    // Every application of the database: distinct numbers, one open application per child,
    // and queue numbers exactly their place in the cohort's order.
    let mut conn = sqlx::PgConnection::connect(&url).await.unwrap();
    let numbers: Vec<String> = sqlx::query_scalar("SELECT number FROM applications")
        .fetch_all(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();
    assert!(
        numbers.len() > families.len(),
        "the load generators filed too"
    );
    let distinct: HashSet<&String> = numbers.iter().collect();
    assert_eq!(distinct.len(), numbers.len());
    let store = store::open_existing(&url).await.unwrap();
    let mut cohorts: BTreeMap<_, Vec<_>> = BTreeMap::new();
    let mut open_children = HashSet::new();
    for number in &numbers {
        let app = store
            .application(ApplicationNumber::parse(number).unwrap())
            .await
            .unwrap();
        if !app.state.status.is_final() {
            assert!(open_children.insert(app.child_iin), "{number}");
        }
        if app.state.status == Status::InQueue {
            let cohort = (app.state.cohort.region.clone(), app.state.cohort.birth_year);
            cohorts.entry(cohort).or_default().push(app);
        }
    }
    for queue in cohorts.values_mut() {
        queue.sort_by_key(|app| (app.state.registered_at, app.state.number));
        for (place, app) in queue.iter().enumerate() {
            assert_eq!(
                app.position.general as usize,
                place + 1,
                "{}",
                app.state.number
            );
        }
    }
    // One chain per region, no fork.
    let report = store.verify_history().await.unwrap().unwrap();
    assert!(report.events as usize >= numbers.len(), "{report:?}");
    store.close().await;

    // The scheduler runs on one server; SIGKILL it and another takes over within the lease.
    let holder = lease_holder(&url)
        .await
        .expect("a server holds the scheduler's lease");
    let at = servers
        .iter()
        .position(|(s, _)| s.id() == holder)
        .expect("the holder is one of the three");
    let (mut killed, _) = servers.remove(at);
    killed.kill().unwrap();
    killed.wait().unwrap();
    let killed_at = Instant::now();
    let survivors: Vec<u32> = servers.iter().map(|(s, _)| s.id()).collect();
    // The lease runs out, and the next tick of a survivor (every 5 s) takes it.
    let limit = scheduler::LEASE_TIME + Duration::from_secs(6);
    loop {
        if let Some(pid) = lease_holder(&url).await
            && survivors.contains(&pid)
        {
            break;
        }
        assert!(
            killed_at.elapsed() < limit,
            "no survivor took the lease within {limit:?}"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert!(killed_at.elapsed() <= limit);
    drop(servers);
}
