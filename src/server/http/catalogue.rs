//! `GET /api/v1/regions`, `/benefits`, `/kindergartens?region=`: the bundled catalogue.

use crate::api::catalogue::{
    BenefitCategoryInfo, District, Kindergarten, KindergartenGroup, KindergartenQuery,
    LocalizedName, Region, Settlement,
};
use crate::api::problem::{Problem, ProblemCode};
use crate::domain::BenefitCategory;
use crate::server::catalogue::{self as data, Catalogue};
use crate::server::http::extract::{Json, Query};
use crate::server::problem::{ApiError, ApiResult};

fn name(n: &data::LocalizedName) -> LocalizedName {
    LocalizedName {
        kk: n.kk.clone(),
        ru: n.ru.clone(),
        en: n.en.clone(),
    }
}

/// Regions → districts → settlements.
#[utoipa::path(get, path = "/api/v1/regions", tag = "catalogue",
    responses((status = 200, body = Vec<Region>)))]
pub async fn regions() -> Json<Vec<Region>> {
    let regions = Catalogue::bundled()
        .regions
        .iter()
        .map(|r| Region {
            code: r.code.clone(),
            name: name(&r.name),
            education_department: name(&r.education_department),
            districts: r
                .districts
                .iter()
                .map(|d| District {
                    code: d.code.clone(),
                    name: name(&d.name),
                    settlements: d
                        .settlements
                        .iter()
                        .map(|s| Settlement {
                            code: s.code.clone(),
                            name: name(&s.name),
                        })
                        .collect(),
                })
                .collect(),
        })
        .collect();
    Json(regions)
}

/// The benefit catalogue.
#[utoipa::path(get, path = "/api/v1/benefits", tag = "catalogue",
    responses((status = 200, body = Vec<BenefitCategoryInfo>)))]
pub async fn benefits() -> Json<Vec<BenefitCategoryInfo>> {
    use crate::i18n::Lang;
    let benefits = BenefitCategory::catalogue()
        .iter()
        .map(|c| BenefitCategoryInfo {
            code: c.code.clone(),
            class: c.class,
            name: LocalizedName {
                kk: c.name(Lang::Kk).to_owned(),
                ru: c.name(Lang::Ru).to_owned(),
                en: c.name(Lang::En).to_owned(),
            },
        })
        .collect();
    Json(benefits)
}

/// The kindergartens of a region, with their groups.
#[utoipa::path(get, path = "/api/v1/kindergartens", tag = "catalogue", params(KindergartenQuery),
    responses((status = 200, body = Vec<Kindergarten>), (status = 400, body = Problem), (status = 404, body = Problem)))]
pub async fn kindergartens(
    Query(query): Query<KindergartenQuery>,
) -> ApiResult<Json<Vec<Kindergarten>>> {
    let catalogue = Catalogue::bundled();
    if catalogue.region(&query.region).is_none() {
        return Err(ApiError::new(ProblemCode::NotFound));
    }
    let list = catalogue
        .kindergartens_in(&query.region)
        .filter(|kg| {
            query
                .settlement
                .as_deref()
                .is_none_or(|s| s == kg.settlement)
        })
        .map(|kg| Kindergarten {
            code: kg.code.clone(),
            region: query.region.clone(),
            settlement: kg.settlement.clone(),
            name: name(&kg.name),
            address: name(&kg.address),
            groups: kg
                .groups
                .iter()
                .map(|g| KindergartenGroup {
                    id: format!("{}/{}", kg.code, g.code()),
                    age_group: g.age.clone(),
                    name: catalogue
                        .age_group(&g.age)
                        .map(|a| name(&a.name))
                        .unwrap_or_else(|| LocalizedName {
                            kk: g.age.clone(),
                            ru: g.age.clone(),
                            en: g.age.clone(),
                        }),
                    language: g.language.code().to_owned(),
                    capacity: g.capacity,
                })
                .collect(),
        })
        .collect();
    Ok(Json(list))
}
