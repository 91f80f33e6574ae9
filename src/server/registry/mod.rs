//! The population registry (ГБД ФЛ): who a person is, given their IIN, and who their children
//! and parents are. The server reads it to fill the wizard and to check kinship before binding an
//! application to a parent's IIN (docs/domain-rules.md, «Binding»).
//!
//! The real registry is a remote state service, so [`PopulationRegistry`] is an async trait; the
//! bundled [`DemoRegistry`] holds the people of `keystores-example/people.json` (the holders of
//! the demo keys and their children) plus synthetic families from [`synthetic`].

pub mod names;
pub mod synthetic;

use std::collections::HashMap;

use async_trait::async_trait;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::domain::Iin;
use crate::domain::iin::Sex;

const KEY_HOLDERS: &str = include_str!("../../../keystores-example/people.json");

/// A person as the registry knows them. Birth date and sex are read from the IIN, which encodes
/// both, so they can never disagree with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    pub iin: Iin,
    pub surname: String,
    pub name: String,
    /// Many people have none (the seeds show it as optional: «Отчество»).
    pub patronymic: Option<String>,
}

impl Person {
    pub fn birth_date(&self) -> NaiveDate {
        self.iin.birth_date()
    }

    pub fn sex(&self) -> Sex {
        self.iin.sex()
    }

    /// The person as the API carries them (wizard autofill).
    pub fn to_wire(&self) -> crate::api::profile::Person {
        crate::api::profile::Person {
            iin: self.iin,
            surname: self.surname.clone(),
            name: self.name.clone(),
            patronymic: self.patronymic.clone(),
            birth_date: self.birth_date(),
        }
    }

    /// «Фамилия Имя Отчество», the order documents and the journal use.
    pub fn full_name(&self) -> String {
        let mut full = format!("{} {}", self.surname, self.name);
        if let Some(patronymic) = &self.patronymic {
            full.push(' ');
            full.push_str(patronymic);
        }
        full
    }
}

/// How an adult stands to a child in the registry. Both may bind the child's application.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kinship {
    Parent,
    Guardian,
}

/// One registry fact: `adult` is the parent or guardian of `child`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct KinshipLink {
    pub child: Iin,
    pub adult: Iin,
    pub kinship: Kinship,
}

#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    /// The registry could not answer (a remote service down, a database error): the caller
    /// must not take silence for «not related».
    #[error("the population registry is unavailable: {0}")]
    Unavailable(String),
    #[error("the demo registry data is invalid: {0}")]
    DemoData(String),
}

impl RegistryError {
    /// The message in the current language.
    pub fn translated(&self) -> String {
        match self {
            RegistryError::Unavailable(reason) => {
                rust_i18n::t!("registry.error.unavailable", reason = reason).into_owned()
            }
            RegistryError::DemoData(reason) => {
                rust_i18n::t!("registry.error.demo_data", reason = reason).into_owned()
            }
        }
    }
}

/// The population registry as the server sees it.
#[async_trait]
pub trait PopulationRegistry: Send + Sync {
    async fn person(&self, iin: Iin) -> Result<Option<Person>, RegistryError>;
    /// The children the person is parent or guardian of.
    async fn children_of(&self, adult: Iin) -> Result<Vec<Person>, RegistryError>;
    /// The parents and guardians of a child.
    async fn parents_of(&self, child: Iin) -> Result<Vec<Person>, RegistryError>;
    async fn is_parent_or_guardian(&self, adult: Iin, child: Iin) -> Result<bool, RegistryError>;
}

/// The bundled registry: a table of people and kinship held in memory.
#[derive(Debug, Clone, Default)]
pub struct DemoRegistry {
    people: HashMap<Iin, Person>,
    kinship: Vec<KinshipLink>,
    /// Where each child's links stand in `kinship`: every submission asks about a child, and a
    /// demo registry holds some hundred thousand links.
    by_child: HashMap<Iin, Vec<usize>>,
}

#[derive(Deserialize)]
struct PeopleFile {
    people: Vec<PeopleEntry>,
    kinship: Vec<PeopleKinship>,
}

#[derive(Deserialize)]
struct PeopleEntry {
    iin: Iin,
    surname: String,
    name: String,
    patronymic: Option<String>,
    birth_date: NaiveDate,
    sex: String,
}

#[derive(Deserialize)]
struct PeopleKinship {
    child_iin: Iin,
    parent_iins: Vec<Iin>,
}

impl DemoRegistry {
    /// The holders of the demo keys and their children, from `keystores-example/people.json`.
    pub fn key_holders() -> Result<DemoRegistry, RegistryError> {
        DemoRegistry::from_people_json(KEY_HOLDERS)
    }

