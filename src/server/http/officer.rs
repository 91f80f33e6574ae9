//! Officers, their region only: signed actions on applications (review-benefit,
//! confirm-out-of-turn, enroll), publishing free places of one or many kindergarten groups with
//! one signed document (offered at once by `server::allocation`), the region's free places and
//! the offers made; the region's kindergartens and groups (read, add, change a capacity, close).

use std::collections::{HashMap, HashSet};

use axum::extract::State;
use axum::http::HeaderMap;

use crate::api::applications::ApplicationDetail;
use crate::api::auth::SignedDocument;
use crate::api::catalogue::LocalizedName;
use crate::api::documents::{Document, PlacesDocument};
use crate::api::documents::{KindergartenDocument, KindergartenRequest};
use crate::api::officer::{
    BenefitReviewInfo, BenefitReviewsPage, BenefitReviewsQuery, DirectionInfo, DirectionsPage,
    DirectionsQuery, FreePlacesInfo, FreePlacesQuery, KindergartenChanged, KindergartenInfo,
    KindergartensQuery, MAX_GROUP_CAPACITY, MAX_OFFERS, OfferInfo, OffersQuery, PublishedPlaces,
    split_group_id,
};
use crate::api::problem::{FieldProblem, Problem, ProblemCode};
use crate::domain::allocation::OfferStatus;
use crate::domain::limits::Text;
use crate::domain::{
    Action, Actor, ApplicationNumber, BenefitCategory, BenefitClass, Calendar, Status, calendar,
    lifecycle,
};
use crate::server::AppState;
use crate::server::allocation;
use crate::server::auth::Session;
use crate::server::catalogue::Catalogue;
use crate::server::http::applications::{listing, too_long};
use crate::server::http::applications::{require_officer, signed_action};
use crate::server::http::changes::{self, Acting, Checked};
use crate::server::http::extract::{Json, Path, Query};
use crate::server::http::paging::Page;
use crate::server::kindergartens;
use crate::server::problem::{ApiError, ApiResult};
use crate::server::store::{
    DirectionFilter, FreePlaces, KindergartenChange, KindergartenEdit, KindergartenRecord,
    KindergartenRefusal, NewEvent, NewFreePlaces, NewGroup, NewKindergarten, OfferRecord,
    OfferScope, PlacesOfGroup, StoreError, TransitionRecord, no_effects,
};

