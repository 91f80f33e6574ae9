//! Public, no login: queue-number search (names masked) and statistics.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::domain::{ApplicationNumber, Status};

/// `GET /api/v1/public/queue?number=` or `?child_iin=`: exactly one of the two.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PublicQueueQuery {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub child_iin: Option<String>,
}

/// What anyone may learn about an application: numbers and status, the name masked («А*** С.»).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PublicQueueEntry {
    #[schema(value_type = String)]
    pub number: ApplicationNumber,
    pub child_name_masked: String,
    pub birth_year: i32,
    pub region: String,
    #[schema(value_type = String)]
    pub status: Status,
    pub queue_number: u32,
    pub benefit_queue_number: u32,
    pub registered_at: DateTime<Utc>,
}

/// `GET /api/v1/public/stats?region=`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PublicStatsQuery {
    pub region: String,
}

/// Queue sizes of one cohort by benefit class.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CohortStats {
    pub birth_year: i32,
    pub general: u32,
    pub first_turn: u32,
    pub out_of_turn: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PublicStats {
    pub region: String,
    /// Children «В очереди» by birth year, oldest cohort first.
    pub cohorts: Vec<CohortStats>,
    /// Free places published and not yet taken by an offer or a direction.
    #[serde(default)]
    pub open_free_places: u32,
    /// Places published, directions issued and enrollments per month, oldest first.
    #[serde(default)]
    pub months: Vec<MonthStats>,
}

/// One month of a region's figures (Kazakhstan's calendar).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct MonthStats {
    /// «YYYY-MM».
    pub month: String,
    /// Free places published that month.
    pub free_places: u32,
    pub directions: u32,
    pub enrollments: u32,
}
