//! Officers, their region only: free places of kindergarten groups and the offers the system
//! made of them.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::api::catalogue::LocalizedName;
use crate::domain::allocation::OfferStatus;
use crate::domain::direction::DirectionStatus;
use crate::domain::{ApplicationNumber, BenefitClass, Iin};

/// The group a `<places>` document names: «<kindergarten code>/<group code>», e.g.
/// `astana-kg-12/junior-kk`.
pub fn group_id(kindergarten: &str, group: &str) -> String {
    format!("{kindergarten}/{group}")
}

/// The kindergarten and group codes of a [`group_id`].
pub fn split_group_id(id: &str) -> Option<(&str, &str)> {
    id.split_once('/')
        .filter(|(kg, group)| !kg.is_empty() && !group.is_empty())
}

/// Free places published in a kindergarten group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct FreePlacesInfo {
    pub id: i64,
    pub kindergarten: String,
    /// The group's code inside the kindergarten, e.g. `junior-kk`.
    pub group: String,
    pub places: u32,
    /// Not yet taken by an offer or a direction.
    pub remaining: u32,
    pub published_at: DateTime<Utc>,
    #[schema(value_type = String)]
    pub officer_iin: Iin,
}

/// An offer the system made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct OfferInfo {
    #[schema(value_type = String)]
    pub number: ApplicationNumber,
    /// The free places it took one of.
    pub free_places: i64,
    pub kindergarten: String,
    pub group: String,
    /// The child's class when offered: `none`, `first_turn`, `out_of_turn`.
    #[schema(value_type = String)]
    pub benefit_class: BenefitClass,
    pub made_at: DateTime<Utc>,
    /// The end of the answer window.
    pub answer_by: DateTime<Utc>,
    /// `awaiting`, `accepted`, `declined`, `expired`, `enrolled`, `cancelled`.
    #[schema(value_type = String)]
    pub status: OfferStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decided_at: Option<DateTime<Utc>>,
}

/// The answer to publishing places: the places of each group, in the document's order, and the
/// offers made of them at once (newest first, at most [`MAX_OFFERS`]; `GET
/// /api/v1/officer/offers` lists them all).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PublishedPlaces {
    pub free_places: Vec<FreePlacesInfo>,
    pub offers: Vec<OfferInfo>,
}

/// `GET /api/v1/officer/free-places?open=`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FreePlacesQuery {
    /// The officer's own region (the default); another region is refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// Only places not all taken (default: every published place).
    #[serde(default)]
    pub open: bool,
}

/// `GET /api/v1/officer/offers?limit=`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OffersQuery {
    /// The officer's own region (the default); another region is refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// Newest first; from 1 to [`MAX_OFFERS`] (the default), else `invalid_paging`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
}

pub const MAX_OFFERS: u32 = 500;

// --- Issue 13: kindergartens and groups the officer manages ---

/// A group of a kindergarten as the officer manages it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct GroupInfo {
    /// The group's code inside the kindergarten (`junior-kk`).
    pub code: String,
    /// «<kindergarten>/<group>», as `<places>` documents name it.
    pub id: String,
    /// The catalogue's age-group code (`nursery`, `junior`, …) and its name.
    pub age_group: String,
    pub age_name: LocalizedName,
    /// The birth years the group takes in the current school year, oldest first.
    pub birth_years: [i32; 2],
    /// Language of instruction, `kk` or `ru`.
    pub language: String,
    pub capacity: u32,
    /// Children enrolled through the queue.
    pub enrolled: u32,
    /// Places held by an offer awaiting an answer or by a direction.
    pub offered: u32,
    /// Places published and not yet offered.
    pub published: u32,
    /// Capacity not used by enrolled children nor held by offers and directions.
    pub free: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed_at: Option<DateTime<Utc>>,
}

/// A kindergarten of the officer's region, with its groups.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct KindergartenInfo {
    pub code: String,
    pub region: String,
    pub settlement: String,
    pub name: LocalizedName,
    pub address: LocalizedName,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed_at: Option<DateTime<Utc>>,
    pub groups: Vec<GroupInfo>,
}

