//! The server's configuration file (TOML): where to listen, the database, trust roots and CRLs,
//! role assignments, per-region rule settings and limits. Roles come only from here, never from
//! the client.
//!
//! ```toml
//! listen = "127.0.0.1:8080"
//! database = "kezek.db"
//! [trust]
//! roots = ["ca/root.pem", "ca/nca_rsa.pem"]
//! crls = ["ca/nca_rsa.crl", "ca/root.crl"]
//! crl_reload_seconds = 3600 # the CRLs are read again this often, and on SIGHUP
//! soft_fail_stale_crl = false # true: a CRL past nextUpdate warns instead of refusing
//! [[roles]]
//! bin = "030840071002"      # everyone whose certificate names this organisation…
//! role = "officer"          # …is an officer…
//! region = "astana"         # …of this region
//! [[roles]]
//! bin = "160440090000"      # operators need their organisation's key…
//! iin = "850211417430"      # …and this narrows the role to one of its employees
//! role = "operator"
//! [regions.almaty]
//! age_limit_years = 6
//! [limits]
//! login_attempts_per_minute = 20   # per client address
//! person_reads_per_minute = 600    # per logged-in person; 0 switches a limit off
//! person_writes_per_minute = 60
//! public_requests_per_minute = 120 # /public/… per client address
//! header_read_timeout_seconds = 10
//! request_timeout_seconds = 120
//! max_connections = 512
//! pending_attachments = 20
//! pending_attachment_bytes = 104857600
//! unreferenced_attachment_hours = 24
//! places_groups_per_document = 300 # groups one signed <places> document may publish in
//! [limits.xml]              # the shape of signed documents (pki::xml_limits)
//! max_nodes = 4096
//! [signatures]
//! allow_sha1_signatures = false
//! [proxies]
//! trusted = ["10.0.0.0/8"]         # TLS proxies whose forwarding header names the client
//! header = "x-forwarded-for"       # or "forwarded" (RFC 7239)
//! [desk]                           # the ЦОН desk
//! code_minutes = 5                 # a one-time code may be typed this long
//! consent_minutes = 30             # the citizen's consent lasts this long
//! wrong_codes = 5                  # this many wrong codes end the service session
//! request_number_format = "ЦОН-##########" # «Номер ЦОН»: # a digit, * a letter or digit
//! [notifications]                  # the outbox's delivery (docs/design-notices.md)
//! smtp = "smtp://user:password@mail.example.kz:587?tls=required" # smtps:// for TLS
//! from = "Kezek <noreply@example.kz>"
//! reply_to = "help@example.kz"
//! sms_url = "https://sms.example.kz/send" # absent: SMS are written to the log only
//! sms_token = "…"                  # sent as `Authorization: Bearer …`
//! max_attempts = 8                 # then the message is dead, and officers see it
//! ```
//! Relative paths are relative to the configuration file.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::num::{NonZeroU32, NonZeroU64, NonZeroUsize};
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::api::auth::{RoleGrant, RoleKind};
use crate::domain::desk::{DeskRules, RequestNumberFormat};
use crate::domain::{Iin, RegionSettings};
use crate::pki::xml_limits::XmlLimits;
use crate::server::proxies::{Cidr, ForwardedHeader};

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {reason}")]
    Read { path: String, reason: String },
    #[error("{path} is not a valid configuration: {reason}")]
    Parse { path: String, reason: String },
    #[error(
        "a role assignment names neither an IIN nor a BIN, an officer has no region, or an \
         operator's or officer's role names no organisation BIN"
    )]
    Role,
    #[error("only a demo server's clock may run ahead (clock_ahead_days needs demo)")]
    ClockAhead,
}

impl ConfigError {
    pub fn translated(&self) -> String {
        match self {
            ConfigError::Read { path, reason } => {
                rust_i18n::t!("server.config.read", path = path, reason = reason).into_owned()
            }
            ConfigError::Parse { path, reason } => {
                rust_i18n::t!("server.config.parse", path = path, reason = reason).into_owned()
            }
            ConfigError::Role => rust_i18n::t!("server.config.role").into_owned(),
            ConfigError::ClockAhead => rust_i18n::t!("server.config.clock_ahead").into_owned(),
        }
    }
}