/// An officer's signed action: review-benefit, confirm-out-of-turn, enroll, annul-direction.
#[utoipa::path(post, path = "/api/v1/officer/applications/{number}/actions/{action}", tag = "officer",
    request_body = SignedDocument,
    params(("number" = String, Path,), ("action" = String, Path, description = "review-benefit, confirm-out-of-turn, enroll, annul-direction")),
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
async fn groups_of(
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
    let mut seen = HashSet::new();
    // A document names many groups of few kindergartens: each is read once.
    let mut read: HashMap<&str, KindergartenRecord> = HashMap::new();
    let mut groups = Vec::with_capacity(document.groups.len());
    for named in &document.groups {
        let (code, group) = split_group_id(&named.group_id).ok_or_else(|| invalid("group"))?;
        if !read.contains_key(code) {
            // The store's kindergartens: officers add and close them (the catalogue only seeds
            // them).
            let kindergarten = match state.store().kindergarten(code).await {
                Ok(kindergarten) => kindergarten,
                Err(StoreError::NotFound) => return Err(invalid("group")),
                Err(e) => return Err(e.into()),
            };
            read.insert(code, kindergarten);
        }
        let kindergarten = &read[code];
        if kindergarten.region != region {
            return Err(ApiError::new(ProblemCode::Forbidden));
        }
        let group = kindergarten
            .groups
            .iter()
            .find(|g| g.code == group)
            .ok_or_else(|| invalid("group"))?;
        if kindergarten.closed_at.is_some() || group.closed_at.is_some() {
            return Err(ApiError::new(ProblemCode::KindergartenClosed));
        }
        if !seen.insert(named.group_id.as_str()) {
            return Err(invalid("group"));
        }
        if named.free_places == 0 || named.free_places > group.capacity {
            return Err(invalid("freePlaces"));
        }
        groups.push(PlacesOfGroup {
            kindergarten: kindergarten.code.clone(),
            group: group.code.clone(),
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
        groups: groups_of(&state, region, document).await?,
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

// --- Issue 13: kindergartens and groups (docs/domain-rules.md, «Kindergartens and groups») ---

/// The region's kindergartens with their groups: age group and its birth years this school
/// year, language, capacity, enrolled, offered, published and free places.
#[utoipa::path(get, path = "/api/v1/officer/kindergartens", tag = "officer",
    params(KindergartensQuery),
    responses((status = 200, body = Vec<KindergartenInfo>), (status = 400, body = Problem),
        (status = 401, body = Problem), (status = 403, body = Problem)),
    security(("bearer" = [])))]
pub async fn kindergartens(
    State(state): State<AppState>,
    session: Session,
    Query(query): Query<KindergartensQuery>,
) -> ApiResult<Json<Vec<KindergartenInfo>>> {
    let region = own_region(&session, query.region.as_deref())?;
    let search = query.search.as_deref().unwrap_or("");
    if !Text::Search.fits(search) {
        return Err(too_long("search", Text::Search));
    }
    let now = state.now();
    let list = state
        .store()
        .kindergartens(region)
        .await?
        .iter()
        .filter(|k| query.closed || k.closed_at.is_none())
        .filter(|k| kindergartens::matches(k, search))
        .map(|k| kindergartens::info(k, now))
        .collect();
    Ok(Json(list))
}

/// What a signed kindergarten document asks, checked against the catalogue and the region.
fn edit_of(region: &str, document: &KindergartenDocument) -> ApiResult<KindergartenEdit> {
    let code_ok = |code: &str| {
        !code.is_empty()
            && code
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    };
    if !code_ok(&document.kindergarten) {
        return Err(invalid("code"));
    }
    let capacity_ok = |capacity: u32| (1..=MAX_GROUP_CAPACITY).contains(&capacity);
    Ok(match &document.change {
        KindergartenRequest::Create {
            settlement,
            name,
            address,
        } => {
            let place = Catalogue::bundled()
                .place(settlement)
                .ok_or_else(|| invalid("settlement"))?;
            if place.region.code != region {
                return Err(ApiError::new(ProblemCode::Forbidden));
            }
            let blank = |names: &LocalizedName| {
                [&names.kk, &names.ru, &names.en]
                    .iter()
                    .any(|text| text.trim().is_empty())
            };
            if blank(name) {
                return Err(invalid("name"));
            }
            if blank(address) {
                return Err(invalid("address"));
            }
            KindergartenEdit::Create(NewKindergarten {
                code: document.kindergarten.clone(),
                region: region.to_owned(),
                settlement: settlement.clone(),
                name: kindergartens::stored(name),
                address: kindergartens::stored(address),
                groups: Vec::new(),
            })
        }
        KindergartenRequest::AddGroup {
            age,
            language,
            capacity,
        } => {
            if Catalogue::bundled().age_group(age).is_none() {
                return Err(invalid("age"));
            }
            if !["kk", "ru"].contains(&language.as_str()) {
                return Err(invalid("language"));
            }
            if !capacity_ok(*capacity) {
                return Err(invalid("capacity"));
            }
            KindergartenEdit::AddGroup(NewGroup {
                age: age.clone(),
                language: language.clone(),
                capacity: *capacity,
            })
        }
        KindergartenRequest::SetCapacity { group, capacity } => {
            if !capacity_ok(*capacity) {
                return Err(invalid("capacity"));
            }
            KindergartenEdit::SetCapacity {
                group: group.clone(),
                capacity: *capacity,
            }
        }
        KindergartenRequest::Close => KindergartenEdit::Close,
        KindergartenRequest::CloseGroup { group } => KindergartenEdit::CloseGroup {
            group: group.clone(),
        },
    })
}

/// The refusal of a change; a capacity below use names the places in use (`used`).
async fn refused(
    state: &AppState,
    refusal: KindergartenRefusal,
    document: &KindergartenDocument,
) -> ApiError {
    match refusal {
        KindergartenRefusal::Exists => ApiError::new(ProblemCode::KindergartenExists),
        KindergartenRefusal::Closed => ApiError::new(ProblemCode::KindergartenClosed),
        KindergartenRefusal::BelowUse => {
            let group = match &document.change {
                KindergartenRequest::SetCapacity { group, .. } => group.as_str(),
                _ => "",
            };
            let used = state
                .store()
                .kindergarten(&document.kindergarten)
                .await
                .ok()
                .and_then(|k| k.groups.into_iter().find(|g| g.code == group))
                .map_or(0, |g| g.enrolled + g.offered);
            Problem::new(ProblemCode::CapacityBelowUse)
                .with_param("used", used.to_string())
                .into()
        }
    }
}

/// The kindergarten and group a change closes, if it closes one.
fn closing(document: &KindergartenDocument) -> Option<(String, Option<String>)> {
    match &document.change {
        KindergartenRequest::Close => Some((document.kindergarten.clone(), None)),
        KindergartenRequest::CloseGroup { group } => {
            Some((document.kindergarten.clone(), Some(group.clone())))
        }
        _ => None,
    }
}

/// Re-reads and re-applies a cancellation when other changes keep getting in first.
const ATTEMPTS: usize = 5;

/// Cancels the offers awaiting an answer in the closed kindergarten (or group), each a signed
/// act of the officer in its application's history; the children stay in the queue with their
/// registration time. Run again by a retry of the same document, so a crash half-way is
/// finished by the client's retry.
async fn cancel_offers(
    state: &AppState,
    officer: &Actor,
    (kindergarten, group): (String, Option<String>),
    xml: &str,
) -> ApiResult<Vec<ApplicationNumber>> {
    let scope = OfferScope::Kindergarten {
        code: kindergarten.clone(),
        group,
    };
    let awaiting: Vec<OfferRecord> = state
        .store()
        .offers(&scope, u32::MAX)
        .await?
        .into_iter()
        .filter(|offer| offer.status == OfferStatus::Awaiting)
        .collect();
    let mut cancelled = Vec::new();
    for offer in awaiting {
        if cancel_offer(state, officer, &offer, xml).await? {
            cancelled.push(offer.number);
        }
    }
    cancelled.sort();
    Ok(cancelled)
}

/// `false` when the application no longer awaits an answer to this offer.
async fn cancel_offer(
    state: &AppState,
    officer: &Actor,
    offer: &OfferRecord,
    xml: &str,
) -> ApiResult<bool> {
    for _ in 0..ATTEMPTS {
        let app = state.store().application(offer.number).await?;
        let held = state
            .store()
            .offers(&OfferScope::Application(offer.number), 1)
            .await?;
        if app.state.status != Status::Offered || held.first().map(|o| o.id) != Some(offer.id) {
            return Ok(false);
        }
        let now = state.now();
        let settings = state.config().region_settings(&app.state.cohort.region);
        let transition = lifecycle::apply(
            &app.state,
            &Action::CancelOffer,
            officer,
            now,
            &settings,
            Calendar::kazakhstan(),
        )?;
        let record = TransitionRecord {
            number: offer.number,
            revision: app.revision,
            transition,
            event: NewEvent {
                actor: officer.clone(),
                comment: String::new(),
                signed_xml: Some(xml.to_owned()),
            },
            now,
            settings,
            place: None,
            request: None,
            attachments: Vec::new(),
        };
        match state.store().record_transition(record, no_effects()).await {
            Ok(_) => return Ok(true),
            Err(StoreError::Conflict) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(ApiError::new(ProblemCode::Internal))
}

/// Adds a kindergarten or a group, changes a group's capacity, or closes either, with a signed
/// `<kindergarten>` document (SIGN key of the officer's department). Closing cancels the open
/// offers of its places; the children keep their place in the queue.
#[utoipa::path(post, path = "/api/v1/officer/kindergartens", tag = "officer",
    request_body = SignedDocument,
    responses((status = 200, body = KindergartenChanged), (status = 400, body = Problem),
        (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn change_kindergarten(
    State(state): State<AppState>,
    session: Session,
    headers: HeaderMap,
    Json(body): Json<SignedDocument>,
) -> ApiResult<Json<KindergartenChanged>> {
    let region = own_region(&session, None)?;
    let checked = changes::check(
        &state,
        &session,
        &headers,
        &body.signed_xml,
        Acting::Officer,
        false,
    )
    .await?;
    let officer = changes::actor_for_view(&session, &headers, Acting::Officer)?;
    // The document was checked when first sent; a replay reads it again for what it closes.
    let document = match Document::parse(&body.signed_xml)? {
        Document::Kindergarten(document) => document,
        _ => return Err(ApiError::new(ProblemCode::WrongDocument)),
    };
    let fresh = match checked {
        Checked::Replay(_) => None,
        Checked::Fresh(fresh) => Some(*fresh),
    };
    if let Some(fresh) = &fresh {
        // Another region's kindergarten is refused as another region's places are.
        if !matches!(document.change, KindergartenRequest::Create { .. }) {
            let kindergarten = state.store().kindergarten(&document.kindergarten).await?;
            if kindergarten.region != region {
                return Err(ApiError::new(ProblemCode::Forbidden));
            }
        }
        let edit = edit_of(region, &document)?;
        let change = KindergartenChange {
            region: region.to_owned(),
            kindergarten: document.kindergarten.clone(),
            edit,
            officer: session.user.iin,
            now: state.now(),
            signed_xml: Some(body.signed_xml.clone()),
            request: Some(fresh.request.clone()),
        };
        match state.store().change_kindergarten(change).await {
            Ok(Ok(_)) | Err(StoreError::Replayed(_)) => {}
            Ok(Err(refusal)) => return Err(refused(&state, refusal, &document).await),
            Err(e) => return Err(e.into()),
        }
    }
    let cancelled_offers = match closing(&document) {
        Some(closed) => cancel_offers(&state, &officer, closed, &body.signed_xml).await?,
        None => Vec::new(),
    };
    let record = state.store().kindergarten(&document.kindergarten).await?;
    if record.region != region {
        return Err(ApiError::new(ProblemCode::Forbidden));
    }
    Ok(Json(KindergartenChanged {
        kindergarten: kindergartens::info(&record, state.now()),
        cancelled_offers,
    }))
}

// --- Issue 13: directions by status (docs/domain-rules.md, «Directions by status») ---

/// The region's directions, newest first, by kindergarten, status and date of issue, paged.
#[utoipa::path(get, path = "/api/v1/officer/directions", tag = "officer", params(DirectionsQuery),
    responses((status = 200, body = DirectionsPage), (status = 400, body = Problem),
        (status = 401, body = Problem), (status = 403, body = Problem)),
    security(("bearer" = [])))]
pub async fn directions(
    State(state): State<AppState>,
    session: Session,
    Query(query): Query<DirectionsQuery>,
) -> ApiResult<Json<DirectionsPage>> {
    let region = own_region(&session, query.region.as_deref())?;
    let page = Page::of(query.cursor.as_deref(), query.page, query.per_page)?;
    if query
        .kindergarten
        .as_deref()
        .is_some_and(|code| !Text::Code.fits(code))
    {
        return Err(too_long("kindergarten", Text::Code));
    }
    if let (Some(from), Some(to)) = (query.from, query.to)
        && from > to
    {
        return Err(invalid("from"));
    }
    let filter = DirectionFilter {
        region: region.to_owned(),
        kindergarten: query.kindergarten.clone(),
        status: query.status,
        issued_from: query
            .from
            .and_then(|date| date.pred_opt())
            .map(calendar::end_of_local_day),
        issued_before: query.to.map(calendar::end_of_local_day),
        offset: page.offset(),
        limit: page.size(),
    };
    let found = state.store().directions(&filter).await?;
    let next_cursor = page.next_cursor(found.rows.len(), found.total);
    Ok(Json(DirectionsPage {
        rows: found
            .rows
            .into_iter()
            .map(|d| DirectionInfo {
                number: d.number,
                child_name: d.child_name,
                kindergarten: d.kindergarten,
                group: d.group,
                benefit_class: d.class,
                issued_at: d.issued_at,
                status: d.status,
                expires_at: d.expires_at,
                ended_at: d.ended_at,
                in_person_by: d.in_person_by,
            })
            .collect(),
        total: found.total,
        next_cursor,
    }))
}

// --- Issue 13: the benefit review queue ---

/// The region's applications whose benefit documents await review, with the category and the
/// scans; the officer accepts or rejects each with `review-benefit`.
#[utoipa::path(get, path = "/api/v1/officer/benefit-reviews", tag = "officer",
    params(BenefitReviewsQuery),
    responses((status = 200, body = BenefitReviewsPage), (status = 400, body = Problem),
        (status = 401, body = Problem), (status = 403, body = Problem)),
    security(("bearer" = [])))]
pub async fn benefit_reviews(
    State(state): State<AppState>,
    session: Session,
    Query(query): Query<BenefitReviewsQuery>,
) -> ApiResult<Json<BenefitReviewsPage>> {
    let region = own_region(&session, query.region.as_deref())?;
    let page = Page::of(query.cursor.as_deref(), query.page, query.per_page)?;
    let found = state
        .store()
        .pending_benefits(region, page.offset(), page.size())
        .await?;
    let next_cursor = page.next_cursor(found.rows.len(), found.total);
    let mut rows = Vec::with_capacity(found.rows.len());
    for app in found.rows {
        let Some(benefit) = &app.state.benefit else {
            continue;
        };
        let number = app.state.number;
        let attachments = state.store().attachments_of(number).await?;
        rows.push(BenefitReviewInfo {
            number,
            child_name: app.child_name.clone(),
            applicant_name: app.applicant_name.clone(),
            birth_year: app.state.cohort.birth_year,
            category: benefit.category.clone(),
            benefit_class: BenefitCategory::find(&benefit.category)
                .map_or(BenefitClass::None, |c| c.class),
            registered_at: app.state.registered_at,
            scans: listing(number, &[], &attachments)?,
        });
    }
    Ok(Json(BenefitReviewsPage {
        rows,
        total: found.total,
        next_cursor,
    }))
}
