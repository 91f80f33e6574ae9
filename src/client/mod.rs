//! The typed HTTP client of every endpoint (reqwest with rustls on the ring provider).
//!
//! One method per endpoint, taking and returning the wire types of [`crate::api`]. Refusals come
//! back as [`ClientError::Problem`] carrying the server's problem+json, which the caller shows
//! with [`Problem::translated`].

pub mod demo;
pub mod desk;

use reqwest::{Method, RequestBuilder, Response, Url};
use rust_i18n::t;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::api::applications::{
    ApplicationDetail, AttachmentUploaded, CITIZEN_HEADER, DocumentInfo, HistoryEntry,
    IDEMPOTENCY_HEADER, JournalPage, JournalQuery, PositionChange, SubmissionResult,
};
use crate::api::auth::{Challenge, LoginResponse, SignedDocument, TrustAnchors};
use crate::api::catalogue::{BenefitCategoryInfo, Kindergarten, KindergartenQuery, Region};
use crate::api::demo::{UnqueuedPage, UnqueuedQuery};
use crate::api::notices::{DeadQuery, Inbox, InboxQuery, Message};
use crate::api::officer::{
    BenefitReviewsPage, BenefitReviewsQuery, DirectionsPage, DirectionsQuery, FreePlacesInfo,
    FreePlacesQuery, KindergartenChanged, KindergartenInfo, KindergartensQuery, OfferInfo,
    OffersQuery, PublishedPlaces,
};
use crate::api::problem::Problem;
use crate::api::profile::{BindingRequest, BoundChild, Contacts, Person, Profile};
use crate::api::public::{PublicQueueEntry, PublicQueueQuery, PublicStats, PublicStatsQuery};
use crate::api::report::{RegionReport, RejectionReasonInfo, ReportFormat, ReportQuery};
use crate::domain::{ApplicationNumber, Iin};

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("{0}")]
    Problem(Box<Problem>),
    #[error("invalid server address {0}")]
    InvalidUrl(String),
    #[error("cannot reach the server: {0}")]
    Transport(String),
    /// The connection failed for a reason the user can act on (see [`ConnectionProblem`]).
    #[error("cannot reach the server ({problem:?}): {detail}")]
    Connection {
        problem: ConnectionProblem,
        detail: String,
    },
    /// A file of `--server-ca` / `server_ca` could not be used as a trusted root.
    #[error("server CA {path}: {reason}")]
    ServerCa { path: String, reason: String },
    #[error("unexpected answer from the server: {0}")]
    Decode(String),
}

impl ClientError {
    /// The message to show, in the current language.
    pub fn translated(&self) -> String {
        match self {
            ClientError::Problem(problem) => problem.translated(),
            ClientError::InvalidUrl(url) => t!("client.error.invalid_url", url = url).into_owned(),
            ClientError::Transport(reason) => {
                t!("client.error.transport", reason = reason).into_owned()
            }
            ClientError::Decode(reason) => t!("client.error.decode", reason = reason).into_owned(),
            ClientError::Connection { problem, .. } => t!(problem.message_key()).into_owned(),
            ClientError::ServerCa { path, reason } => {
                t!("client.error.server_ca", path = path, reason = reason).into_owned()
            }
        }
    }

    /// Whether the request never reached the server (the status bar says «нет связи»).
    pub fn unreachable(&self) -> bool {
        matches!(
            self,
            ClientError::Transport(_) | ClientError::Connection { .. }
        )
    }

    /// The problem+json the server answered, when it refused.
    pub fn problem(&self) -> Option<&Problem> {
        match self {
            ClientError::Problem(problem) => Some(problem),
            _ => None,
        }
    }
}

/// Why a connection failed, in terms the user can act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnectionProblem {
    /// The server's certificate does not lead to a root this client trusts (a national root
    /// CA missing from the OS store, a self-signed or mis-issued certificate).
    Untrusted,
    /// The server's certificate has expired or is not valid yet.
    Expired,
    /// The certificate was issued for another name than the address used.
    WrongName,
    /// Nothing listens at that address and port.
    Refused,
    /// The server did not answer in time.
    Timeout,
}

