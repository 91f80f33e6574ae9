//! The catalogue the queue is organised by: regions (oblasts and cities of republican
//! significance), their districts and settlements, and the kindergartens with their groups.
//!
//! The bundled data is `data/catalogue.toml`; [`Catalogue::parse`] checks that every code is
//! unique and every reference resolves, so the store can seed from it and handlers can trust it.

use std::collections::{HashMap, HashSet};
use std::ops::RangeInclusive;
use std::sync::OnceLock;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::i18n::Lang;

const BUNDLED: &str = include_str!("../../data/catalogue.toml");

/// A name written in each of the three languages Kezek speaks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LocalizedName {
    pub kk: String,
    pub ru: String,
    pub en: String,
}

impl LocalizedName {
    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::Kk => &self.kk,
            Lang::Ru => &self.ru,
            Lang::En => &self.en,
        }
    }

    fn has_blank(&self) -> bool {
        Lang::ALL
            .iter()
            .any(|&lang| self.get(lang).trim().is_empty())
    }
}

/// Whether a region is an oblast or a city of republican significance (Астана, Алматы, Шымкент).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RegionKind {
    City,
    Oblast,
}

/// A region has its own education department and its own queue (docs/domain-rules.md, «Regions»).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Region {
    pub code: String,
    pub kind: RegionKind,
    pub name: LocalizedName,
    /// The «управление образования» whose officers run this region's queue; documents name it.
    pub education_department: LocalizedName,
    pub districts: Vec<District>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct District {
    pub code: String,
    pub name: LocalizedName,
    pub settlements: Vec<Settlement>,
}

/// The place a user picks first («Выберите из списка Ваш населенный пункт»).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settlement {
    pub code: String,
    pub name: LocalizedName,
}

/// An age group such as «Младшая группа», with the ages (full years) it takes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgeGroup {
    pub code: String,
    pub min_age: u8,
    pub max_age: u8,
    pub name: LocalizedName,
}

impl AgeGroup {
    /// The birth years a group of this age takes in the school year that starts on 1 September
    /// of `school_year`: the children who turn `min_age` to `max_age` in that calendar year.
    pub fn birth_years(&self, school_year: i32) -> RangeInclusive<i32> {
        school_year - i32::from(self.max_age)..=school_year - i32::from(self.min_age)
    }
}

/// The year whose 1 September starts the school year `date` falls in.
pub fn school_year(date: NaiveDate) -> i32 {
    if date.month() >= 9 {
        date.year()
    } else {
        date.year() - 1
    }
}

/// The language a group is taught in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum InstructionLanguage {
    Kk,
    Ru,
}

impl InstructionLanguage {
    pub fn code(self) -> &'static str {
        match self {
            InstructionLanguage::Kk => "kk",
            InstructionLanguage::Ru => "ru",
        }
    }

    /// «казахский» / «қазақ тілі» / «Kazakh» in the current language.
    pub fn translated(self) -> String {
        match self {
            InstructionLanguage::Kk => rust_i18n::t!("catalogue.language.kk").into_owned(),
            InstructionLanguage::Ru => rust_i18n::t!("catalogue.language.ru").into_owned(),
        }
    }
}

/// One group of a kindergarten: its age group, language and number of places.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Group {
    /// The code of an [`AgeGroup`].
    pub age: String,
    pub language: InstructionLanguage,
    pub capacity: u32,
}