/// Certification authorities the server trusts, and their revocation lists (PEM or DER).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TrustConfig {
    pub roots: Vec<PathBuf>,
    pub crls: Vec<PathBuf>,
    // --- revocation lists kept fresh (issue 11; docs/design-api.md «Threats and limits») ---
    /// How often the CRL files are read again, in seconds (`kezek serve` also rereads them on
    /// SIGHUP; 0: only then). A file that fails to load keeps the list it gave before.
    /// Default 3600.
    pub crl_reload_seconds: u64,
    /// Accept a certificate whose issuer's CRL is past its nextUpdate, with a warning in the
    /// log, instead of refusing it (`crl_stale`). Default false.
    pub soft_fail_stale_crl: bool,
}

impl Default for TrustConfig {
    fn default() -> Self {
        TrustConfig {
            roots: Vec::new(),
            crls: Vec::new(),
            crl_reload_seconds: 3600,
            soft_fail_stale_crl: false,
        }
    }
}

/// One role assignment: a person (IIN), everyone of an organisation (the BIN in their
/// certificate), or one person of an organisation (both). Operators and officers act for their
/// organisation, so their roles must name its BIN: the role then comes only with a certificate
/// of that organisation (an employee key), never with the person's own key (issue 11).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoleAssignment {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iin: Option<Iin>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bin: Option<String>,
    pub role: RoleKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
}

/// `[signatures]`: how signed documents are checked (docs/design-xmldsig.md, «SHA-1»;
/// docs/design-api.md, «Hostile XML»).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SignatureConfig {
    /// Accept `rsa-sha1` signatures and `sha1` digests, for old evidence only.
    pub allow_sha1_signatures: bool,
    /// Signature checks running at once, on blocking threads; 0: one per core.
    pub checks_at_once: usize,
    /// How long a request waits for a free check before it is answered `server_busy` (503).
    pub queue_wait_ms: u64,
}

impl Default for SignatureConfig {
    fn default() -> Self {
        SignatureConfig {
            allow_sha1_signatures: false,
            checks_at_once: 0,
            queue_wait_ms: 2000,
        }
    }
}

/// Reverse proxies (TLS terminators, load balancers) the server trusts to say who the client
/// is (issue 11). Without any, the client is the TCP peer and forwarding headers are ignored;
/// from a peer in `trusted`, the client is the right-most address of `header` that is not in
/// `trusted` (`server::proxies`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ProxyConfig {
    /// Addresses or blocks, e.g. `["10.0.0.0/8", "2001:db8::1"]`. Default none.
    pub trusted: Vec<Cidr>,
    /// `x-forwarded-for` (default) or `forwarded` (RFC 7239): the one the proxies write.
    pub header: ForwardedHeader,
}

/// Limits that protect the server.
///
/// Slow clients and storage (`docs/design-api.md`, «Threats and limits»; zero is refused when
/// the file is read):
/// - `header_read_timeout_seconds`: how long a client has to send a request's headers, and
///   so how long an idle keep-alive connection stays open; then the connection is closed.
/// - `request_timeout_seconds`: how long a whole request may take from its headers to the
///   answer, its body included (a 10 MiB scan on a slow line); then `request_timeout` (408).
/// - `max_connections`: connections served at once; one more is answered `server_busy` (503)
///   and closed.
/// - `pending_attachments`, `pending_attachment_bytes`: how many scans, and how many bytes of
///   them, one person may have uploaded that no application references yet; one more is
///   `attachment_quota` (422). The bytes must leave room for one 10 MiB scan.
/// - `unreferenced_attachment_hours`: a scan no application references is deleted this long
///   after its upload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Limits {
    /// Largest JSON body (a signed application with its certificate fits in far less).
    pub max_body_bytes: usize,
    /// Login attempts (challenge + login) per client address per minute.
    pub login_attempts_per_minute: u32,
    pub session_minutes: i64,
    pub nonce_seconds: i64,
    /// How far the time of signing may lie from the server's clock.
    pub signing_skew_minutes: i64,
    /// `[limits.xml]`: the shape of a signed document, checked before it is parsed.
    pub xml: XmlLimits,
    // --- rate limits by person and by address (issue 11; docs/design-api.md «Threats and
    // limits»). Each is N a minute, in a burst or spread out; 0 switches the limit off. ---
    /// Requests that read (GET) per logged-in person (IIN). Default 600.
    pub person_reads_per_minute: u32,
    /// Requests that change something (signed actions, uploads, contacts) per logged-in
    /// person. Default 60.
    pub person_writes_per_minute: u32,
    /// Public queue searches and statistics (`/public/…`) per client address. Default 120.
    pub public_requests_per_minute: u32,
    // --- slow clients and storage abuse (issue 11), described above ---
    pub header_read_timeout_seconds: NonZeroU64,
    pub request_timeout_seconds: NonZeroU64,
    pub max_connections: NonZeroUsize,
    pub pending_attachments: NonZeroU32,
    pub pending_attachment_bytes: NonZeroU64,
    pub unreferenced_attachment_hours: NonZeroU32,
    // --- allocation at scale (issue 13) ---
    /// Groups one signed `<places>` document may publish places in. Default 300; each group
    /// is about eight XML nodes, so `[limits.xml] max_nodes` bounds it too.
    pub places_groups_per_document: NonZeroU32,
}

