//! Officers, their region only: signed actions on applications (review-benefit,
//! confirm-out-of-turn, enroll), publishing free places of one or many kindergarten groups with
//! one signed document (offered at once by `server::allocation`), the region's free places and the offers made.

use std::collections::HashSet;

use axum::extract::State;
use axum::http::HeaderMap;

use crate::api::applications::ApplicationDetail;
use crate::api::auth::SignedDocument;
use crate::api::documents::{Document, PlacesDocument};
use crate::api::officer::{
    FreePlacesInfo, FreePlacesQuery, MAX_OFFERS, OfferInfo, OffersQuery, PublishedPlaces,
    split_group_id,
};
use crate::api::problem::{FieldProblem, Problem, ProblemCode};
use crate::server::AppState;
use crate::server::allocation;
use crate::server::auth::Session;
use crate::server::catalogue::Catalogue;
use crate::server::http::applications::{require_officer, signed_action};
use crate::server::http::changes::{self, Acting, Checked};
use crate::server::http::extract::{Json, Path, Query};
use crate::server::http::paging::Page;
use crate::server::problem::{ApiError, ApiResult};
use crate::server::store::{
    FreePlaces, NewFreePlaces, OfferRecord, OfferScope, PlacesOfGroup, StoreError,
};

/// An officer's signed action: review-benefit, confirm-out-of-turn, enroll.
#[utoipa::path(post, path = "/api/v1/officer/applications/{number}/actions/{action}", tag = "officer",
    request_body = SignedDocument,
    params(("number" = String, Path,), ("action" = String, Path, description = "review-benefit, confirm-out-of-turn, enroll")),
    responses((status = 200, body = ApplicationDetail), (status = 400, body = Problem),
        (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn act(
    State(state): State<AppState>,
    session: Session,
    headers: HeaderMap,
    Path((number, action)): Path<(String, String)>,
    Json(body): Json<SignedDocument>,
) -> ApiResult<Json<ApplicationDetail>> {
    require_officer(&session)?;
    signed_action(
        &state,
        &session,
        &headers,
        &number,
        &action,
        &body.signed_xml,
        Acting::Officer,
    )
    .await
}

/// The officer's region; another one asked for is refused.
fn own_region<'a>(session: &'a Session, asked: Option<&str>) -> ApiResult<&'a str> {
    let region = session.officer_region().ok_or(ProblemCode::Forbidden)?;
    if asked.is_some_and(|asked| asked != region) {
        return Err(ApiError::new(ProblemCode::Forbidden));
    }
    Ok(region)
}

fn invalid(field: &str) -> ApiError {
    Problem::new(ProblemCode::InvalidInput)
        .with_fields(vec![FieldProblem::new(field, "api.problem.invalid_input")])
        .into()
}

fn places_info(place: FreePlaces) -> FreePlacesInfo {
    FreePlacesInfo {
        id: place.id,
        kindergarten: place.kindergarten,
        group: place.group,
        places: place.places,
        remaining: place.remaining,
        published_at: place.published_at,
        officer_iin: place.officer_iin,
    }
}

fn offer_info(offer: OfferRecord) -> OfferInfo {
    OfferInfo {
        number: offer.number,
        free_places: offer.place_id,
        kindergarten: offer.kindergarten,
        group: offer.group,
        benefit_class: offer.class,
        made_at: offer.made_at,
        answer_by: offer.answer_by,
        status: offer.status,
        decided_at: offer.decided_at,
    }
}

/// The published places `ids` of the region and the offers made of them (at most
/// [`MAX_OFFERS`], newest first).
async fn published(
    state: &AppState,
    region: &str,
    ids: &[i64],
) -> ApiResult<Json<PublishedPlaces>> {
    let mut places = state.store().free_places(region, false).await?;
    places.retain(|p| ids.contains(&p.id));
    if places.len() != ids.len() {
        return Err(ApiError::new(ProblemCode::NotFound));
    }
    places.sort_by_key(|p| ids.iter().position(|id| *id == p.id));
    let mut offers = Vec::new();
    for id in ids {
        let room = MAX_OFFERS.saturating_sub(u32::try_from(offers.len()).unwrap_or(MAX_OFFERS));
        if room == 0 {
            break;
        }
        offers.extend(state.store().offers(&OfferScope::Place(*id), room).await?);
    }
    offers.sort_by_key(|offer: &OfferRecord| std::cmp::Reverse(offer.id));
    Ok(Json(PublishedPlaces {
        free_places: places.into_iter().map(places_info).collect(),
        offers: offers.into_iter().map(offer_info).collect(),
    }))
}

/// The places ids a first answer recorded: a list, or one id from before many groups.
fn places_of(answer: &serde_json::Value) -> ApiResult<Vec<i64>> {
    let recorded = answer.get("free_places");
    let ids = match recorded {
        Some(serde_json::Value::Array(ids)) => ids.iter().map(serde_json::Value::as_i64).collect(),
        Some(one) => one.as_i64().map(|id| vec![id]),
        None => None,
    };
    ids.filter(|ids| !ids.is_empty())
        .ok_or_else(|| ApiError::new(ProblemCode::IdempotencyConflict))
}

