//! Pure domain rules of the kindergarten e-queue: no I/O, the clock is passed in.

pub mod access;
pub mod action;
pub mod allocation;
pub mod benefit;
pub mod binding;
pub mod calendar;
pub mod contact;
pub mod desk;
pub mod direction;
pub mod error;
pub mod iin;
pub mod lifecycle;
pub mod limits;
pub mod number;
pub mod queue;
pub mod registry_match;
pub mod rejection;
pub mod report;
pub mod scan;
pub mod settings;
pub mod state;
pub mod status;
pub mod wizard;

#[cfg(test)]
mod test_support;

pub use action::{Action, ActionKind, Actor, Role};
pub use benefit::{Benefit, BenefitCategory, BenefitClass, BenefitReview};
pub use calendar::Calendar;
pub use contact::{ContactError, ContactPreference, Email, MobilePhone, PreferenceError};
pub use error::RuleError;
pub use iin::{Iin, IinError};
pub use lifecycle::{EventKind, Notice, Transition};
pub use number::{ApplicationNumber, NumberError};
pub use queue::{Cohort, PositionCause, QueuePosition};
pub use settings::RegionSettings;
pub use state::{ApplicationState, Direction, Extension, Offer, Removal};
pub use status::{RemovalReason, Status};
