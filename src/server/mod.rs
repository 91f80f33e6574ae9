//! The backend: the queue, signature checks and durable storage behind the HTTP API.

pub mod catalogue;
pub mod config;
pub mod documents;
pub mod notify;
pub mod registry;
pub mod store;
