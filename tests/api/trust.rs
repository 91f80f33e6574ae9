//! Revocation and certificate paths against the running server: CRLs reloaded on demand, on
//! the schedule and on SIGHUP; a key revoked after login ends its session at the next signed
//! action (SIGN key) or the next request (AUTH key); a CRL past its nextUpdate refuses with
//! `crl_stale` unless configured to soft-fail; a leaf among the roots cannot vouch for what it
//! signed. CRLs and certificates are minted with openssl under the demo CAs.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use kezek::api::problem::ProblemCode;
use kezek::client::{Client, ClientError};
use kezek::pki::xmldsig;
use kezek::server::config::{Config, demo_keystores};
use tempfile::TempDir;

use crate::common::{AIGERIM, DAUREN, World, application, code, sign, world_with};
use crate::openssl::{self, AUTH_LEAF, demo_intermediate, issue};

const ALIKHAN: &str = "210910511871";
const FAR_FUTURE: &str = "20401231235959Z";

/// A world whose server reads the intermediate's CRL from a file of the test's own (at first a
/// copy of the demo list), configured further by `configure`.
async fn world_with_crl_file(configure: impl FnOnce(&mut Config)) -> (World, TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let crl = dir.path().join("nca_rsa.crl");
    std::fs::copy(demo_keystores().join("ca/nca_rsa.crl"), &crl).unwrap();
    let file = crl.clone();
    let world = world_with(move |config| {
        config.trust.crls[0] = file;
        configure(config);
    })
    .await;
    (world, dir, crl)
}

/// Writes a new CRL of the demo intermediate revoking `certificates` now.
fn revoke(crl: &Path, certificates: &[&Path]) {
    openssl::crl(crl, &demo_intermediate(), certificates, None, FAR_FUTURE);
}

#[tokio::test]
async fn a_sign_key_revoked_after_login_is_refused_and_ends_the_session() {
    if !openssl::available() {
        return;
    }
    let (world, _dir, crl) = world_with_crl_file(|_| {}).await;
    let dauren = world.login(DAUREN).await;
    let aigerim = world.login(AIGERIM).await;
    world.submit(&dauren, &application(DAUREN, ALIKHAN)).await;
    let before = world.rows(&["applications", "events"]).await;

    revoke(&crl, &[&world.certificate_pem(DAUREN, "SIGN", "valid")]);
    assert!(world.reload_crls().await.is_empty());

    // The same child again: refused for the key before anything else is looked at.
    let again = application(DAUREN, ALIKHAN);
    let xml = sign(
        &world.keystore(DAUREN, "SIGN", "valid"),
        &crate::common::xml_of(&again),
    );
    let refused = dauren
        .submit_application(&again.envelope.request_id, &xml)
        .await;
    assert_eq!(code(refused), ProblemCode::CertificateRevoked);
    assert_eq!(code(dauren.profile().await), ProblemCode::LoginRequired);
    assert_eq!(world.rows(&["applications", "events"]).await, before);
    // Nobody else's session is touched.
    aigerim.profile().await.unwrap();
}

#[tokio::test]
async fn an_auth_key_revoked_after_login_ends_the_session_at_the_next_request() {
    if !openssl::available() {
        return;
    }
    let (world, _dir, crl) = world_with_crl_file(|_| {}).await;
    let dauren = world.login(DAUREN).await;
    dauren.profile().await.unwrap();
    revoke(&crl, &[&world.certificate_pem(DAUREN, "AUTH", "valid")]);
    // Read but not yet in use: the session goes on.
    dauren.profile().await.unwrap();
    world.reload_crls().await;
    assert_eq!(
        code(dauren.profile().await),
        ProblemCode::CertificateRevoked
    );
    assert_eq!(code(dauren.profile().await), ProblemCode::LoginRequired);
    // Nor can the revoked key log in again.
    assert_eq!(
        code(
            world
                .login_with(&world.keystore(DAUREN, "AUTH", "valid"))
                .await
        ),
        ProblemCode::CertificateRevoked
    );
}