impl ConnectionProblem {
    pub fn message_key(self) -> &'static str {
        match self {
            ConnectionProblem::Untrusted => "client.error.untrusted_certificate",
            ConnectionProblem::Expired => "client.error.expired_certificate",
            ConnectionProblem::WrongName => "client.error.wrong_name",
            ConnectionProblem::Refused => "client.error.refused",
            ConnectionProblem::Timeout => "client.error.timeout",
        }
    }

    /// The problem behind a failed request, found in its chain of causes (reqwest wraps hyper,
    /// which wraps the I/O or TLS error).
    fn of(error: &reqwest::Error) -> Option<ConnectionProblem> {
        use rustls::CertificateError as Cert;
        if error.is_timeout() {
            return Some(ConnectionProblem::Timeout);
        }
        let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
        while let Some(cause) = source {
            if let Some(tls) = cause.downcast_ref::<rustls::Error>() {
                return Some(match tls {
                    rustls::Error::InvalidCertificate(
                        Cert::Expired
                        | Cert::ExpiredContext { .. }
                        | Cert::NotValidYet
                        | Cert::NotValidYetContext { .. },
                    ) => ConnectionProblem::Expired,
                    rustls::Error::InvalidCertificate(
                        Cert::NotValidForName | Cert::NotValidForNameContext { .. },
                    ) => ConnectionProblem::WrongName,
                    _ => ConnectionProblem::Untrusted,
                });
            }
            source = match cause.downcast_ref::<std::io::Error>() {
                Some(io) => {
                    match io.kind() {
                        std::io::ErrorKind::ConnectionRefused => {
                            return Some(ConnectionProblem::Refused);
                        }
                        std::io::ErrorKind::TimedOut => return Some(ConnectionProblem::Timeout),
                        _ => {}
                    }
                    // An I/O error's `source()` skips the error it wraps (rustls's, for a
                    // failed handshake, inside another I/O error): go into it instead.
                    io.get_ref()
                        .map(|inner| inner as &(dyn std::error::Error + 'static))
                }
                None => cause.source(),
            };
        }
        None
    }
}

impl From<reqwest::Error> for ClientError {
    fn from(error: reqwest::Error) -> ClientError {
        if error.is_decode() {
            return ClientError::Decode(error.to_string());
        }
        // The log keeps the whole chain (e.g. `CaUsedAsEndEntity`); the screen says what it means.
        let detail = chain(&error);
        match ConnectionProblem::of(&error) {
            Some(problem) => ClientError::Connection { problem, detail },
            None => ClientError::Transport(detail),
        }
    }
}

/// An error and its causes, «a: b: c».
fn chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let more = cause.to_string();
        if !text.contains(&more) {
            text.push_str(": ");
            text.push_str(&more);
        }
        source = cause.source();
    }
    text
}

/// The certificates of a `--server-ca` file: a PEM bundle, or one DER certificate.
fn server_roots(path: &std::path::Path) -> Result<Vec<reqwest::Certificate>, ClientError> {
    let failure = |reason: String| ClientError::ServerCa {
        path: path.display().to_string(),
        reason,
    };
    let bytes = std::fs::read(path).map_err(|e| failure(e.to_string()))?;
    let roots = if bytes.windows(10).any(|w| w == b"-----BEGIN") {
        reqwest::Certificate::from_pem_bundle(&bytes).map_err(|e| failure(e.to_string()))?
    } else {
        vec![reqwest::Certificate::from_der(&bytes).map_err(|e| failure(e.to_string()))?]
    };
    if roots.is_empty() {
        return Err(failure(t!("client.error.no_certificate").into_owned()));
    }
    Ok(roots)
}

/// A downloaded file: a generated PDF or an uploaded scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Download {
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// A connection to one Kezek backend, with the session token once logged in.
#[derive(Debug, Clone)]
pub struct Client {
    base: Url,
    http: reqwest::Client,
    token: Option<String>,
    citizen: Option<Iin>,
}

impl Client {
    /// A client of the backend at `base_url` (e.g. `https://kezek.example.kz` or
    /// `http://127.0.0.1:40123`).
    pub fn new(base_url: &str) -> Result<Client, ClientError> {
        Client::with_server_ca(base_url, &[])
    }