impl Group {
    /// The group's code inside its kindergarten, e.g. `junior-kk`; stable as long as the data is.
    pub fn code(&self) -> String {
        format!("{}-{}", self.age, self.language.code())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Kindergarten {
    pub code: String,
    /// The code of the [`Settlement`] it stands in; its region follows from that.
    pub settlement: String,
    pub name: LocalizedName,
    pub address: LocalizedName,
    pub groups: Vec<Group>,
}

impl Kindergarten {
    pub fn group(&self, code: &str) -> Option<&Group> {
        self.groups.iter().find(|group| group.code() == code)
    }
}

/// Where a settlement sits: its region and district.
#[derive(Debug, Clone, Copy)]
pub struct Place<'a> {
    pub region: &'a Region,
    pub district: &'a District,
    pub settlement: &'a Settlement,
}

/// What is wrong with a catalogue file. The bundled one is checked by the tests, so these reach
/// a user only through an operator's own catalogue.
#[derive(Debug, thiserror::Error)]
pub enum CatalogueError {
    #[error("the catalogue is not valid TOML: {0}")]
    Syntax(#[from] toml::de::Error),
    #[error("the code {0} is used twice")]
    DuplicateCode(String),
    #[error("{0} has a name missing in one of the languages")]
    BlankName(String),
    #[error("kindergarten {kindergarten} names an unknown settlement {settlement}")]
    UnknownSettlement {
        kindergarten: String,
        settlement: String,
    },
    #[error("kindergarten {kindergarten} names an unknown age group {age}")]
    UnknownAgeGroup { kindergarten: String, age: String },
    #[error("kindergarten {kindergarten} has no groups or a group without places")]
    NoPlaces { kindergarten: String },
    #[error("age group {0} ends before it starts")]
    AgeRange(String),
}

impl CatalogueError {
    /// The message in the current language.
    pub fn translated(&self) -> String {
        use rust_i18n::t;
        match self {
            CatalogueError::Syntax(error) => {
                t!("catalogue.error.syntax", reason = error.message()).into_owned()
            }
            CatalogueError::DuplicateCode(code) => {
                t!("catalogue.error.duplicate_code", code = code).into_owned()
            }
            CatalogueError::BlankName(code) => {
                t!("catalogue.error.blank_name", code = code).into_owned()
            }
            CatalogueError::UnknownSettlement {
                kindergarten,
                settlement,
            } => t!(
                "catalogue.error.unknown_settlement",
                kindergarten = kindergarten,
                settlement = settlement
            )
            .into_owned(),
            CatalogueError::UnknownAgeGroup { kindergarten, age } => t!(
                "catalogue.error.unknown_age_group",
                kindergarten = kindergarten,
                age = age
            )
            .into_owned(),
            CatalogueError::NoPlaces { kindergarten } => {
                t!("catalogue.error.no_places", kindergarten = kindergarten).into_owned()
            }
            CatalogueError::AgeRange(code) => {
                t!("catalogue.error.age_range", code = code).into_owned()
            }
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CatalogueFile {
    age_groups: Vec<AgeGroup>,
    regions: Vec<Region>,
    kindergartens: Vec<Kindergarten>,
}

/// The whole catalogue, checked, with an index from settlement codes to their place.
#[derive(Debug, Clone)]
pub struct Catalogue {
    pub age_groups: Vec<AgeGroup>,
    pub regions: Vec<Region>,
    pub kindergartens: Vec<Kindergarten>,
    /// Settlement code → (region index, district index, settlement index).
    settlements: HashMap<String, (usize, usize, usize)>,
}

impl Catalogue {
    /// The catalogue shipped in `data/catalogue.toml`.
    pub fn bundled() -> &'static Catalogue {
        static BUNDLED_CATALOGUE: OnceLock<Catalogue> = OnceLock::new();
        BUNDLED_CATALOGUE.get_or_init(|| {
            Catalogue::parse(BUNDLED).expect("data/catalogue.toml is checked by the tests")
        })
    }

    /// Reads a catalogue and checks it: unique codes, names in every language, known settlements
    /// and age groups, places in every kindergarten.
    pub fn parse(text: &str) -> Result<Catalogue, CatalogueError> {
        let file: CatalogueFile = toml::from_str(text)?;
        let mut codes = UniqueCodes::default();

        for age in &file.age_groups {
            codes.claim("age", &age.code, &age.name)?;
            if age.min_age > age.max_age {
                return Err(CatalogueError::AgeRange(age.code.clone()));
            }
        }
        let mut settlements = HashMap::new();
        for (r, region) in file.regions.iter().enumerate() {
            codes.claim("region", &region.code, &region.name)?;
            if region.education_department.has_blank() {
                return Err(CatalogueError::BlankName(region.code.clone()));
            }
            for (d, district) in region.districts.iter().enumerate() {
                codes.claim("district", &district.code, &district.name)?;
                for (s, settlement) in district.settlements.iter().enumerate() {
                    codes.claim("settlement", &settlement.code, &settlement.name)?;
                    settlements.insert(settlement.code.clone(), (r, d, s));
                }
            }
        }
        for kindergarten in &file.kindergartens {
            codes.claim("kindergarten", &kindergarten.code, &kindergarten.name)?;
            if kindergarten.address.has_blank() {
                return Err(CatalogueError::BlankName(kindergarten.code.clone()));
            }
            if !settlements.contains_key(&kindergarten.settlement) {
                return Err(CatalogueError::UnknownSettlement {
                    kindergarten: kindergarten.code.clone(),
                    settlement: kindergarten.settlement.clone(),
                });
            }
            if kindergarten.groups.is_empty() || kindergarten.groups.iter().any(|g| g.capacity == 0)
            {
                return Err(CatalogueError::NoPlaces {
                    kindergarten: kindergarten.code.clone(),
                });
            }
            let mut groups = HashSet::new();
            for group in &kindergarten.groups {
                if !file.age_groups.iter().any(|age| age.code == group.age) {
                    return Err(CatalogueError::UnknownAgeGroup {
                        kindergarten: kindergarten.code.clone(),
                        age: group.age.clone(),
                    });
                }
                if !groups.insert(group.code()) {
                    return Err(CatalogueError::DuplicateCode(format!(
                        "{}/{}",
                        kindergarten.code,
                        group.code()
                    )));
                }
            }
        }

        Ok(Catalogue {
            age_groups: file.age_groups,
            regions: file.regions,
            kindergartens: file.kindergartens,
            settlements,
        })
    }

    pub fn region(&self, code: &str) -> Option<&Region> {
        self.regions.iter().find(|region| region.code == code)
    }

    /// The region, district and settlement of a settlement code.
    pub fn place(&self, settlement: &str) -> Option<Place<'_>> {
        let &(r, d, s) = self.settlements.get(settlement)?;
        let region = &self.regions[r];
        let district = &region.districts[d];
        Some(Place {
            region,
            district,
            settlement: &district.settlements[s],
        })
    }

    pub fn kindergarten(&self, code: &str) -> Option<&Kindergarten> {
        self.kindergartens.iter().find(|kg| kg.code == code)
    }

    /// The region a kindergarten belongs to.
    pub fn region_of(&self, kindergarten: &Kindergarten) -> Option<&Region> {
        self.place(&kindergarten.settlement)
            .map(|place| place.region)
    }

    /// The kindergartens of one region, in catalogue order (what `?region=` lists).
    pub fn kindergartens_in<'a>(
        &'a self,
        region: &'a str,
    ) -> impl Iterator<Item = &'a Kindergarten> + 'a {
        self.kindergartens.iter().filter(move |kg| {
            self.place(&kg.settlement)
                .is_some_and(|place| place.region.code == region)
        })
    }

