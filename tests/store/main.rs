//! The store, the population registry and the generated documents, without HTTP.

mod documents;
mod registry;
mod suite;
