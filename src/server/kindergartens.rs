//! Kindergartens and groups as data the region's officers manage (docs/domain-rules.md,
//! «Kindergartens and groups»): the bundled catalogue seeds the store at start, officers add
//! kindergartens and groups, change a group's capacity and close either with signed documents;
//! closing cancels the open offers of its places, and the children keep their place in the
//! queue.

use chrono::{DateTime, Utc};

use crate::api::catalogue::LocalizedName;
use crate::api::officer::{GroupInfo, KindergartenInfo, group_id};
use crate::domain::calendar;
use crate::server::catalogue::{self, Catalogue};
use crate::server::store::{
    GroupRecord, KindergartenRecord, Names, NewGroup, NewKindergarten, Store, StoreResult,
};

/// The bundled catalogue's kindergartens with their groups, as the store seeds them.
pub fn bundled() -> Vec<NewKindergarten> {
    let catalogue = Catalogue::bundled();
    catalogue
        .kindergartens
        .iter()
        .filter_map(|kindergarten| {
            let region = catalogue.region_of(kindergarten)?;
            Some(NewKindergarten {
                code: kindergarten.code.clone(),
                region: region.code.clone(),
                settlement: kindergarten.settlement.clone(),
                name: names(&kindergarten.name),
                address: names(&kindergarten.address),
                groups: kindergarten
                    .groups
                    .iter()
                    .map(|group| NewGroup {
                        age: group.age.clone(),
                        language: group.language.code().to_owned(),
                        capacity: group.capacity,
                    })
                    .collect(),
            })
        })
        .collect()
}

/// Seeds the store with the bundled catalogue; what officers changed stays as it is.
pub async fn seed(store: &dyn Store, now: DateTime<Utc>) -> StoreResult<()> {
    store.seed_kindergartens(&bundled(), now).await
}

fn names(name: &catalogue::LocalizedName) -> Names {
    Names {
        kk: name.kk.clone(),
        ru: name.ru.clone(),
        en: name.en.clone(),
    }
}

fn wire(names: &Names) -> LocalizedName {
    LocalizedName {
        kk: names.kk.clone(),
        ru: names.ru.clone(),
        en: names.en.clone(),
    }
}

/// The store's names of what an officer typed.
pub fn stored(name: &LocalizedName) -> Names {
    Names {
        kk: name.kk.trim().to_owned(),
        ru: name.ru.trim().to_owned(),
        en: name.en.trim().to_owned(),
    }
}

/// The age group of a group's code («<age>-<language>»): the allocation needs it for places of
/// kindergartens officers added as much as for the bundled ones.
pub fn age_of_group(code: &str) -> Option<&'static catalogue::AgeGroup> {
    let (age, _language) = code.rsplit_once('-')?;
    Catalogue::bundled().age_group(age)
}

fn group_info(kindergarten: &str, group: &GroupRecord, school_year: i32) -> GroupInfo {
    let age = Catalogue::bundled().age_group(&group.age);
    let years = age.map_or(0..=0, |age| age.birth_years(school_year));
    GroupInfo {
        code: group.code.clone(),
        id: group_id(kindergarten, &group.code),
        age_group: group.age.clone(),
        age_name: age.map_or_else(
            || LocalizedName {
                kk: group.age.clone(),
                ru: group.age.clone(),
                en: group.age.clone(),
            },
            |age| LocalizedName {
                kk: age.name.kk.clone(),
                ru: age.name.ru.clone(),
                en: age.name.en.clone(),
            },
        ),
        birth_years: [*years.start(), *years.end()],
        language: group.language.clone(),
        capacity: group.capacity,
        enrolled: group.enrolled,
        offered: group.offered,
        published: group.published,
        free: if group.closed_at.is_some() {
            0
        } else {
            group
                .capacity
                .saturating_sub(group.enrolled + group.offered)
        },
        closed_at: group.closed_at,
    }
}

/// The wire form of a stored kindergarten at `now` (the school year sets the birth years).
pub fn info(record: &KindergartenRecord, now: DateTime<Utc>) -> KindergartenInfo {
    let year = catalogue::school_year(calendar::local_date(now));
    KindergartenInfo {
        code: record.code.clone(),
        region: record.region.clone(),
        settlement: record.settlement.clone(),
        name: wire(&record.name),
        address: wire(&record.address),
        closed_at: record.closed_at,
        groups: record
            .groups
            .iter()
            .map(|group| group_info(&record.code, group, year))
            .collect(),
    }
}

/// Whether the kindergarten's code, name or address contains `search` (any language, letter
/// case ignored).
pub fn matches(record: &KindergartenRecord, search: &str) -> bool {
    let search = search.trim().to_lowercase();
    if search.is_empty() {
        return true;
    }
    let names = [&record.name, &record.address];
    std::iter::once(record.code.as_str())
        .chain(
            names
                .iter()
                .flat_map(|n| [n.kk.as_str(), n.ru.as_str(), n.en.as_str()]),
        )
        .any(|text| text.to_lowercase().contains(&search))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bundled_kindergarten_is_seeded_with_its_groups() {
        let seed = bundled();
        let catalogue = Catalogue::bundled();
        assert_eq!(seed.len(), catalogue.kindergartens.len());
        for (new, kindergarten) in seed.iter().zip(&catalogue.kindergartens) {
            let codes: Vec<String> = new.groups.iter().map(NewGroup::code).collect();
            let bundled: Vec<String> = kindergarten.groups.iter().map(|g| g.code()).collect();
            assert_eq!(codes, bundled);
            for code in &codes {
                assert!(age_of_group(code).is_some(), "{code}");
            }
        }
        assert!(age_of_group("junior").is_none());
        assert!(age_of_group("nobody-kk").is_none());
    }
}