    /// A client that also trusts the root certificates in `server_ca` (PEM or DER files) for
    /// the server's TLS certificate, beside the operating system's store: Kazakhstan's state
    /// services often use certificates under the national root CA, which OS stores lack.
    pub fn with_server_ca(
        base_url: &str,
        server_ca: &[std::path::PathBuf],
    ) -> Result<Client, ClientError> {
        // reqwest is built without a default provider; ring is the one the crate already carries.
        // A second install (another Client) finds one in place, which is fine.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let base =
            Url::parse(base_url).map_err(|_| ClientError::InvalidUrl(base_url.to_owned()))?;
        if base.cannot_be_a_base() || !matches!(base.scheme(), "http" | "https") {
            return Err(ClientError::InvalidUrl(base_url.to_owned()));
        }
        let mut roots = Vec::new();
        for path in server_ca {
            roots.extend(server_roots(path)?);
        }
        let http = reqwest::Client::builder()
            .user_agent(concat!("kezek/", env!("CARGO_PKG_VERSION")))
            .tls_certs_merge(roots)
            .build()
            .map_err(|e| ClientError::Transport(e.to_string()))?;
        Ok(Client {
            base,
            http,
            token: None,
            citizen: None,
        })
    }

    pub fn base_url(&self) -> &Url {
        &self.base
    }

    /// The session token, to remember in the keyring.
    pub fn token(&self) -> Option<&str> {
        self.token.as_deref()
    }

    /// Uses a remembered session token.
    pub fn set_token(&mut self, token: Option<String>) {
        self.token = token;
    }

    /// An operator serving a citizen at the desk: reads are then for that citizen.
    pub fn set_citizen(&mut self, citizen: Option<Iin>) {
        self.citizen = citizen;
    }

    fn url(&self, segments: &[&str]) -> Url {
        let mut url = self.base.clone();
        {
            let mut path = url.path_segments_mut().expect("checked in new");
            path.pop_if_empty();
            path.extend(["api", "v1"]);
            path.extend(segments);
        }
        url
    }

    fn request(&self, method: Method, segments: &[&str]) -> RequestBuilder {
        let mut builder = self.http.request(method, self.url(segments));
        if let Some(token) = &self.token {
            builder = builder.bearer_auth(token);
        }
        if let Some(citizen) = &self.citizen {
            builder = builder.header(CITIZEN_HEADER, citizen.to_string());
        }
        builder
    }

    async fn send(builder: RequestBuilder) -> Result<Response, ClientError> {
        let response = builder.send().await?;
        if response.status().is_success() {
            return Ok(response);
        }
        let status = response.status();
        let body = response.bytes().await?;
        match serde_json::from_slice::<Problem>(&body) {
            Ok(problem) => Err(ClientError::Problem(Box::new(problem))),
            Err(_) => Err(ClientError::Decode(format!("HTTP {status}"))),
        }
    }

    async fn json<T: DeserializeOwned>(builder: RequestBuilder) -> Result<T, ClientError> {
        let response = Self::send(builder).await?;
        let body = response.bytes().await?;
        serde_json::from_slice(&body).map_err(|e| ClientError::Decode(e.to_string()))
    }

    async fn get<T: DeserializeOwned>(&self, segments: &[&str]) -> Result<T, ClientError> {
        Self::json(self.request(Method::GET, segments)).await
    }

    async fn get_query<T: DeserializeOwned, Q: Serialize>(
        &self,
        segments: &[&str],
        query: &Q,
    ) -> Result<T, ClientError> {
        Self::json(self.request(Method::GET, segments).query(query)).await
    }

    async fn post_signed<T: DeserializeOwned>(
        &self,
        segments: &[&str],
        request_id: &str,
        signed_xml: &str,
    ) -> Result<T, ClientError> {
        let body = SignedDocument {
            signed_xml: signed_xml.to_owned(),
        };
        Self::json(
            self.request(Method::POST, segments)
                .header(IDEMPOTENCY_HEADER, request_id)
                .json(&body),
        )
        .await
    }

    /// `GET /healthz`.
    pub async fn healthz(&self) -> Result<(), ClientError> {
        let mut url = self.base.clone();
        url.set_path("/healthz");
        Self::send(self.http.get(url)).await.map(drop)
    }

    /// `GET /api/v1/auth/trust-anchors`: the certificates of the authorities the server
    /// trusts, decoded.
    pub async fn trust_anchors(
        &self,
    ) -> Result<Vec<crate::pki::certificate::Certificate>, ClientError> {
        use base64::Engine;
        let anchors: TrustAnchors = self.get(&["auth", "trust-anchors"]).await?;
        anchors
            .certificates
            .iter()
            .map(|text| {
                let der = base64::engine::general_purpose::STANDARD
                    .decode(text)
                    .map_err(|e| ClientError::Decode(e.to_string()))?;
                crate::pki::certificate::Certificate::from_der(&der)
                    .map_err(|e| ClientError::Decode(e.to_string()))
            })
            .collect()
    }

