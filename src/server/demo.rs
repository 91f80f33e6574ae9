//! The demo's data: synthetic families in the population registry and, once per database,
//! applications for their children, seeded through the [`Store`] trait (whichever
//! implementation holds them).

use chrono::{DateTime, Datelike, Months, TimeDelta, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::ServerError;
use crate::api::auth::RoleKind;
use crate::domain::state::interest_deadline;
use crate::domain::{
    ApplicationNumber, ApplicationState, Benefit, BenefitCategory, BenefitReview, Calendar, Cohort,
    Direction, RegionSettings, Removal, RemovalReason, Status,
};
use crate::server::catalogue::Catalogue;
use crate::server::config::Config;
use crate::server::registry::DemoRegistry;
use crate::server::registry::synthetic::{DemoChild, Family, FamilyGenerator};
use crate::server::store::{SeedApplication, Store};

/// The seed of the demo's synthetic families and applications.
const DEMO_SEED: u64 = 2024;

/// Families the demo registry holds beyond those whose children get the seeded applications:
/// parents who have not applied yet, for a ЦОН operator to serve (`kezek loadgen`, the API
/// tests). As many as were seeded, and at least this many.
const DEMO_FAMILIES_NOT_APPLIED: usize = 1_000;

/// The demo registry (the key holders plus synthetic families), its synthetic children and,
/// once per database, the applications of the first families' children. The families are
/// generated for the first day of the year, so a restart later in the year finds the same
/// children the database was seeded with.
pub async fn seed(
    store: &dyn Store,
    config: &Config,
    applications: u32,
) -> Result<(DemoRegistry, Vec<DemoChild>), ServerError> {
    let now = Utc::now();
    let reference_day = now.date_naive().with_ordinal(1).unwrap_or(now.date_naive());
    let mut registry =
        DemoRegistry::key_holders().map_err(|e| ServerError::Store(e.to_string()))?;
    let key_holders: Vec<_> = registry.people().map(|person| person.iin).collect();
    let seeded = applications as usize;
    let families: Vec<Family> = FamilyGenerator::new(DEMO_SEED, reference_day, key_holders)
        .take(seeded + seeded.max(DEMO_FAMILIES_NOT_APPLIED))
        .collect();
    // Each region's rules as configured; a third of the applications in the region of the
    // configured officer, so that the demo officer has a journal to work with.
    let settings = |region: &str| config.region_settings(region);
    let home_region = config
        .roles
        .iter()
        .find(|role| role.role == RoleKind::Officer)
        .and_then(|role| role.region.as_deref());
    let seeds = demo_applications(
        &families,
        Catalogue::bundled(),
        seeded,
        DEMO_SEED,
        now,
        &settings,
        home_region,
    );
    store
        .seed_applications("demo", seeds, &settings, now)
        .await
        .map_err(|e| ServerError::Store(e.to_string()))?;
    let children = families.iter().flat_map(Family::demo_children).collect();
    for family in families {
        registry.add_family(family);
    }
    Ok((registry, children))
}

/// Demo applications for the children of `families` (the registry's synthetic families), at most
/// `count`, spread over the catalogue's regions (a third in `home_region`, the demo officer's,
/// when given), the children's birth years, both benefit classes (confirmed or awaiting review)
/// and the statuses a real city's journal shows: mostly «В очереди», some directions issued,
/// enrolled and withdrawn. Each region's `settings` apply: a child is registered before the age
/// limit, directions are valid as long as the region says. Deterministic for the same input.
pub fn demo_applications<'a>(
    families: impl IntoIterator<Item = &'a Family>,
    catalogue: &Catalogue,
    count: usize,
    seed: u64,
    now: DateTime<Utc>,
    settings: &dyn Fn(&str) -> RegionSettings,
    home_region: Option<&str>,
) -> Vec<SeedApplication> {
    let mut rng = StdRng::seed_from_u64(seed);
    let placeholder = ApplicationNumber::new(now.year(), 1, 1).expect("a valid number");
    let categories = BenefitCategory::catalogue();
    let mut out = Vec::with_capacity(count);
    for family in families {
        for child in &family.children {
            if out.len() == count || catalogue.regions.is_empty() {
                return out;
            }
            let home = home_region
                .filter(|_| rng.random_range(0..3) == 0)
                .and_then(|code| catalogue.region(code));
            let region = match home {
                Some(region) => region,
                None => &catalogue.regions[rng.random_range(0..catalogue.regions.len())],
            };
            let settings = settings(&region.code);
            // Registered some time between the child's birth and now, while under the age limit.
            let born = child
                .birth_date()
                .and_hms_opt(9, 0, 0)
                .map_or(now, |t| t.and_utc());
            let too_old = child
                .birth_date()
                .checked_add_months(Months::new(12 * settings.age_limit_years))
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .map_or(now, |t| t.and_utc());
            if too_old <= born {
                continue;
            }
            let span = (now.min(too_old) - born).num_minutes().max(1);
            let registered = born + TimeDelta::minutes(rng.random_range(0..span));
            let benefit = (rng.random_range(0..100) < 15 && !categories.is_empty()).then(|| {
                let category = &categories[rng.random_range(0..categories.len())];
                let mut benefit = Benefit::claimed(category);
                if rng.random_bool(0.7) {
                    benefit.review = BenefitReview::Confirmed;
                }
                benefit
            });
            let cohort = Cohort {
                region: region.code.clone(),
                birth_year: child.birth_date().year(),
            };
            let mut state =
                ApplicationState::registered(placeholder, cohort, benefit, registered, &settings);
            // In a real city the children still queued from earlier years had their interest
            // confirmed each year (the others were removed back then): the last confirmation
            // some time within the past period, so the first scheduler tick sends reminders
            // rather than removing a crowd at once.
            if state.interest_due <= now {
                let period = (state.interest_due - registered).num_minutes().max(1);
                let confirmed = now - TimeDelta::minutes(rng.random_range(0..period));
                state.interest_due = interest_deadline(confirmed.max(registered), &settings);
            }
            let kindergarten = catalogue.kindergartens_in(&region.code).next();
            match (rng.random_range(0..100), kindergarten) {
                (0..=4, _) => {
                    state.status = Status::Enrolled;
                    state.last_change_at = now;
                }
                (5..=9, _) => {
                    state.status = Status::Removed;
                    state.removal = Some(Removal {
                        reason: RemovalReason::Withdrawn,
                        comment: None,
                    });
                    state.last_change_at = now;
                }
                (10..=12, Some(kindergarten)) => {
                    state.status = Status::DirectionIssued;
                    state.direction = Some(Direction {
                        kindergarten: kindergarten.code.clone(),
                        issued_at: now,
                        expires_at: Calendar::kazakhstan()
                            .deadline(now, settings.direction_valid_working_days),
                        extension: None,
                        in_person_by: None,
                        remind_at: None,
                    });
                    state.last_change_at = now;
                }
                _ => {}
            }
            out.push(SeedApplication {
                state,
                child_iin: child.iin,
                child_name: child.full_name(),
                applicant_iin: family.applicant().iin,
                applicant_name: family.applicant().full_name(),
            });
        }
    }
    out
}
