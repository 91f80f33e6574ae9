//! Several servers on one PostgreSQL database (issue 15): three `kezek serve` processes under
//! the load generator and the same children filed through all three at once, then a check of
//! the database: distinct numbers, exact queue numbers, one application per child, one intact
//! hash chain per region. Then the time-driven transitions, each done once with three
//! schedulers: places published through all three servers at once are offered (each server
//! allocates what it publishes, the lease holder on its ticks), then the servers restart with
//! their clocks a month ahead (`clock_ahead_days`, a demo server's), so every offer's answer-by
//! has passed: each offer expires once, with one history event and one message, and its place
//! goes to the next child. Then SIGKILL of the server holding the scheduler's lease, and
//! another takes the lease over within the lease's time. Skips without
//! `KEZEK_TEST_POSTGRES_URL` (fails under CI=true).

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
/// operator's and officer's organisations, no per-person write limit (one operator files for
/// everyone), the clock `days_ahead` of real time.
fn config(dir: &std::path::Path, days_ahead: u32) -> String {
    let ca = std::path::absolute(demo_keystores()).unwrap().join("ca");
    let config = dir.join(format!("kezek-{days_ahead}.toml"));
    std::fs::write(
        &config,
        format!(
            "demo = 0\nclock_ahead_days = {days_ahead}\n\
             [trust]\nroots = [{:?}, {:?}]\ncrls = [{:?}]\n\
             [limits]\nperson_writes_per_minute = 0\nperson_reads_per_minute = 0\n\
             login_attempts_per_minute = 0\npublic_requests_per_minute = 0\n\
             [[roles]]\nbin = \"160440090000\"\nrole = \"operator\"\n\
             [[roles]]\nbin = \"030840071002\"\nrole = \"officer\"\nregion = \"astana\"\n",
            ca.join("root.pem"),
            ca.join("nca_rsa.pem"),
            ca.join("nca_rsa.crl")
        ),
    )
    .unwrap();
    config.display().to_string()
}

/// Places each server publishes at once (in one group of a kindergarten of Astana).
const PLACES_PER_SERVER: u32 = 3;
/// How long the offers and their expiry may take to show: generous, the test polls.
const DEADLINE: Duration = Duration::from_secs(60);
/// How far the restarted servers' clocks run ahead: past every answer-by (three working days).
const DAYS_AHEAD: u32 = 30;

/// Runs `sql` (one row, one BIGINT) against the database.
async fn count(url: &str, sql: &str) -> i64 {
    let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
    let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_owned()))
        .fetch_one(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();
    n
}

