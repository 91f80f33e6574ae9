//! Demo servers only (`kezek serve --demo`): the registry's synthetic parents with a child
//! nobody has queued, for a ЦОН operator to serve (`kezek loadgen`, the API tests).

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::api::profile::Person;

/// At most this many children a page.
pub const MAX_UNQUEUED_PAGE: u32 = 1_000;

/// `GET /api/v1/demo/unqueued-children`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UnqueuedQuery {
    /// Children who may be queued in this region today (under its age limit).
    pub region: String,
    /// Only children born in this year.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birth_year: Option<i32>,
    /// The previous page's `next_cursor`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
    /// Children a page, at most [`MAX_UNQUEUED_PAGE`] (default 100).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
}

/// A child nobody has queued, and the parent or guardian who may.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct UnqueuedChild {
    pub applicant: Person,
    pub child: Person,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct UnqueuedPage {
    pub children: Vec<UnqueuedChild>,
    /// Absent on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}