impl Limits {
    pub fn header_read_timeout(&self) -> Duration {
        Duration::from_secs(self.header_read_timeout_seconds.get())
    }

    pub fn request_timeout(&self) -> Duration {
        Duration::from_secs(self.request_timeout_seconds.get())
    }

    /// How long a scan no application references is kept after its upload.
    pub fn unreferenced_attachment_age(&self) -> chrono::Duration {
        chrono::Duration::hours(i64::from(self.unreferenced_attachment_hours.get()))
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_body_bytes: 1024 * 1024,
            login_attempts_per_minute: 30,
            session_minutes: 12 * 60,
            nonce_seconds: 300,
            signing_skew_minutes: 10,
            xml: XmlLimits::default(),
            person_reads_per_minute: 600,
            person_writes_per_minute: 60,
            public_requests_per_minute: 120,
            header_read_timeout_seconds: NonZeroU64::new(10).expect("not zero"),
            request_timeout_seconds: NonZeroU64::new(120).expect("not zero"),
            max_connections: NonZeroUsize::new(512).expect("not zero"),
            pending_attachments: NonZeroU32::new(20).expect("not zero"),
            pending_attachment_bytes: NonZeroU64::new(100 * 1024 * 1024).expect("not zero"),
            unreferenced_attachment_hours: NonZeroU32::new(24).expect("not zero"),
            places_groups_per_document: NonZeroU32::new(300).expect("not zero"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub listen: SocketAddr,
    /// A SQLite file path or `sqlite://` URL.
    pub database: String,
    pub trust: TrustConfig,
    pub roles: Vec<RoleAssignment>,
    /// Settings of the rules per region code; regions not named use the defaults.
    pub regions: BTreeMap<String, RegionSettings>,
    pub limits: Limits,
    pub signatures: SignatureConfig,
    /// Reverse proxies in front of the server, whose forwarding header names the client.
    pub proxies: ProxyConfig,
    /// Seed the demo catalogue, registry and roles, and this many synthetic applications, once.
    pub demo: Option<u32>,
    /// `[desk]`: the ЦОН desk's service sessions and request numbers (issue 12).
    pub desk: DeskConfig,
    // --- issue 14 (notices): delivery of the outbox ---
    /// `[notifications]`: where e-mail and SMS go, retries.
    pub notifications: NotificationConfig,
    // --- issue 15: time-driven work across processes ---
    /// A demo server's clock runs this many days ahead of real time (deadlines, the scheduler,
    /// the leases, the time a signature may carry), so offers and directions can be seen to
    /// lapse; the three-server test restarts its servers with it. Refused without `demo`.
    /// Default 0.
    pub clock_ahead_days: u32,
    // --- issue 15: documents rendered on demand ---
    /// `[documents]`: the cache of rendered documents.
    pub documents: DocumentsConfig,
}

// --- the ЦОН desk (issue 12; docs/domain-rules.md «The ЦОН desk») ---

/// `[desk]`: how long a one-time code and a citizen's consent last, how many wrong codes end a
/// service session, and the format of the «Номер ЦОН» request number (`#` a digit, `*` a letter
/// or digit, anything else itself).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DeskConfig {
    pub code_minutes: NonZeroU32,
    pub consent_minutes: NonZeroU32,
    pub wrong_codes: NonZeroU32,
    pub request_number_format: String,
}

impl Default for DeskConfig {
    fn default() -> Self {
        let rules = DeskRules::default();
        let positive = |n: i64| NonZeroU32::new(u32::try_from(n).unwrap_or(1)).expect("not zero");
        DeskConfig {
            code_minutes: positive(rules.code_minutes),
            consent_minutes: positive(rules.consent_minutes),
            wrong_codes: NonZeroU32::new(rules.wrong_codes).expect("not zero"),
            request_number_format: RequestNumberFormat::default().template().to_owned(),
        }
    }
}

impl DeskConfig {
    pub fn rules(&self) -> DeskRules {
        DeskRules {
            code_minutes: i64::from(self.code_minutes.get()),
            consent_minutes: i64::from(self.consent_minutes.get()),
            wrong_codes: self.wrong_codes.get(),
        }
    }