    /// `GET /api/v1/regions`: regions → districts → settlements.
    pub async fn regions(&self) -> Result<Vec<Region>, ClientError> {
        self.get(&["regions"]).await
    }

    /// `GET /api/v1/benefits`: the benefit catalogue.
    pub async fn benefits(&self) -> Result<Vec<BenefitCategoryInfo>, ClientError> {
        self.get(&["benefits"]).await
    }

    /// `GET /api/v1/kindergartens?region=`.
    pub async fn kindergartens(
        &self,
        query: &KindergartenQuery,
    ) -> Result<Vec<Kindergarten>, ClientError> {
        self.get_query(&["kindergartens"], query).await
    }

    /// `POST /api/v1/auth/challenge`: sign `challenge.xml` with the AUTH key, then [`Self::login`].
    pub async fn challenge(&self) -> Result<Challenge, ClientError> {
        Self::json(self.request(Method::POST, &["auth", "challenge"])).await
    }

    /// `POST /api/v1/auth/login`; keeps the token for the following calls.
    pub async fn login(&mut self, signed_xml: &str) -> Result<LoginResponse, ClientError> {
        let body = SignedDocument {
            signed_xml: signed_xml.to_owned(),
        };
        let answer: LoginResponse =
            Self::json(self.request(Method::POST, &["auth", "login"]).json(&body)).await?;
        self.token = Some(answer.token.clone());
        Ok(answer)
    }

    /// `POST /api/v1/auth/logout`; forgets the token.
    pub async fn logout(&mut self) -> Result<(), ClientError> {
        let result = Self::send(self.request(Method::POST, &["auth", "logout"])).await;
        self.token = None;
        result.map(drop)
    }

    /// `GET /api/v1/profile`.
    pub async fn profile(&self) -> Result<Profile, ClientError> {
        self.get(&["profile"]).await
    }

    /// `PUT /api/v1/profile`: the contacts (first login: the e-mail).
    pub async fn update_contacts(&self, contacts: &Contacts) -> Result<Profile, ClientError> {
        Self::json(self.request(Method::PUT, &["profile"]).json(contacts)).await
    }

    /// `GET /api/v1/profile/bindings`.
    pub async fn bindings(&self) -> Result<Vec<BoundChild>, ClientError> {
        self.get(&["profile", "bindings"]).await
    }

    /// `POST /api/v1/profile/bindings`: kinship checked in the registry, or refused.
    pub async fn bind_child(&self, child_iin: Iin) -> Result<BoundChild, ClientError> {
        let body = BindingRequest { child_iin };
        Self::json(
            self.request(Method::POST, &["profile", "bindings"])
                .json(&body),
        )
        .await
    }

    /// `GET /api/v1/registry/persons/{iin}`: wizard autofill.
    pub async fn registry_person(&self, iin: Iin) -> Result<Person, ClientError> {
        self.get(&["registry", "persons", &iin.to_string()]).await
    }

    /// `GET /api/v1/registry/children/{iin}`: wizard step 2, whether the user (an operator:
    /// the citizen served) may queue this child; the registry's child when so, otherwise the
    /// refusal a submission would get.
    pub async fn child_check(&self, iin: Iin) -> Result<Person, ClientError> {
        self.get(&["registry", "children", &iin.to_string()]).await
    }

    /// `GET /api/v1/demo/unqueued-children`: a demo server's registry children nobody has
    /// queued, with their parents (operators only).
    pub async fn unqueued_children(
        &self,
        query: &UnqueuedQuery,
    ) -> Result<UnqueuedPage, ClientError> {
        self.get_query(&["demo", "unqueued-children"], query).await
    }

    /// `POST /api/v1/attachments`: uploads a scan (PDF/JPEG/PNG by content, ≤ 10 MiB).
    pub async fn upload_attachment(
        &self,
        file_name: &str,
        bytes: Vec<u8>,
    ) -> Result<AttachmentUploaded, ClientError> {
        let part = reqwest::multipart::Part::bytes(bytes).file_name(file_name.to_owned());
        let form = reqwest::multipart::Form::new().part("file", part);
        Self::json(self.request(Method::POST, &["attachments"]).multipart(form)).await
    }

