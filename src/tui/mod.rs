//! The full-screen terminal client.

pub mod svg;