    pub fn request_number_format(&self) -> RequestNumberFormat {
        RequestNumberFormat::new(self.request_number_format.clone())
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            database: "kezek.db".to_owned(),
            trust: TrustConfig::default(),
            roles: Vec::new(),
            regions: BTreeMap::new(),
            limits: Limits::default(),
            signatures: SignatureConfig::default(),
            proxies: ProxyConfig::default(),
            demo: None,
            desk: DeskConfig::default(),
            notifications: NotificationConfig::default(),
            clock_ahead_days: 0,
            documents: DocumentsConfig::default(),
        }
    }
}

impl Config {
    /// Reads a configuration file; relative paths in it become relative to its folder.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        Config::load_over(path, &Config::default())
    }

    /// Reads a configuration file as changes to `base`: what the file says replaces what
    /// `base` has, tables merged key by key (`kezek serve --demo --config F` lays F over the
    /// demo set-up, e.g. to switch a rate limit off for a load test).
    pub fn load_over(path: &Path, base: &Config) -> Result<Config, ConfigError> {
        let parse = |reason: String| ConfigError::Parse {
            path: path.display().to_string(),
            reason,
        };
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError::Read {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
        // The file alone first: its mistakes are reported with their line.
        toml::from_str::<Config>(&text).map_err(|e| parse(e.to_string()))?;
        let changes: toml::Table = toml::from_str(&text).map_err(|e| parse(e.to_string()))?;
        let mut merged = toml::Table::try_from(base).map_err(|e| parse(e.to_string()))?;
        merge(&mut merged, changes);
        let mut config: Config = merged.try_into().map_err(|e| parse(e.to_string()))?;
        let base = path.parent().unwrap_or(Path::new("."));
        for file in config
            .trust
            .roots
            .iter_mut()
            .chain(config.trust.crls.iter_mut())
        {
            if file.is_relative() {
                *file = base.join(&*file);
            }
        }
        config.check()?;
        Ok(config)
    }

    fn check(&self) -> Result<(), ConfigError> {
        let bad = self.roles.iter().any(|r| {
            (r.iin.is_none() && r.bin.is_none())
                || (r.role == RoleKind::Officer && r.region.is_none())
                || (matches!(r.role, RoleKind::Operator | RoleKind::Officer) && r.bin.is_none())
        });
        if bad {
            return Err(ConfigError::Role);
        }
        if self.clock_ahead_days > 0 && self.demo.is_none() {
            return Err(ConfigError::ClockAhead);
        }
        Ok(())
    }

    /// The demo set-up: trust the demo CA of `keystores` (a `keystores-example` folder), the demo
    /// operator's and officer's organisations as in its `people.json`, demo data seeded.
    pub fn demo(keystores: &Path, applications: u32) -> Config {
        // Absolute, so that a configuration file laid over it (`load_over`) leaves them be.
        let ca = std::path::absolute(keystores).unwrap_or_else(|_| keystores.to_owned());
        let ca = ca.join("ca");
        Config {
            trust: TrustConfig {
                roots: vec![ca.join("root.pem"), ca.join("nca_rsa.pem")],
                crls: vec![ca.join("nca_rsa.crl"), ca.join("root.crl")],
                ..TrustConfig::default()
            },
            roles: vec![
                RoleAssignment {
                    iin: None,
                    bin: Some("160440090000".to_owned()),
                    role: RoleKind::Operator,
                    region: None,
                },
                RoleAssignment {
                    iin: None,
                    bin: Some("030840071002".to_owned()),
                    role: RoleKind::Officer,
                    region: Some("astana".to_owned()),
                },
            ],
            demo: Some(applications),
            ..Config::default()
        }
    }

    /// The roles of a person whose certificate names `iin` and, for an employee, `bin`: every
    /// assignment whose IIN and BIN, as far as it names them, are the certificate's.
    pub fn roles_of(&self, iin: &Iin, bin: Option<&str>) -> Vec<RoleGrant> {
        self.roles
            .iter()
            .filter(|r| {
                r.iin.as_ref().is_none_or(|wanted| wanted == iin)
                    && r.bin.as_deref().is_none_or(|wanted| Some(wanted) == bin)
            })
            .map(|r| RoleGrant {
                role: r.role,
                region: r.region.clone(),
            })
            .collect()
    }

    /// The rule settings of a region.
    pub fn region_settings(&self, region: &str) -> RegionSettings {
        self.regions.get(region).cloned().unwrap_or_default()
    }
}