/// The groups of a places document, checked: each a group of a kindergarten of the officer's
/// region, named once, with from one place to its capacity; no more groups than configured.
fn groups_of(
    state: &AppState,
    region: &str,
    document: &PlacesDocument,
) -> ApiResult<Vec<PlacesOfGroup>> {
    let max = state.config().limits.places_groups_per_document.get();
    if document.groups.len() > max as usize {
        return Err(Problem::new(ProblemCode::TooManyGroups)
            .with_param("max", max.to_string())
            .into());
    }
    let catalogue = Catalogue::bundled();
    let mut seen = HashSet::new();
    let mut groups = Vec::with_capacity(document.groups.len());
    for named in &document.groups {
        let (kindergarten, group) = split_group_id(&named.group_id)
            .and_then(|(kg, group)| {
                let kindergarten = catalogue.kindergarten(kg)?;
                Some((kindergarten, kindergarten.group(group)?))
            })
            .ok_or_else(|| invalid("group"))?;
        if catalogue
            .region_of(kindergarten)
            .is_none_or(|r| r.code != region)
        {
            return Err(ApiError::new(ProblemCode::Forbidden));
        }
        if !seen.insert(named.group_id.as_str()) {
            return Err(invalid("group"));
        }
        if named.free_places == 0 || named.free_places > group.capacity {
            return Err(invalid("freePlaces"));
        }
        groups.push(PlacesOfGroup {
            kindergarten: kindergarten.code.clone(),
            group: group.code(),
            places: named.free_places,
        });
    }
    Ok(groups)
}

/// Publishes free places of one or many kindergarten groups of the officer's region, with one
/// signed `<places>` document (SIGN key); the places are offered at once, in allocation order.
#[utoipa::path(post, path = "/api/v1/officer/free-places", tag = "officer",
    request_body = SignedDocument,
    responses((status = 200, body = PublishedPlaces), (status = 400, body = Problem),
        (status = 401, body = Problem), (status = 403, body = Problem), (status = 409, body = Problem),
        (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn publish(
    State(state): State<AppState>,
    session: Session,
    headers: HeaderMap,
    Json(body): Json<SignedDocument>,
) -> ApiResult<Json<PublishedPlaces>> {
    let region = own_region(&session, None)?;
    let fresh = match changes::check(
        &state,
        &session,
        &headers,
        &body.signed_xml,
        Acting::Officer,
        false,
    )
    .await?
    {
        Checked::Replay(answer) => return published(&state, region, &places_of(&answer)?).await,
        Checked::Fresh(fresh) => *fresh,
    };
    let Document::Places(document) = &fresh.verified.document else {
        return Err(ApiError::new(ProblemCode::WrongDocument));
    };
    let new = NewFreePlaces {
        region: region.to_owned(),
        groups: groups_of(&state, region, document)?,
        officer: session.user.iin,
        now: state.now(),
        signed_xml: Some(body.signed_xml.clone()),
        request: Some(fresh.request.clone()),
    };
    let places = match state.store().publish_free_places(new).await {
        Ok(places) => places,
        Err(StoreError::Replayed(first)) => {
            return published(&state, region, &places_of(&first.answer)?).await;
        }
        Err(e) => return Err(e.into()),
    };
    allocation::allocate(&state, region).await?;
    let ids: Vec<i64> = places.iter().map(|p| p.id).collect();
    published(&state, region, &ids).await
}

/// The free places published in the officer's region, oldest first.
#[utoipa::path(get, path = "/api/v1/officer/free-places", tag = "officer", params(FreePlacesQuery),
    responses((status = 200, body = Vec<FreePlacesInfo>), (status = 401, body = Problem),
        (status = 403, body = Problem)),
    security(("bearer" = [])))]
pub async fn free_places(
    State(state): State<AppState>,
    session: Session,
    Query(query): Query<FreePlacesQuery>,
) -> ApiResult<Json<Vec<FreePlacesInfo>>> {
    let region = own_region(&session, query.region.as_deref())?;
    let places = state.store().free_places(region, query.open).await?;
    Ok(Json(places.into_iter().map(places_info).collect()))
}

/// The offers the system made in the officer's region, newest first, with their status.
#[utoipa::path(get, path = "/api/v1/officer/offers", tag = "officer", params(OffersQuery),
    responses((status = 200, body = Vec<OfferInfo>), (status = 401, body = Problem),
        (status = 403, body = Problem)),
    security(("bearer" = [])))]
pub async fn offers(
    State(state): State<AppState>,
    session: Session,
    Query(query): Query<OffersQuery>,
) -> ApiResult<Json<Vec<OfferInfo>>> {
    let region = own_region(&session, query.region.as_deref())?;
    let page = Page::first(query.limit, MAX_OFFERS)?;
    let offers = state
        .store()
        .offers(&OfferScope::Region(region.to_owned()), page.size())
        .await?;
    Ok(Json(offers.into_iter().map(offer_info).collect()))
}
