//! The population registry: the demo key holders with their real IINs and kinship, and the
//! synthetic families used for demo applications.

use std::collections::HashSet;

use chrono::{Months, NaiveDate};
use kezek::domain::Iin;
use kezek::domain::iin::Sex;
use kezek::server::registry::synthetic::FamilyGenerator;
use kezek::server::registry::{DemoRegistry, Kinship, KinshipLink, PopulationRegistry};

fn iin(text: &str) -> Iin {
    Iin::parse(text).unwrap()
}

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 30).unwrap()
}

#[tokio::test]
async fn key_holders_are_found_by_their_iin() {
    let registry = DemoRegistry::key_holders().unwrap();
    let aigerim = registry.person(iin("900514440216")).await.unwrap().unwrap();
    assert_eq!(aigerim.full_name(), "Серикова Айгерим Нурлановна");
    assert_eq!(
        aigerim.birth_date(),
        NaiveDate::from_ymd_opt(1990, 5, 14).unwrap()
    );
    assert_eq!(aigerim.sex(), Sex::Female);
    let dauren = registry.person(iin("920721328903")).await.unwrap().unwrap();
    assert_eq!(dauren.full_name(), "Жұмабаев Дәурен Асхатұлы");
    assert!(
        registry
            .person(iin("000101500001"))
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn kinship_of_the_demo_families() {
    let registry = DemoRegistry::key_holders().unwrap();
    let aruzhan = iin("220315612150");
    let alikhan = iin("210910511871");
    let aigerim = iin("900514440216");
    let nurlan = iin("881102335170");
    let dauren = iin("920721328903");
    let saule = iin("951203463088");

    let parents: Vec<Iin> = registry
        .parents_of(aruzhan)
        .await
        .unwrap()
        .iter()
        .map(|p| p.iin)
        .collect();
    assert_eq!(parents, [nurlan, aigerim]);
    assert!(
        registry
            .is_parent_or_guardian(aigerim, aruzhan)
            .await
            .unwrap()
    );
    assert!(
        registry
            .is_parent_or_guardian(nurlan, aruzhan)
            .await
            .unwrap()
    );
    assert!(
        registry
            .is_parent_or_guardian(dauren, alikhan)
            .await
            .unwrap()
    );
    // Kinship is not symmetric, and strangers are strangers.
    assert!(
        !registry
            .is_parent_or_guardian(aruzhan, aigerim)
            .await
            .unwrap()
    );
    assert!(
        !registry
            .is_parent_or_guardian(saule, aruzhan)
            .await
            .unwrap()
    );
    assert!(
        !registry
            .is_parent_or_guardian(dauren, aruzhan)
            .await
            .unwrap()
    );

    let children = registry.children_of(dauren).await.unwrap();
    assert_eq!(children.len(), 1);
    assert_eq!(children[0].full_name(), "Жұмабаев Әлихан Дәуренұлы");
    assert!(registry.children_of(saule).await.unwrap().is_empty());
}

#[test]
fn people_json_must_agree_with_the_iins() {
    let wrong_sex = r#"{"people": [{"iin": "900514440216", "surname": "С", "name": "А",
        "patronymic": null, "birth_date": "1990-05-14", "sex": "M"}], "kinship": []}"#;
    assert!(DemoRegistry::from_people_json(wrong_sex).is_err());
    let unknown_parent = r#"{"people": [{"iin": "900514440216", "surname": "С", "name": "А",
        "patronymic": null, "birth_date": "1990-05-14", "sex": "F"}],
        "kinship": [{"child_iin": "900514440216", "parent_iins": ["881102335170"]}]}"#;
    assert!(DemoRegistry::from_people_json(unknown_parent).is_err());
}

#[test]
fn synthetic_families_are_deterministic() {
    let first: Vec<_> = FamilyGenerator::new(7, today(), []).take(50).collect();
    let again: Vec<_> = FamilyGenerator::new(7, today(), []).take(50).collect();
    let other: Vec<_> = FamilyGenerator::new(8, today(), []).take(50).collect();
    let iins = |families: &[kezek::server::registry::synthetic::Family]| -> Vec<Iin> {
        families
            .iter()
            .flat_map(|f| f.adults.iter().chain(&f.children))
            .map(|p| p.iin)
            .collect()
    };
    assert_eq!(iins(&first), iins(&again));
    assert_ne!(iins(&first), iins(&other));
}

#[test]
fn synthetic_people_have_valid_unique_iins_and_young_children() {
    let taken = DemoRegistry::key_holders().unwrap();
    let taken: HashSet<Iin> = taken.people().map(|p| p.iin).collect();
    let seven_years_ago = today().checked_sub_months(Months::new(12 * 7)).unwrap();
    let mut seen = HashSet::new();
    let mut kazakh_letters = false;
    let mut guardians = 0;
    for family in FamilyGenerator::new(1, today(), taken.iter().copied()).take(2000) {
        assert!(!family.adults.is_empty() && !family.children.is_empty());
        if family.kinship == Kinship::Guardian {
            guardians += 1;
        }
        for child in &family.children {
            assert!(
                child.birth_date() > seven_years_ago,
                "{child:?} is not under 7"
            );
            assert!(child.birth_date() < today());
        }
        for adult in &family.adults {
            let eldest = family
                .children
                .iter()
                .map(|c| c.birth_date())
                .min()
                .unwrap();
            assert!(
                adult.birth_date() < eldest,
                "{adult:?} is younger than their child"
            );
        }
        for person in family.adults.iter().chain(&family.children) {
            // Iin::parse re-checks century, date and check digit of what the generator built.
            assert_eq!(Iin::parse(&person.iin.to_string()).unwrap(), person.iin);
            assert!(
                !taken.contains(&person.iin),
                "{} was already taken",
                person.iin
            );
            assert!(seen.insert(person.iin), "{} generated twice", person.iin);
            let surname_matches_sex = match person.sex() {
                Sex::Female => person.surname.ends_with('а'),
                Sex::Male => !person.surname.ends_with('а'),
            };
            assert!(surname_matches_sex, "{person:?}");
            kazakh_letters |= person
                .full_name()
                .chars()
                .any(|c| "әғқңөұүһіӘҒҚҢӨҰҮҺІ".contains(c));
        }
        assert!(
            family.phone.starts_with("+7 7") && family.phone.len() == 16,
            "{}",
            family.phone
        );
        assert!(family.email.contains(&family.applicant().iin.to_string()));
    }
    assert!(kazakh_letters);
    assert!(
        (20..300).contains(&guardians),
        "{guardians} guardian families of 2000"
    );
}

#[tokio::test]
async fn synthetic_families_join_the_registry_with_their_kinship() {
    let registry = DemoRegistry::with_synthetic_families(100, 3, today()).unwrap();
    let family = FamilyGenerator::new(
        3,
        today(),
        DemoRegistry::key_holders().unwrap().people().map(|p| p.iin),
    )
    .next()
    .unwrap();
    let child = &family.children[0];
    assert_eq!(
        registry.person(child.iin).await.unwrap().as_ref(),
        Some(child)
    );
    for adult in &family.adults {
        assert!(
            registry
                .is_parent_or_guardian(adult.iin, child.iin)
                .await
                .unwrap()
        );
        let link = KinshipLink {
            child: child.iin,
            adult: adult.iin,
            kinship: family.kinship,
        };
        assert!(registry.kinship().contains(&link));
    }
    // The key holders are still there.
    assert!(
        registry
            .person(iin("220315612150"))
            .await
            .unwrap()
            .is_some()
    );
}
