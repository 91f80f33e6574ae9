//! The store, the population registry and the generated documents, without HTTP.

#[path = "../common/postgres.rs"]
mod postgres;

mod backends;
mod documents;
mod migrate;
mod open;
mod registry;
mod rendering;
mod suite;
mod upgrade;
