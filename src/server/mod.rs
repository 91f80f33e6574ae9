//! The backend: the queue, signature checks and durable storage behind the HTTP API.

pub mod store;