/// Polls `sql` until it counts at least `wanted`, within [`DEADLINE`].
async fn until_counted(url: &str, sql: &str, wanted: i64) {
    let start = Instant::now();
    loop {
        let n = count(url, sql).await;
        if n >= wanted {
            return;
        }
        assert!(
            start.elapsed() < DEADLINE,
            "{n} < {wanted} after {DEADLINE:?}: {sql}"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// No place is held by more offers than it has places, and no application holds two offers.
async fn no_duplicate_offers(url: &str) {
    let overheld = count(
        url,
        "SELECT COUNT(*) FROM free_places p WHERE p.places <> p.remaining + \
         (SELECT COUNT(*) FROM offers o WHERE o.place_id = p.id \
          AND o.status IN ('awaiting', 'accepted', 'enrolled'))",
    )
    .await;
    assert_eq!(
        overheld, 0,
        "a place's offers and what remains of it disagree"
    );
    let doubled = count(
        url,
        "SELECT COUNT(*) FROM (SELECT application_id FROM offers \
         WHERE status IN ('awaiting', 'accepted') GROUP BY application_id \
         HAVING COUNT(*) > 1) AS d",
    )
    .await;
    assert_eq!(doubled, 0, "an application holds two offers");
    // One «offer made» event per offer row, per application.
    let unmatched = count(
        url,
        "SELECT COUNT(*) FROM (SELECT application_id, COUNT(*) AS n FROM offers \
         GROUP BY application_id) AS o FULL JOIN (SELECT application_id, COUNT(*) AS n \
         FROM events WHERE kind = 'offer_made' GROUP BY application_id) AS e \
         USING (application_id) WHERE o.n IS DISTINCT FROM e.n",
    )
    .await;
    assert_eq!(unmatched, 0, "offers and «offer made» events disagree");
}

/// Places published through every server at once, and each server's allocation with them.
async fn publish_everywhere(urls: &[String]) -> i64 {
    let mut publishers = Vec::new();
    for server_url in urls {
        let server_url = server_url.clone();
        publishers.push(tokio::spawn(async move {
            let w = World::at(&server_url);
            let officer = w.login(OFFICER).await;
            w.publish(
                &officer,
                OFFICER,
                ASTANA_KINDERGARTEN,
                &group_for_2022(),
                PLACES_PER_SERVER,
            )
            .await
            .unwrap();
        }));
    }
    for publisher in publishers {
        publisher.await.unwrap();
    }
    i64::from(PLACES_PER_SERVER) * urls.len() as i64
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
    let config_now = config(dir.path(), 0);
    let servers: Vec<_> = (0..3).map(|_| start(&url, &config_now)).collect();
    let urls: Vec<String> = servers.iter().map(|(_, u)| u.clone()).collect();

    // The load generator, its clients spread over the three servers.
    let mut loadgen = Command::new(env!("CARGO_BIN_EXE_kezek"))
        .args(["--server", &urls[0], "loadgen", "--keystores"])
        .arg(demo_keystores())
        .args(["--clients", "12", "--duration", "4", "--actions", "10"])
        .args(["--also", &urls[1], "--also", &urls[2]])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("kezek loadgen starts");

    // Meanwhile the same children filed through all three servers at once.
    let first = World::at(&urls[0]);
    let operator = first.login(OPERATOR).await;
    // Children the published group takes (born in 2022), more than both rounds of offers
    // need (PLACES_PER_SERVER · 3, twice): the load generator's own children are of any year,
    // and how many of them it files in its seconds is up to the machine.
    let families = first.unqueued(&operator, Some(2022), 20).await;
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
    loadgen.wait().unwrap();
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
        "the load generator filed too"
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

    // Places published through the three servers at once: each place offered once.
    let places = publish_everywhere(&urls).await;
    let awaiting = "SELECT COUNT(*) FROM offers WHERE status = 'awaiting'";
    until_counted(&url, awaiting, places).await;
    no_duplicate_offers(&url).await;
    let offered = count(&url, "SELECT COUNT(*) FROM offers").await;
    assert_eq!(offered, places, "one offer per place so far");

    // The servers again, their clocks a month ahead: every answer-by has passed. Each offer
    // expires once (one event, one message), and its place is offered to the next child.
    drop(servers);
    let config_ahead = config(dir.path(), DAYS_AHEAD);
    let mut servers: Vec<_> = (0..3).map(|_| start(&url, &config_ahead)).collect();
    let expired = "SELECT COUNT(*) FROM offers WHERE status = 'expired'";
    until_counted(&url, expired, places).await;
    until_counted(&url, awaiting, places).await;
    assert_eq!(
        count(&url, expired).await,
        places,
        "only the first offers expired"
    );
    no_duplicate_offers(&url).await;
    let events = count(
        &url,
        "SELECT COUNT(*) FROM events WHERE kind = 'offer_expired'",
    )
    .await;
    assert_eq!(
        events, places,
        "one «offer expired» event per expired offer"
    );
    let twice = count(
        &url,
        "SELECT COUNT(*) FROM (SELECT application_id FROM events WHERE kind = 'offer_expired' \
         GROUP BY application_id HAVING COUNT(*) > 1) AS t",
    )
    .await;
    assert_eq!(twice, 0, "an application's offer expired twice");
    // One message per expiry: written in the expiry's transaction, at its time.
    let told = count(
        &url,
        "SELECT COUNT(*) FROM events e WHERE e.kind = 'offer_expired' AND \
         (SELECT COUNT(*) FROM outbox o WHERE o.application_id = e.application_id \
          AND o.created_us = e.at_us) = 1",
    )
    .await;
    assert_eq!(told, places, "one message per expired offer");

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