// --- issue 14 (notices): delivery of the outbox (docs/design-notices.md) ---

/// `[notifications]`: the delivery worker's channels and retries. Without `smtp` nothing goes by
/// e-mail (messages with only an e-mail stay queued); without `sms_url` SMS go to the log only,
/// as the demo wants.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NotificationConfig {
    /// `smtp://host:port` (plain), `smtp://host:port?tls=required` (STARTTLS), `smtps://host`
    /// (TLS), with `user:password@` for authentication.
    pub smtp: Option<String>,
    /// The `From` of every e-mail.
    pub from: String,
    /// Where replies go, if anywhere.
    pub reply_to: Option<String>,
    /// The HTTP JSON SMS provider: a POST of `sms_body` to this URL.
    pub sms_url: Option<String>,
    /// Sent as `Authorization: Bearer <token>` when given.
    pub sms_token: Option<String>,
    /// The JSON body, with `{to}`, `{text}` and `{key}` replaced by the number (+7…), the text
    /// and the message's idempotency key, each as a JSON string.
    pub sms_body: String,
    /// Failed attempts after which a message is dead.
    pub max_attempts: NonZeroU32,
    /// The first retry waits this long; each next one twice as long, up to `retry_max_seconds`,
    /// with up to a quarter of it added at random (jitter).
    pub retry_base_seconds: NonZeroU64,
    pub retry_max_seconds: NonZeroU64,
    /// How often the worker looks for due messages, in milliseconds.
    pub poll_ms: NonZeroU64,
    /// Messages taken per round.
    pub batch: NonZeroU32,
    /// How long the worker's lease lasts; it is renewed every round, so another server's worker
    /// takes over this long after this one stops.
    pub lease_seconds: NonZeroU64,
    /// How long one send may take before it counts as failed.
    pub send_timeout_seconds: NonZeroU64,
}

/// Without the secrets: the SMTP and provider addresses as `scheme://host:port` (no user,
/// password, path or query, where a key may hide), the token as `***`. A configuration is
/// logged and printed in errors; its secrets never are.
impl std::fmt::Debug for NotificationConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use crate::server::delivery::smtp::redacted;
        let NotificationConfig {
            smtp,
            from,
            reply_to,
            sms_url,
            sms_token,
            sms_body,
            max_attempts,
            retry_base_seconds,
            retry_max_seconds,
            poll_ms,
            batch,
            lease_seconds,
            send_timeout_seconds,
        } = self;
        f.debug_struct("NotificationConfig")
            .field("smtp", &smtp.as_deref().map(redacted))
            .field("from", from)
            .field("reply_to", reply_to)
            .field("sms_url", &sms_url.as_deref().map(redacted))
            .field("sms_token", &sms_token.as_ref().map(|_| "***"))
            .field("sms_body", sms_body)
            .field("max_attempts", max_attempts)
            .field("retry_base_seconds", retry_base_seconds)
            .field("retry_max_seconds", retry_max_seconds)
            .field("poll_ms", poll_ms)
            .field("batch", batch)
            .field("lease_seconds", lease_seconds)
            .field("send_timeout_seconds", send_timeout_seconds)
            .finish()
    }
}