    /// The key holders plus `families` synthetic families, the same for the same seed and day.
    pub fn with_synthetic_families(
        families: usize,
        seed: u64,
        today: NaiveDate,
    ) -> Result<DemoRegistry, RegistryError> {
        let mut registry = DemoRegistry::key_holders()?;
        let generator =
            synthetic::FamilyGenerator::new(seed, today, registry.people.keys().copied());
        for family in generator.take(families) {
            registry.add_family(family);
        }
        Ok(registry)
    }

    /// Reads the `people.json` format: people with IINs and kinship child → parents. The stated
    /// birth date and sex must agree with the IIN.
    pub fn from_people_json(text: &str) -> Result<DemoRegistry, RegistryError> {
        let file: PeopleFile =
            serde_json::from_str(text).map_err(|e| RegistryError::DemoData(e.to_string()))?;
        let mut registry = DemoRegistry::default();
        for entry in file.people {
            let sex = match entry.sex.as_str() {
                "M" => Sex::Male,
                "F" => Sex::Female,
                other => return Err(RegistryError::DemoData(format!("sex {other:?}"))),
            };
            if entry.iin.birth_date() != entry.birth_date || entry.iin.sex() != sex {
                return Err(RegistryError::DemoData(format!(
                    "{} disagrees with its birth date or sex",
                    entry.iin
                )));
            }
            registry.add_person(Person {
                iin: entry.iin,
                surname: entry.surname,
                name: entry.name,
                patronymic: entry.patronymic.filter(|p| !p.trim().is_empty()),
            });
        }
        for link in file.kinship {
            for adult in link.parent_iins {
                registry.add_link(KinshipLink {
                    child: link.child_iin,
                    adult,
                    kinship: Kinship::Parent,
                })?;
            }
        }
        Ok(registry)
    }

    pub fn add_person(&mut self, person: Person) {
        self.people.insert(person.iin, person);
    }

    /// Records kinship between two people already in the table.
    pub fn add_link(&mut self, link: KinshipLink) -> Result<(), RegistryError> {
        for iin in [link.child, link.adult] {
            if !self.people.contains_key(&iin) {
                return Err(RegistryError::DemoData(format!(
                    "kinship names unknown {iin}"
                )));
            }
        }
        self.push_link(link);
        Ok(())
    }

    pub fn add_family(&mut self, family: synthetic::Family) {
        for link in family.links() {
            self.push_link(link);
        }
        for person in family.adults.into_iter().chain(family.children) {
            self.add_person(person);
        }
    }

    /// Records a link once, indexed by its child.
    fn push_link(&mut self, link: KinshipLink) {
        let of_child = self.by_child.entry(link.child).or_default();
        if of_child.iter().any(|&i| self.kinship[i] == link) {
            return;
        }
        of_child.push(self.kinship.len());
        self.kinship.push(link);
    }

    /// The links of one child.
    fn links_of_child(&self, child: Iin) -> impl Iterator<Item = &KinshipLink> + '_ {
        self.by_child
            .get(&child)
            .into_iter()
            .flatten()
            .map(|&i| &self.kinship[i])
    }

    /// Everyone in the table, in no particular order (for seeding a database).
    pub fn people(&self) -> impl Iterator<Item = &Person> {
        self.people.values()
    }

    pub fn kinship(&self) -> &[KinshipLink] {
        &self.kinship
    }

    fn related<'a>(&self, iins: impl Iterator<Item = Iin> + 'a) -> Vec<Person> {
        let mut found: Vec<Person> = iins
            .filter_map(|iin| self.people.get(&iin).cloned())
            .collect();
        found.sort_by_key(|person| person.iin);
        found.dedup_by_key(|person| person.iin);
        found
    }
}

#[async_trait]
impl PopulationRegistry for DemoRegistry {
    async fn person(&self, iin: Iin) -> Result<Option<Person>, RegistryError> {
        Ok(self.people.get(&iin).cloned())
    }

    /// Not asked by the server: a walk of every link will do.
    async fn children_of(&self, adult: Iin) -> Result<Vec<Person>, RegistryError> {
        Ok(self.related(
            self.kinship
                .iter()
                .filter(|link| link.adult == adult)
                .map(|link| link.child),
        ))
    }

    async fn parents_of(&self, child: Iin) -> Result<Vec<Person>, RegistryError> {
        Ok(self.related(self.links_of_child(child).map(|link| link.adult)))
    }

    async fn is_parent_or_guardian(&self, adult: Iin, child: Iin) -> Result<bool, RegistryError> {
        Ok(self.links_of_child(child).any(|link| link.adult == adult))
    }
}
