//! Pure domain rules of the kindergarten e-queue: no I/O, the clock is passed in.

pub mod iin;

pub use iin::{Iin, IinError};