/// `GET /api/v1/officer/kindergartens?region=&search=&closed=`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct KindergartensQuery {
    /// The officer's own region (the default); another region is refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// Part of the code, name or address in any language, letter case ignored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub search: Option<String>,
    /// Closed kindergartens too (default: open ones only).
    #[serde(default)]
    pub closed: bool,
}

/// The answer to a signed kindergarten change: the kindergarten as it is now, and the
/// applications whose offers a closing cancelled (back in the queue with their time).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct KindergartenChanged {
    pub kindergarten: KindergartenInfo,
    #[schema(value_type = Vec<String>)]
    pub cancelled_offers: Vec<ApplicationNumber>,
}

/// The most places a group may have.
pub const MAX_GROUP_CAPACITY: u32 = 100;

// --- Issue 13: directions by status ---

/// A direction of the officer's region, as the list of directions shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DirectionInfo {
    #[schema(value_type = String)]
    pub number: ApplicationNumber,
    pub child_name: String,
    pub kindergarten: String,
    pub group: String,
    /// The child's class when offered: `none`, `first_turn`, `out_of_turn`.
    #[schema(value_type = String)]
    pub benefit_class: BenefitClass,
    pub issued_at: DateTime<Utc>,
    /// `issued`, `extended`, `enrolled`, `expired`, `revoked`.
    #[schema(value_type = String)]
    pub status: DirectionStatus,
    /// Until when a live direction (issued or extended) is valid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<DateTime<Utc>>,
    /// When it was enrolled, expired or revoked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended_at: Option<DateTime<Utc>>,
    /// A live direction of an out-of-turn child: the benefit must be confirmed in person by
    /// then (`confirm-out-of-turn`), or the direction is cancelled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub in_person_by: Option<DateTime<Utc>>,
}

/// `GET /api/v1/officer/directions?kindergarten=&status=&from=&to=&cursor=&page=&per_page=`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DirectionsQuery {
    /// The officer's own region (the default); another region is refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// One kindergarten's directions (its code).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kindergarten: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[param(value_type = Option<String>)]
    #[schema(value_type = Option<String>)]
    pub status: Option<DirectionStatus>,
    /// Issued on or after this date (Kazakhstan's calendar).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<NaiveDate>,
    /// Issued on or before this date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<NaiveDate>,
    /// The offset of the next page, as `next_cursor` gives it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per_page: Option<u32>,
}

/// One page of directions, newest first, and the number of all matches.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DirectionsPage {
    pub rows: Vec<DirectionInfo>,
    pub total: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

// --- Issue 13: the benefit review queue ---

/// An application whose benefit documents await the officer's review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct BenefitReviewInfo {
    #[schema(value_type = String)]
    pub number: ApplicationNumber,
    pub child_name: String,
    pub applicant_name: String,
    pub birth_year: i32,
    /// The benefit category's code (names in `GET /benefits`) and its class.
    pub category: String,
    #[schema(value_type = String)]
    pub benefit_class: BenefitClass,
    pub registered_at: DateTime<Utc>,
    /// The scans attached to the application (download them as its documents).
    pub scans: Vec<crate::api::applications::DocumentInfo>,
}

/// `GET /api/v1/officer/benefit-reviews?cursor=&page=&per_page=`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BenefitReviewsQuery {
    /// The officer's own region (the default); another region is refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per_page: Option<u32>,
}

/// One page of the review queue, oldest registration first, and its length.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct BenefitReviewsPage {
    pub rows: Vec<BenefitReviewInfo>,
    pub total: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_group_id_is_kindergarten_slash_group() {
        let id = group_id("astana-kg-12", "junior-kk");
        assert_eq!(split_group_id(&id), Some(("astana-kg-12", "junior-kk")));
        assert_eq!(split_group_id("junior-kk"), None);
        assert_eq!(split_group_id("/junior-kk"), None);
    }
}
