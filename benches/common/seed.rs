//! The queue of one region as the benchmarks that allocate seed it (`allocation`,
//! `region_report`): included beside `common` by those that use it.

use chrono::{DateTime, Duration, Utc};
use kezek::domain::{ApplicationNumber, ApplicationState, Cohort, Iin, RegionSettings, calendar};
use kezek::server::catalogue::{Catalogue, school_year};
use kezek::server::store::{NewFreePlaces, PlacesOfGroup, SeedApplication};

use super::common::{Random, benefit, child_iin};

/// The region's queue: `queued` children spread over the birth years of its groups, registered
/// over the last two years.
pub fn queue(region: &str, queued: u32, years: &[i32]) -> Vec<SeedApplication> {
    let settings = RegionSettings::default();
    let placeholder = ApplicationNumber::new(2020, 1, 1).unwrap();
    let parent = child_iin(1990, 7).unwrap();
    let now = Utc::now();
    let mut random = Random(2026);
    let mut next = vec![0u64; years.len()];
    let mut applications = Vec::with_capacity(queued as usize);
    while applications.len() < queued as usize {
        let which = applications.len() % years.len();
        next[which] += 1;
        let Some(child) = child_iin(years[which], next[which]) else {
            continue;
        };
        let registered = now - Duration::minutes((random.next() % (2 * 365 * 24 * 60)) as i64);
        let cohort = Cohort {
            region: region.into(),
            birth_year: years[which],
        };
        let state = ApplicationState::registered(
            placeholder,
            cohort,
            benefit(&mut random),
            registered,
            &settings,
        );
        applications.push(SeedApplication {
            state,
            child_iin: child,
            child_name: format!("Бала {}", applications.len()),
            applicant_iin: parent,
            applicant_name: "Ата-ана".into(),
        });
    }
    applications
}

/// The region's kindergarten groups (kindergarten and group codes) and the birth years they
/// take this school year, oldest first.
pub fn groups_and_years(region: &str, now: DateTime<Utc>) -> (Vec<(String, String)>, Vec<i32>) {
    let catalogue = Catalogue::bundled();
    let year = school_year(calendar::local_date(now));
    let groups: Vec<(String, String)> = catalogue
        .kindergartens_in(region)
        .flat_map(|kg| kg.groups.iter().map(|g| (kg.code.clone(), g.code())))
        .collect();
    let mut years: Vec<i32> = catalogue
        .age_groups
        .iter()
        .flat_map(|age| age.birth_years(year))
        .collect();
    years.sort_unstable();
    years.dedup();
    (groups, years)
}

/// `places` free places shared out over every group of the region, as one signed document
/// would publish them.
pub fn places(
    region: &str,
    groups: &[(String, String)],
    places: u32,
    officer: Iin,
    now: DateTime<Utc>,
) -> NewFreePlaces {
    let count = groups.len() as u32;
    let shares = groups
        .iter()
        .enumerate()
        .map(|(index, (kindergarten, group))| PlacesOfGroup {
            kindergarten: kindergarten.clone(),
            group: group.clone(),
            places: places / count + u32::from((index as u32) < places % count),
        })
        .collect();
    NewFreePlaces {
        region: region.into(),
        groups: shares,
        officer,
        now,
        signed_xml: None,
        request: None,
    }
}
