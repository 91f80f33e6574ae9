//! Certificates and revocation lists minted with the `openssl` CLI for the trust tests: leaves
//! and sub-CAs with chosen extensions under the demo CAs of keystores-example (whose keys are
//! committed for this), and CRLs with chosen entries and dates. Shared by tests/pki and
//! tests/api; without openssl the tests skip loudly, under CI=true they fail.
#![allow(dead_code)] // each test binary uses its own part

use std::path::{Path, PathBuf};
use std::process::Command;

use kezek::pki::certificate::Certificate;
use kezek::pki::rsa::PrivateKey;

/// Whether the openssl CLI is here; missing, the caller skips (fails under CI=true).
pub fn available() -> bool {
    let found = Command::new("openssl")
        .arg("version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "openssl is required under CI=true (apt-get install openssl)"
        );
        eprintln!("SKIPPED: `openssl` is not installed; install it to run this trust test");
    }
    found
}

fn run(args: &[&str]) {
    let output = Command::new("openssl").args(args).output().unwrap();
    assert!(
        output.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

fn path_text(path: &Path) -> &str {
    path.to_str().expect("temporary paths are UTF-8")
}

/// A certificate (PEM) and its private key (PKCS#8 PEM).
#[derive(Debug, Clone)]
pub struct Minted {
    pub cert: PathBuf,
    pub key: PathBuf,
}

impl Minted {
    pub fn certificate(&self) -> Certificate {
        Certificate::from_pem(&std::fs::read_to_string(&self.cert).unwrap()).unwrap()
    }

    pub fn private_key(&self) -> PrivateKey {
        let pem = std::fs::read_to_string(&self.key).unwrap();
        let der = kezek::pki::certificate::pem_blocks(&pem, "PRIVATE KEY").unwrap();
        PrivateKey::from_pkcs8_der(zeroize::Zeroizing::new(der[0].clone())).unwrap()
    }
}

fn demo_ca(name: &str) -> Minted {
    let ca = Path::new(env!("CARGO_MANIFEST_DIR")).join("keystores-example/ca");
    Minted {
        cert: ca.join(format!("{name}.pem")),
        key: ca.join(format!("private/{name}.key")),
    }
}

/// The demo root CA (no path length limit).
pub fn demo_root() -> Minted {
    demo_ca("root")
}

/// The demo intermediate CA (pathlen 0), issuer of every demo person's keys.
pub fn demo_intermediate() -> Minted {
    demo_ca("nca_rsa")
}

/// Extensions of an NCA-style SIGN leaf (no basicConstraints, as NCA issues them).
pub const SIGN_LEAF: &str = "keyUsage = critical, digitalSignature, nonRepudiation\n";
/// Extensions of an NCA-style AUTH leaf.
pub const AUTH_LEAF: &str =
    "keyUsage = critical, digitalSignature, keyEncipherment\nextendedKeyUsage = clientAuth\n";
/// A proper sub-CA.
pub const SUB_CA: &str =
    "basicConstraints = critical, CA:TRUE\nkeyUsage = critical, keyCertSign, cRLSign\n";

/// Issues a certificate for `subject` (an openssl `-subj`, e.g. `/CN=X/serialNumber=IIN…`) with
/// `extensions` (lines of an openssl extension section), signed by `issuer`, valid for a month
/// from now, into `dir` under `name`.
pub fn issue(dir: &Path, issuer: &Minted, name: &str, subject: &str, extensions: &str) -> Minted {
    let key = dir.join(format!("{name}.key"));
    let csr = dir.join(format!("{name}.csr"));
    let cert = dir.join(format!("{name}.pem"));
    let ext = dir.join(format!("{name}.ext"));
    std::fs::write(&ext, format!("[ext]\n{extensions}")).unwrap();
    run(&[
        "req",
        "-new",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-utf8",
        "-keyout",
        path_text(&key),
        "-subj",
        subject,
        "-out",
        path_text(&csr),
    ]);
    let serial = format!("0x{:016x}", rand::random::<u64>() | 1 << 62);
    run(&[
        "x509",
        "-req",
        "-in",
        path_text(&csr),
        "-CA",
        path_text(&issuer.cert),
        "-CAkey",
        path_text(&issuer.key),
        "-set_serial",
        &serial,
        "-days",
        "30",
        "-sha256",
        "-extfile",
        path_text(&ext),
        "-extensions",
        "ext",
        "-out",
        path_text(&cert),
    ]);
    Minted { cert, key }
}

/// A CRL of `issuer` (DER, written to `out`) revoking the PEM certificates `revoked` as of now,
/// issued at `last_update` (openssl time `YYYYMMDDHHMMSSZ`, default now) and due again at
/// `next_update`.
pub fn crl(
    out: &Path,
    issuer: &Minted,
    revoked: &[&Path],
    last_update: Option<&str>,
    next_update: &str,
) {
    let work = tempfile::tempdir().unwrap();
    let dir = work.path();
    std::fs::write(dir.join("index.txt"), "").unwrap();
    std::fs::write(dir.join("index.txt.attr"), "unique_subject = no\n").unwrap();
    std::fs::write(dir.join("crlnumber"), "01\n").unwrap();
    let config = dir.join("ca.cnf");
    std::fs::write(
        &config,
        format!(
            "[ca]\ndefault_ca = demo\n[demo]\ndatabase = {}\ncrlnumber = {}\ncertificate = {}\n\
             private_key = {}\ndefault_md = sha256\nunique_subject = no\n",
            dir.join("index.txt").display(),
            dir.join("crlnumber").display(),
            issuer.cert.display(),
            issuer.key.display(),
        ),
    )
    .unwrap();
    for cert in revoked {
        run(&[
            "ca",
            "-config",
            path_text(&config),
            "-revoke",
            path_text(cert),
            "-crl_reason",
            "keyCompromise",
        ]);
    }
    let pem = dir.join("crl.pem");
    let mut args = vec![
        "ca",
        "-config",
        path_text(&config),
        "-gencrl",
        "-crl_nextupdate",
        next_update,
        "-out",
        path_text(&pem),
    ];
    if let Some(last_update) = last_update {
        args.extend(["-crl_lastupdate", last_update]);
    }
    run(&args);
    run(&[
        "crl",
        "-in",
        path_text(&pem),
        "-outform",
        "DER",
        "-out",
        path_text(out),
    ]);
}
