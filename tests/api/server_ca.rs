//! The client's TLS roots and what it says when a connection fails: a server whose certificate
//! comes from a root the OS does not carry is refused as untrusted until `--server-ca` adds that
//! root; a certificate for another name is said to be one; a refused connection too. The
//! server is `openssl s_server` with certificates minted under the demo root.

use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use kezek::client::{Client, ClientError, ConnectionProblem};

use crate::openssl::{self, Minted, demo_root, issue};

const TLS_LEAF: &str = "keyUsage = critical, digitalSignature, keyEncipherment\n\
    extendedKeyUsage = serverAuth\n";

/// `openssl s_server` on a free port of 127.0.0.1 with `leaf`; killed when dropped.
struct TlsServer {
    child: Child,
    url: String,
}

impl TlsServer {
    fn start(leaf: &Minted) -> TlsServer {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new("openssl")
            .args(["s_server", "-quiet", "-www", "-accept"])
            .arg(port.to_string())
            .arg("-cert")
            .arg(&leaf.cert)
            .arg("-key")
            .arg(&leaf.key)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let start = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "s_server did not start"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        TlsServer {
            child,
            url: format!("https://127.0.0.1:{port}"),
        }
    }
}

impl Drop for TlsServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn problem(result: Result<impl std::fmt::Debug, ClientError>) -> Option<ConnectionProblem> {
    match result {
        Err(ClientError::Connection { problem, .. }) => Some(problem),
        _ => None,
    }
}

fn mint(dir: &Path, name: &str, san: &str) -> Minted {
    issue(
        dir,
        &demo_root(),
        name,
        "/CN=kezek test server",
        &format!("{TLS_LEAF}subjectAltName = {san}\n"),
    )
}

#[tokio::test]
async fn a_root_missing_from_the_os_store_is_added_with_server_ca() {
    if !openssl::available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let server = TlsServer::start(&mint(dir.path(), "right", "IP:127.0.0.1"));
    let root = demo_root().cert;

    let plain = Client::new(&server.url).unwrap();
    assert_eq!(
        problem(plain.regions().await),
        Some(ConnectionProblem::Untrusted)
    );
    let message = plain.regions().await.unwrap_err().translated();
    assert!(!message.contains("error sending request"), "{message}");

    // With the root the handshake succeeds: s_server then answers HTML, not the API.
    let trusting = Client::with_server_ca(&server.url, std::slice::from_ref(&root)).unwrap();
    let answer = trusting.regions().await;
    assert!(matches!(answer, Err(ClientError::Decode(_))), "{answer:?}");
}

#[tokio::test]
async fn a_certificate_for_another_name_and_a_refused_connection_are_told_apart() {
    if !openssl::available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let server = TlsServer::start(&mint(dir.path(), "wrong", "DNS:kezek.example.kz"));
    let trusting = Client::with_server_ca(&server.url, &[demo_root().cert]).unwrap();
    assert_eq!(
        problem(trusting.regions().await),
        Some(ConnectionProblem::WrongName)
    );
    let url = server.url.clone();
    drop(server);
    let refused = Client::new(&url).unwrap();
    assert_eq!(
        problem(refused.regions().await),
        Some(ConnectionProblem::Refused)
    );
}

#[tokio::test]
async fn a_server_ca_file_that_is_not_a_certificate_is_refused_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let junk = dir.path().join("junk.pem");
    std::fs::write(
        &junk,
        "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n",
    )
    .unwrap();
    let missing = dir.path().join("missing.pem");
    for path in [junk, missing] {
        let refused = Client::with_server_ca("https://127.0.0.1:1", std::slice::from_ref(&path));
        match refused {
            Err(ClientError::ServerCa { path: named, .. }) => {
                assert_eq!(named, path.display().to_string());
            }
            other => panic!("{other:?}"),
        }
    }
}
