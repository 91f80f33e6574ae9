//! Kezek: Kazakhstan's kindergarten e-queue as a terminal client with a bundled backend.
//!
//! The layout tells the architecture: `domain` holds the pure rules, `pki` the keystores,
//! certificates and XML signatures, `api` the wire types both sides share, `server` the backend,
//! `client` the typed HTTP client, `tui` the screens, `cli` the command line.

rust_i18n::i18n!("i18n", fallback = "en");

pub mod api;
pub mod cli;
pub mod client;
pub mod domain;
pub mod i18n;
pub mod pki;
pub mod server;
pub mod tui;