    pub fn age_group(&self, code: &str) -> Option<&AgeGroup> {
        self.age_groups.iter().find(|age| age.code == code)
    }
}

/// Codes are unique within their kind (a city's one settlement may share its district's code);
/// names must exist in all three languages.
#[derive(Default)]
struct UniqueCodes(HashSet<(&'static str, String)>);

impl UniqueCodes {
    fn claim(
        &mut self,
        kind: &'static str,
        code: &str,
        name: &LocalizedName,
    ) -> Result<(), CatalogueError> {
        if name.has_blank() {
            return Err(CatalogueError::BlankName(code.to_owned()));
        }
        if !self.0.insert((kind, code.to_owned())) {
            return Err(CatalogueError::DuplicateCode(code.to_owned()));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_catalogue_has_every_region_of_kazakhstan() {
        let catalogue = Catalogue::parse(BUNDLED).unwrap();
        let cities: Vec<_> = catalogue
            .regions
            .iter()
            .filter(|r| r.kind == RegionKind::City)
            .map(|r| r.name.ru.as_str())
            .collect();
        assert_eq!(cities, ["Астана", "Алматы", "Шымкент"]);
        let oblasts = catalogue
            .regions
            .iter()
            .filter(|r| r.kind == RegionKind::Oblast)
            .count();
        assert_eq!(oblasts, 17);
        for region in &catalogue.regions {
            assert!(
                region.districts.len() >= 3,
                "{} has few districts",
                region.code
            );
            assert!(
                catalogue.kindergartens_in(&region.code).count() >= 2,
                "{} has few kindergartens",
                region.code
            );
        }
        assert!((45..=60).contains(&catalogue.kindergartens.len()));
    }

    #[test]
    fn settlements_resolve_to_their_region_and_district() {
        let catalogue = Catalogue::bundled();
        let place = catalogue.place("akmola-shchuchinsk").unwrap();
        assert_eq!(place.region.code, "akmola");
        assert_eq!(place.district.name.kk, "Бурабай ауданы");
        assert_eq!(place.settlement.name.get(Lang::Ru), "Щучинск");
        assert!(catalogue.place("atlantis").is_none());
    }

    #[test]
    fn a_group_takes_the_birth_years_of_its_ages_in_the_school_year() {
        let catalogue = Catalogue::bundled();
        let junior = catalogue.age_group("junior").unwrap();
        let december = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        let may = NaiveDate::from_ymd_opt(2027, 5, 31).unwrap();
        assert_eq!(school_year(december), 2026);
        assert_eq!(school_year(may), 2026);
        assert_eq!(junior.birth_years(2026), 2023..=2024);
    }

    #[test]
    fn kindergartens_have_groups_addressable_by_code() {
        let catalogue = Catalogue::bundled();
        let kg = catalogue.kindergarten("astana-balapan-45").unwrap();
        assert_eq!(catalogue.region_of(kg).unwrap().code, "astana");
        let group = kg.group("junior-kk").unwrap();
        assert_eq!(
            catalogue.age_group(&group.age).unwrap().name.ru,
            "Младшая группа"
        );
        assert!(kg.group("junior-en").is_none());
    }

    const MINIMAL: &str = r#"
        [[age_groups]]
        code = "junior"
        min_age = 2
        max_age = 3
        name = { kk = "Кіші топ", ru = "Младшая группа", en = "Junior group" }

        [[regions]]
        code = "r"
        kind = "city"
        name = { kk = "Р", ru = "Р", en = "R" }
        education_department = { kk = "Б", ru = "У", en = "D" }

        [[regions.districts]]
        code = "d"
        name = { kk = "А", ru = "Р", en = "D" }
        settlements = [{ code = "s", name = { kk = "С", ru = "С", en = "S" } }]

        [[kindergartens]]
        code = "k"
        settlement = "s"
        name = { kk = "Б", ru = "Д", en = "K" }
        address = { kk = "А", ru = "А", en = "A" }
        groups = [{ age = "junior", language = "kk", capacity = 20 }]
    "#;

    #[test]
    fn a_minimal_catalogue_parses() {
        let catalogue = Catalogue::parse(MINIMAL).unwrap();
        assert_eq!(catalogue.kindergartens_in("r").count(), 1);
    }

    #[test]
    fn broken_references_and_duplicates_are_refused() {
        let cases = [
            (
                MINIMAL.replace("settlement = \"s\"", "settlement = \"x\""),
                "unknown settlement",
            ),
            (
                MINIMAL.replace("age = \"junior\"", "age = \"toddler\""),
                "unknown age group",
            ),
            (
                MINIMAL.replace("capacity = 20", "capacity = 0"),
                "no groups",
            ),
            (
                MINIMAL.replace("en = \"Junior group\"", "en = \" \""),
                "missing in one of the languages",
            ),
            (MINIMAL.replace("max_age = 3", "max_age = 1"), "ends before"),
            (
                MINIMAL.replace("kind = \"city\"", "kind = \"village\""),
                "TOML",
            ),
        ];
        for (text, expected) in cases {
            let error = Catalogue::parse(&text).expect_err(expected);
            assert!(
                error.to_string().contains(expected),
                "{error} should mention {expected}"
            );
        }
        let twice = format!(
            "{MINIMAL}\n[[kindergartens]]\ncode = \"k\"\nsettlement = \"s\"\nname = {{ kk = \"Б\", ru = \"Д\", en = \"K\" }}\naddress = {{ kk = \"А\", ru = \"А\", en = \"A\" }}\ngroups = [{{ age = \"junior\", language = \"ru\", capacity = 20 }}]\n"
        );
        assert!(matches!(
            Catalogue::parse(&twice),
            Err(CatalogueError::DuplicateCode(code)) if code == "k"
        ));
        // Codes are unique per kind: a district may share its only settlement's code.
        let shared = MINIMAL
            .replace("code = \"s\"", "code = \"d\"")
            .replace("settlement = \"s\"", "settlement = \"d\"");
        assert!(Catalogue::parse(&shared).is_ok());
    }

    #[test]
    fn every_error_has_a_translated_message() {
        let error = Catalogue::parse(&MINIMAL.replace("settlement = \"s\"", "settlement = \"x\""))
            .unwrap_err();
        let text = error.translated();
        assert!(text.contains('x') && text.contains('k'), "{text}");
    }
}
