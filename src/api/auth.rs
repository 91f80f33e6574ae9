//! Login with an AUTH key: challenge (nonce and the XML to sign), login, logout; the user and roles.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::Iin;

/// `POST /api/v1/auth/challenge`: a one-time nonce and the login document to sign with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Challenge {
    pub nonce: String,
    /// The unsigned login document (see [`crate::api::documents::LoginDocument`]).
    pub xml: String,
    pub expires_at: DateTime<Utc>,
}

/// A body that carries one signed XML document: login, submission, every action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SignedDocument {
    pub signed_xml: String,
}

/// What a user may do besides applying; granted only by the server's configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RoleKind {
    Operator,
    Officer,
    Admin,
}

/// A role and the region it applies to (admins have none).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RoleGrant {
    pub role: RoleKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
}

/// The logged-in person, as the AUTH certificate names them, and their configured roles.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct User {
    #[schema(value_type = String)]
    pub iin: Iin,
    /// The certificate's CN: «SURNAME NAME».
    pub full_name: String,
    pub surname: String,
    pub name: String,
    /// GIVENNAME of the certificate: the patronymic.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub patronymic: Option<String>,
    /// The roles beyond applicant, which every user is: the client builds its menu from them.
    #[serde(default)]
    pub roles: Vec<RoleGrant>,
    /// An employee key's organisation (for an operator, their ЦОН), as the certificate names it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organisation: Option<Organisation>,
}

/// The organisation an employee's certificate names: its BIN and name (O).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Organisation {
    pub bin: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

impl User {
    pub fn has_role(&self, role: RoleKind, region: Option<&str>) -> bool {
        self.roles.iter().any(|grant| {
            grant.role == role && (region.is_none() || grant.region.as_deref() == region)
        })
    }
}

/// `POST /api/v1/auth/login`'s answer. Send `token` back as `Authorization: Bearer`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct LoginResponse {
    pub token: String,
    pub expires_at: DateTime<Utc>,
    pub user: User,
    /// First login: the e-mail must be given (`PUT /api/v1/profile`) before anything else.
    pub contacts_missing: bool,
}

/// `GET /api/v1/auth/trust-anchors`: the certificates of the authorities the server trusts for
/// logins and signatures (roots and intermediates), so that a client can check a key's chain
/// before sending it and warn about a key the server will refuse. Public, like the
/// certificates themselves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TrustAnchors {
    /// Each certificate in DER, base64 (standard alphabet, padded).
    pub certificates: Vec<String>,
}
