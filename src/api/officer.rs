//! Officers, their region only: free places of kindergarten groups and the offers the system
//! made of them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::domain::allocation::OfferStatus;
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