    /// `POST /api/v1/applications`: the signed application; `request_id` is the document's.
    pub async fn submit_application(
        &self,
        request_id: &str,
        signed_xml: &str,
    ) -> Result<SubmissionResult, ClientError> {
        self.post_signed(&["applications"], request_id, signed_xml)
            .await
    }

    /// `GET /api/v1/applications`: the journal.
    pub async fn journal(&self, query: &JournalQuery) -> Result<JournalPage, ClientError> {
        self.get_query(&["applications"], query).await
    }

    /// `GET /api/v1/applications/{number}`.
    pub async fn application(
        &self,
        number: &ApplicationNumber,
    ) -> Result<ApplicationDetail, ClientError> {
        self.get(&["applications", &number.to_string()]).await
    }

    /// `GET /api/v1/applications/{number}/history`.
    pub async fn history(
        &self,
        number: &ApplicationNumber,
    ) -> Result<Vec<HistoryEntry>, ClientError> {
        self.get(&["applications", &number.to_string(), "history"])
            .await
    }

    /// `GET /api/v1/applications/{number}/documents`.
    pub async fn documents(
        &self,
        number: &ApplicationNumber,
    ) -> Result<Vec<DocumentInfo>, ClientError> {
        self.get(&["applications", &number.to_string(), "documents"])
            .await
    }

    /// `GET /api/v1/applications/{number}/documents/{id}`: the PDF or the scan.
    pub async fn download_document(
        &self,
        number: &ApplicationNumber,
        id: &str,
    ) -> Result<Download, ClientError> {
        let number = number.to_string();
        let response =
            Self::send(self.request(Method::GET, &["applications", &number, "documents", id]))
                .await?;
        let content_type = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("application/octet-stream")
            .to_owned();
        let bytes = response.bytes().await?.to_vec();
        Ok(Download {
            content_type,
            bytes,
        })
    }

    /// `GET /api/v1/applications/{number}/position-history`.
    pub async fn position_history(
        &self,
        number: &ApplicationNumber,
    ) -> Result<Vec<PositionChange>, ClientError> {
        self.get(&["applications", &number.to_string(), "position-history"])
            .await
    }

    /// `POST /api/v1/applications/{number}/actions/{action}` with the signed action document.
    pub async fn act(
        &self,
        number: &ApplicationNumber,
        action: &str,
        request_id: &str,
        signed_xml: &str,
    ) -> Result<ApplicationDetail, ClientError> {
        let number = number.to_string();
        self.post_signed(
            &["applications", &number, "actions", action],
            request_id,
            signed_xml,
        )
        .await
    }

    /// `GET /api/v1/public/queue?number=` or `?child_iin=`: no login needed.
    pub async fn public_queue(
        &self,
        query: &PublicQueueQuery,
    ) -> Result<Vec<PublicQueueEntry>, ClientError> {
        self.get_query(&["public", "queue"], query).await
    }

    /// `GET /api/v1/public/stats?region=`: no login needed.
    pub async fn public_stats(&self, region: &str) -> Result<PublicStats, ClientError> {
        let query = PublicStatsQuery {
            region: region.to_owned(),
        };
        self.get_query(&["public", "stats"], &query).await
    }

    /// `POST /api/v1/officer/applications/{number}/actions/{action}`: review-benefit,
    /// confirm-out-of-turn, enroll.
    pub async fn officer_act(
        &self,
        number: &ApplicationNumber,
        action: &str,
        request_id: &str,
        signed_xml: &str,
    ) -> Result<ApplicationDetail, ClientError> {
        let number = number.to_string();
        self.post_signed(
            &["officer", "applications", &number, "actions", action],
            request_id,
            signed_xml,
        )
        .await
    }

    /// `POST /api/v1/officer/free-places` with a signed `<places>` document: publishes free
    /// places of a group of the officer's region; the answer lists the offers made at once.
    pub async fn publish_free_places(
        &self,
        request_id: &str,
        signed_xml: &str,
    ) -> Result<PublishedPlaces, ClientError> {
        self.post_signed(&["officer", "free-places"], request_id, signed_xml)
            .await
    }

