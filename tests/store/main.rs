//! The store, the population registry and the generated documents, without HTTP.

mod backends;
mod documents;
mod open;
mod registry;
mod suite;
mod upgrade;
