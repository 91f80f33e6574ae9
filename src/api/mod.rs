//! The API both sides share: wire types (serde + utoipa schemas) of every endpoint under
//! [`PREFIX`], problem+json codes, and the signed XML documents.

pub mod applications;
pub mod auth;
pub mod catalogue;
pub mod demo;
pub mod desk;
pub mod documents;
pub mod notices;
pub mod officer;
pub mod problem;
pub mod profile;
pub mod public;
pub mod report;

/// Every endpoint lives under this prefix.
pub const PREFIX: &str = "/api/v1";