    /// `GET /api/v1/officer/free-places`: the places published in the officer's region.
    pub async fn free_places(
        &self,
        query: &FreePlacesQuery,
    ) -> Result<Vec<FreePlacesInfo>, ClientError> {
        self.get_query(&["officer", "free-places"], query).await
    }

    /// `GET /api/v1/officer/offers`: the offers made in the officer's region, newest first.
    pub async fn offers(&self, query: &OffersQuery) -> Result<Vec<OfferInfo>, ClientError> {
        self.get_query(&["officer", "offers"], query).await
    }

    // --- Issue 13: the officer's kindergartens and groups ---

    /// `GET /api/v1/officer/kindergartens`: the region's kindergartens with their groups.
    pub async fn officer_kindergartens(
        &self,
        query: &KindergartensQuery,
    ) -> Result<Vec<KindergartenInfo>, ClientError> {
        self.get_query(&["officer", "kindergartens"], query).await
    }

    /// `GET /api/v1/officer/benefit-reviews`: the region's benefits awaiting review.
    pub async fn officer_benefit_reviews(
        &self,
        query: &BenefitReviewsQuery,
    ) -> Result<BenefitReviewsPage, ClientError> {
        self.get_query(&["officer", "benefit-reviews"], query).await
    }

    /// `GET /api/v1/officer/directions`: the region's directions by status, newest first.
    pub async fn officer_directions(
        &self,
        query: &DirectionsQuery,
    ) -> Result<DirectionsPage, ClientError> {
        self.get_query(&["officer", "directions"], query).await
    }

    /// `POST /api/v1/officer/kindergartens` with a signed `<kindergarten>` document: adds a
    /// kindergarten or group, changes a capacity, or closes one (its open offers cancelled).
    pub async fn change_kindergarten(
        &self,
        request_id: &str,
        signed_xml: &str,
    ) -> Result<KindergartenChanged, ClientError> {
        self.post_signed(&["officer", "kindergartens"], request_id, signed_xml)
            .await
    }

    // --- issue 14 (notices) ---

    /// `GET /api/v1/inbox`: the user's messages, newest first, and the unread count.
    pub async fn inbox(&self, query: &InboxQuery) -> Result<Inbox, ClientError> {
        self.get_query(&["inbox"], query).await
    }

    /// `POST /api/v1/inbox/{id}/read`.
    pub async fn mark_read(&self, id: i64) -> Result<(), ClientError> {
        Self::send(self.request(Method::POST, &["inbox", &id.to_string(), "read"]))
            .await
            .map(drop)
    }

    /// `GET /api/v1/applications/{number}/messages`: how the application's messages went.
    pub async fn application_messages(
        &self,
        number: &ApplicationNumber,
    ) -> Result<Vec<Message>, ClientError> {
        self.get(&["applications", &number.to_string(), "messages"])
            .await
    }

    /// `GET /api/v1/officer/messages/dead`: the region's undelivered messages.
    pub async fn dead_messages(&self, query: &DeadQuery) -> Result<Vec<Message>, ClientError> {
        self.get_query(&["officer", "messages", "dead"], query)
            .await
    }

    // --- issue 13 (the region report) ---

    /// `GET /api/v1/officer/report?from=&to=`: the region report as JSON.
    pub async fn region_report(&self, query: &ReportQuery) -> Result<RegionReport, ClientError> {
        let query = ReportQuery {
            format: Some(ReportFormat::Json),
            ..query.clone()
        };
        self.get_query(&["officer", "report"], &query).await
    }

    /// `GET /api/v1/officer/report?format=csv|xlsx`: the report as a file to save, headings
    /// in `query.lang`.
    pub async fn region_report_file(
        &self,
        query: &ReportQuery,
        format: ReportFormat,
    ) -> Result<Vec<u8>, ClientError> {
        let query = ReportQuery {
            format: Some(format),
            ..query.clone()
        };
        let response = Self::send(
            self.request(Method::GET, &["officer", "report"])
                .query(&query),
        )
        .await?;
        Ok(response.bytes().await?.to_vec())
    }

    /// `GET /api/v1/officer/rejection-reasons`: the reasons a benefit document is rejected with.
    pub async fn rejection_reasons(&self) -> Result<Vec<RejectionReasonInfo>, ClientError> {
        self.get(&["officer", "rejection-reasons"]).await
    }
}