/// Polls `client`'s profile until it is refused with `expected`, for at most 20 s.
async fn until_refused(client: &Client, expected: ProblemCode) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        match client.profile().await {
            Err(ClientError::Problem(problem)) if problem.code == expected => return,
            Ok(_) if Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(200)).await
            }
            other => panic!("expected {expected:?}, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn the_schedule_reloads_the_crls() {
    if !openssl::available() {
        return;
    }
    let (world, _dir, crl) =
        world_with_crl_file(|config| config.trust.crl_reload_seconds = 1).await;
    let dauren = world.login(DAUREN).await;
    revoke(&crl, &[&world.certificate_pem(DAUREN, "AUTH", "valid")]);
    until_refused(&dauren, ProblemCode::CertificateRevoked).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sighup_makes_kezek_serve_reload_the_crls() {
    if !openssl::available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let ca = std::path::absolute(demo_keystores()).unwrap().join("ca");
    let crl = dir.path().join("nca_rsa.crl");
    std::fs::copy(ca.join("nca_rsa.crl"), &crl).unwrap();
    let config = dir.path().join("kezek.toml");
    // No schedule: only the signal can make the server read the file again.
    std::fs::write(
        &config,
        format!(
            "[trust]\nroots = [{:?}, {:?}]\ncrls = [{:?}]\ncrl_reload_seconds = 0\n",
            ca.join("root.pem"),
            ca.join("nca_rsa.pem"),
            crl
        ),
    )
    .unwrap();
    let db = dir.path().join("kezek.db").display().to_string();
    let (mut server, url) = crate::crash::start(&db, &config.display().to_string());
    let world = World::at(&url);
    let dauren = world.login(DAUREN).await;
    revoke(&crl, &[&world.certificate_pem(DAUREN, "AUTH", "valid")]);
    tokio::time::sleep(Duration::from_millis(300)).await;
    dauren.profile().await.unwrap();
    // The shell's own kill: no procps needed.
    let hangup = std::process::Command::new("sh")
        .args(["-c", &format!("kill -HUP {}", server.id())])
        .status()
        .unwrap();
    assert!(hangup.success());
    until_refused(&dauren, ProblemCode::CertificateRevoked).await;
    server.kill().unwrap();
    server.wait().unwrap();
}

#[tokio::test]
async fn a_stale_crl_refuses_with_crl_stale_unless_configured_to_soft_fail() {
    if !openssl::available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let stale = dir.path().join("stale.crl");
    openssl::crl(
        &stale,
        &demo_intermediate(),
        &[],
        Some("20250101000000Z"),
        "20250201000000Z",
    );
    let file = stale.clone();
    let strict = world_with(move |config| config.trust.crls[0] = file).await;
    let keystore = strict.keystore(AIGERIM, "AUTH", "valid");
    let refused = strict.login_with(&keystore).await;
    let Err(ClientError::Problem(problem)) = refused else {
        panic!("expected crl_stale, got {refused:?}");
    };
    assert_eq!(problem.code, ProblemCode::CrlStale);
    assert_eq!(problem.status, 503);

    let soft = world_with(move |config| {
        config.trust.crls[0] = stale;
        config.trust.soft_fail_stale_crl = true;
    })
    .await;
    soft.login(AIGERIM).await.profile().await.unwrap();
}

/// Someone's key is listed among the roots by mistake; a certificate it signed, with a real
/// person's IIN, must not log in.
#[tokio::test]
async fn a_leaf_among_the_roots_cannot_vouch_for_a_certificate_it_signed() {
    if !openssl::available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let leaf = issue(
        dir.path(),
        &demo_intermediate(),
        "leaf",
        "/CN=LEAF/serialNumber=IIN881102335170/C=KZ",
        AUTH_LEAF,
    );
    let child = issue(
        dir.path(),
        &leaf,
        "child",
        "/CN=ЖҰМАБАЕВ ДӘУРЕН/SN=ЖҰМАБАЕВ/serialNumber=IIN920721328903/C=KZ",
        AUTH_LEAF,
    );
    let root = leaf.cert.clone();
    let world = world_with(move |config| config.trust.roots.push(root)).await;
    let mut client = world.client();
    let challenge = client.challenge().await.unwrap();
    let xml = xmldsig::sign(&challenge.xml, &child.private_key(), &child.certificate()).unwrap();
    let refused = client.login(&xml).await;
    let Err(ClientError::Problem(problem)) = refused else {
        panic!("expected certificate_path_invalid, got {refused:?}");
    };
    assert_eq!(problem.code, ProblemCode::CertificatePathInvalid);
    assert_eq!(problem.params["fault"], "not_ca");
}