impl Default for NotificationConfig {
    fn default() -> Self {
        NotificationConfig {
            smtp: None,
            from: "Kezek <noreply@kezek.invalid>".to_owned(),
            reply_to: None,
            sms_url: None,
            sms_token: None,
            sms_body: r#"{"to": {to}, "text": {text}, "key": {key}}"#.to_owned(),
            max_attempts: NonZeroU32::new(8).expect("not zero"),
            retry_base_seconds: NonZeroU64::new(30).expect("not zero"),
            retry_max_seconds: NonZeroU64::new(3600).expect("not zero"),
            poll_ms: NonZeroU64::new(2000).expect("not zero"),
            batch: NonZeroU32::new(50).expect("not zero"),
            lease_seconds: NonZeroU64::new(30).expect("not zero"),
            send_timeout_seconds: NonZeroU64::new(30).expect("not zero"),
        }
    }
}

/// Lays `changes` over `base`: tables key by key, anything else replaced.
fn merge(base: &mut toml::Table, changes: toml::Table) {
    for (key, change) in changes {
        match (base.get_mut(&key), change) {
            (Some(toml::Value::Table(inner)), toml::Value::Table(change)) => merge(inner, change),
            (_, change) => {
                base.insert(key, change);
            }
        }
    }
}

/// The demo keystores folder: `KEZEK_KEYSTORES`, else `./keystores-example`, else the one of
/// the source tree the binary was built from.
pub fn demo_keystores() -> PathBuf {
    if let Some(dir) = std::env::var_os("KEZEK_KEYSTORES") {
        return PathBuf::from(dir);
    }
    let local = PathBuf::from("keystores-example");
    if local.join("index.json").is_file() {
        return local;
    }
    Path::new(env!("CARGO_MANIFEST_DIR")).join("keystores-example")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_come_from_iin_or_organisation_bin() {
        let text = r#"
            [[roles]]
            bin = "030840071002"
            role = "officer"
            region = "astana"
            [[roles]]
            iin = "850211417430"
            bin = "160440090000"
            role = "operator"
            [[roles]]
            iin = "900514440216"
            role = "admin"
            [regions.almaty]
            age_limit_years = 6
        "#;
        let config: Config = toml::from_str(text).unwrap();
        config.check().unwrap();
        let officer = Iin::parse("830930352646").unwrap();
        let grants = config.roles_of(&officer, Some("030840071002"));
        assert_eq!(grants.len(), 1);
        assert_eq!(grants[0].role, RoleKind::Officer);
        assert_eq!(grants[0].region.as_deref(), Some("astana"));
        // The officer's personal key (no BIN) grants nothing.
        assert!(config.roles_of(&officer, None).is_empty());
        // Both named: that person, with that organisation's key, and nobody else.
        let operator = Iin::parse("850211417430").unwrap();
        let grants = config.roles_of(&operator, Some("160440090000"));
        assert_eq!(grants[0].role, RoleKind::Operator);
        assert!(config.roles_of(&operator, None).is_empty());
        assert!(config.roles_of(&officer, Some("160440090000")).is_empty());
        // A role by IIN alone comes with any key of the person.
        let admin = Iin::parse("900514440216").unwrap();
        assert_eq!(config.roles_of(&admin, None)[0].role, RoleKind::Admin);
        assert_eq!(config.region_settings("almaty").age_limit_years, 6);
        assert_eq!(config.region_settings("astana").age_limit_years, 7);
    }

    #[test]
    fn a_file_laid_over_the_demo_changes_only_what_it_names() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("loadgen.toml");
        std::fs::write(
            &path,
            "[limits]\nperson_writes_per_minute = 0\n[trust]\ncrls = [\"lists/nca.crl\"]\n",
        )
        .unwrap();
        let demo = Config::demo(Path::new("keystores-example"), 5);
        let config = Config::load_over(&path, &demo).unwrap();
        assert_eq!(config.limits.person_writes_per_minute, 0);
        assert_eq!(config.limits.person_reads_per_minute, 600);
        assert_eq!(config.roles, demo.roles);
        assert_eq!(config.trust.roots, demo.trust.roots);
        assert_eq!(config.trust.crls, vec![dir.path().join("lists/nca.crl")]);
        assert_eq!(config.demo, Some(5));
        // Alone, the file is laid over the defaults.
        let alone = Config::load(&path).unwrap();
        assert!(alone.roles.is_empty());
        assert_eq!(alone.limits.person_writes_per_minute, 0);
    }

    #[test]
    fn slow_client_and_storage_limits_are_read_and_zero_is_refused() {
        let config: Config = toml::from_str(
            "[limits]\nheader_read_timeout_seconds = 3\nmax_connections = 8\n\
             pending_attachments = 2\nunreferenced_attachment_hours = 1",
        )
        .unwrap();
        assert_eq!(config.limits.header_read_timeout(), Duration::from_secs(3));
        assert_eq!(config.limits.max_connections.get(), 8);
        assert_eq!(config.limits.pending_attachments.get(), 2);
        assert_eq!(
            config.limits.unreferenced_attachment_age(),
            chrono::Duration::hours(1)
        );
        assert_eq!(config.limits.request_timeout(), Duration::from_secs(120));
        assert!(toml::from_str::<Config>("[limits]\nrequest_timeout_seconds = 0").is_err());
    }

    #[test]
    fn an_officer_without_region_is_refused() {
        let config: Config = toml::from_str(
            "[[roles]]\niin = \"850211417430\"\nbin = \"030840071002\"\nrole = \"officer\"",
        )
        .unwrap();
        assert!(matches!(config.check(), Err(ConfigError::Role)));
    }

    #[test]
    fn an_operator_or_officer_role_without_an_organisation_is_refused() {
        for role in ["operator", "officer"] {
            let text = format!(
                "[[roles]]\niin = \"850211417430\"\nrole = \"{role}\"\nregion = \"astana\""
            );
            let config: Config = toml::from_str(&text).unwrap();
            assert!(matches!(config.check(), Err(ConfigError::Role)), "{role}");
        }
    }

    #[test]
    fn only_a_demo_servers_clock_may_run_ahead() {
        let ahead: Config = toml::from_str("clock_ahead_days = 30").unwrap();
        assert!(matches!(ahead.check(), Err(ConfigError::ClockAhead)));
        let demo: Config = toml::from_str("demo = 0\nclock_ahead_days = 30").unwrap();
        demo.check().unwrap();
        assert_eq!(demo.clock_ahead_days, 30);
        assert_eq!(Config::default().clock_ahead_days, 0);
        let ahead =
            crate::server::Clock::days_ahead(demo.clock_ahead_days).now() - chrono::Utc::now();
        assert!(ahead >= chrono::Duration::days(30) - chrono::Duration::minutes(1));
        assert!(ahead <= chrono::Duration::days(30) + chrono::Duration::minutes(1));
    }

    #[test]
    fn debug_of_a_config_hides_the_smtp_password_and_the_sms_token() {
        let config: Config = toml::from_str(
            "[notifications]\n\
             smtp = \"smtp://mailer:hunter2-secret@mail.example.kz:587?tls=required\"\n\
             sms_url = \"https://sms.example.kz/send?apikey=query-secret\"\n\
             sms_token = \"token-secret\"",
        )
        .unwrap();
        let printed = format!("{config:?} {config:#?}");
        for secret in ["hunter2-secret", "query-secret", "token-secret", "mailer"] {
            assert!(!printed.contains(secret), "{secret} printed: {printed}");
        }
        // What helps to find a wrong setting stays.
        assert!(printed.contains("smtp://mail.example.kz:587"), "{printed}");
        assert!(printed.contains("https://sms.example.kz"), "{printed}");
        assert!(printed.contains("sms_token: Some(\"***\")"), "{printed}");
        // Unset, the token says so.
        let printed = format!("{:?}", NotificationConfig::default());
        assert!(printed.contains("sms_token: None"), "{printed}");
    }
}

// --- issue 15: documents rendered on demand (docs/design-docs.md «Generated documents») ---

/// `[documents]`: generated documents are rendered again at each download unless the last ones
/// downloaded are still in this server's cache, which holds at most `cache_bytes` of PDFs
/// (0: no cache). The default, 64 MiB, holds about a thousand documents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DocumentsConfig {
    pub cache_bytes: u64,
}

impl Default for DocumentsConfig {
    fn default() -> Self {
        DocumentsConfig {
            cache_bytes: 64 * 1024 * 1024,
        }
    }
}
