//! Reference data: regions with districts and settlements, the benefit catalogue, kindergartens.

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::domain::BenefitClass;

/// A name in the three languages of the service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct LocalizedName {
    pub kk: String,
    pub ru: String,
    pub en: String,
}

impl LocalizedName {
    /// The name in the given language.
    pub fn get(&self, lang: crate::i18n::Lang) -> &str {
        match lang {
            crate::i18n::Lang::Kk => &self.kk,
            crate::i18n::Lang::Ru => &self.ru,
            crate::i18n::Lang::En => &self.en,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Settlement {
    pub code: String,
    pub name: LocalizedName,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct District {
    pub code: String,
    pub name: LocalizedName,
    pub settlements: Vec<Settlement>,
}

/// An oblast or a city of republican significance: its own education department and queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Region {
    pub code: String,
    pub name: LocalizedName,
    pub education_department: LocalizedName,
    pub districts: Vec<District>,
}

/// One category of the benefit catalogue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct BenefitCategoryInfo {
    pub code: String,
    #[schema(value_type = String)]
    pub class: BenefitClass,
    pub name: LocalizedName,
}

/// A group of a kindergarten, by age.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct KindergartenGroup {
    /// Stable id of the group, used by `places` documents.
    pub id: String,
    /// The catalogue's age-group code (`nursery`, `junior`, …).
    pub age_group: String,
    pub name: LocalizedName,
    /// Language of instruction, `kk` or `ru`.
    pub language: String,
    pub capacity: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Kindergarten {
    pub code: String,
    pub region: String,
    pub settlement: String,
    pub name: LocalizedName,
    pub address: LocalizedName,
    pub groups: Vec<KindergartenGroup>,
}

/// `GET /api/v1/kindergartens?region=`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct KindergartenQuery {
    /// The region's code.
    pub region: String,
    /// Only this settlement's kindergartens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub settlement: Option<String>,
}
