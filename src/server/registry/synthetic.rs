//! Synthetic families for demo data: parents (or a guardian) and children under 7 with valid
//! IINs, Kazakh or Russian names, contacts and a preferred language.
//!
//! The generator is deterministic: the same seed, day and taken IINs give the same families, so
//! a demo database seeded twice is the same database. (It relies on `rand`'s `StdRng`, whose
//! stream is fixed for a locked `rand` version.)

use std::collections::HashSet;

use chrono::{Datelike, Days, NaiveDate};
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};

use super::names::{self, NameList};
use super::{Kinship, KinshipLink, Person};
use crate::domain::Iin;
use crate::domain::iin::{Sex, check_digit};
use crate::i18n::Lang;

/// Children are born within this many days before the day of generation: under 7, and at least
/// two weeks old (a newborn has no IIN in the registry for a few days).
const CHILD_AGE_DAYS: std::ops::Range<u64> = 14..(7 * 365 - 2);

/// A household: the adults who may apply for the children, the children, and how to reach the
/// family.
#[derive(Debug, Clone)]
pub struct Family {
    /// One or two parents, or one guardian; the first is the applicant.
    pub adults: Vec<Person>,
    pub kinship: Kinship,
    pub children: Vec<Person>,
    /// The language the family reads its notifications and documents in.
    pub language: Lang,
    pub email: String,
    /// `+7 7XX XXX XX XX`.
    pub phone: String,
}

/// A child of a synthetic family and the adult of the family who applies for them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoChild {
    pub child: Iin,
    pub applicant: Iin,
}

impl Family {
    pub fn applicant(&self) -> &Person {
        &self.adults[0]
    }

    /// The children, each with the family's applicant.
    pub fn demo_children(&self) -> impl Iterator<Item = DemoChild> + '_ {
        self.children.iter().map(|child| DemoChild {
            child: child.iin,
            applicant: self.applicant().iin,
        })
    }

    /// Every adult–child fact of this family, for the registry's kinship table.
    pub fn links(&self) -> impl Iterator<Item = KinshipLink> + '_ {
        self.adults.iter().flat_map(move |adult| {
            self.children.iter().map(move |child| KinshipLink {
                child: child.iin,
                adult: adult.iin,
                kinship: self.kinship,
            })
        })
    }
}

/// An endless, deterministic stream of families; `take(n)` what you need.
pub struct FamilyGenerator {
    rng: StdRng,
    today: NaiveDate,
    taken: HashSet<Iin>,
}

impl FamilyGenerator {
    /// `taken`: IINs already in use (the key holders), which no synthetic person will get.
    pub fn new(seed: u64, today: NaiveDate, taken: impl IntoIterator<Item = Iin>) -> Self {
        FamilyGenerator {
            rng: StdRng::seed_from_u64(seed),
            today,
            taken: taken.into_iter().collect(),
        }
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        *items
            .choose(&mut self.rng)
            .expect("name lists are not empty")
    }

    fn days_before(&mut self, date: NaiveDate, days: std::ops::Range<u64>) -> NaiveDate {
        let back = self.rng.random_range(days);
        date.checked_sub_days(Days::new(back))
            .expect("demo dates stay within the calendar")
    }

    /// A fresh valid IIN for a birth date and sex: the century digit from both, a random serial,
    /// the check digit; serials whose check digit does not exist or is taken are skipped.
    fn new_iin(&mut self, birth: NaiveDate, sex: Sex) -> Iin {
        let century = match (birth.year() >= 2000, sex) {
            (false, Sex::Male) => 3,
            (false, Sex::Female) => 4,
            (true, Sex::Male) => 5,
            (true, Sex::Female) => 6,
        };
        loop {
            let serial: u32 = self.rng.random_range(0..10_000);
            let first11 = format!(
                "{:02}{:02}{:02}{century}{serial:04}",
                birth.year() % 100,
                birth.month(),
                birth.day()
            );
            let mut digits = [0u8; 11];
            for (digit, byte) in digits.iter_mut().zip(first11.bytes()) {
                *digit = byte - b'0';
            }
            let Some(check) = check_digit(&digits) else {
                continue;
            };
            let iin = Iin::parse(&format!("{first11}{check}"))
                .expect("built from a real date, a century digit and its check digit");
            if self.taken.insert(iin) {
                return iin;
            }
        }
    }

    fn sex(&mut self) -> Sex {
        if self.rng.random_bool(0.5) {
            Sex::Male
        } else {
            Sex::Female
        }
    }

    fn phone(&mut self) -> String {
        const OPERATORS: [u16; 12] = [700, 701, 702, 705, 707, 708, 747, 771, 775, 776, 777, 778];
        let operator = self.pick(&OPERATORS);
        let number: u32 = self.rng.random_range(0..10_000_000);
        format!(
            "+7 {operator} {:03} {:02} {:02}",
            number / 10_000,
            number / 100 % 100,
            number % 100
        )
    }

    fn family(&mut self) -> Family {
        let kazakh = self.rng.random_bool(0.7);
        let list: &NameList = if kazakh {
            &names::KAZAKH
        } else {
            &names::RUSSIAN
        };
        // Kazakh families write patronymics «-ұлы / -қызы» or in the Russian style, both common.
        let kazakh_patronymics = kazakh && self.rng.random_bool(0.6);
        let patronymic = |father: &names::FatherName, sex: Sex| match (kazakh_patronymics, sex) {
            (true, sex) => names::kazakh_patronymic(father.name, sex == Sex::Male),
            (false, Sex::Male) => father.patronymics.0.to_owned(),
            (false, Sex::Female) => father.patronymics.1.to_owned(),
        };
        let gendered = |surname: &str, sex: Sex| match sex {
            Sex::Male => surname.to_owned(),
            Sex::Female => names::feminine_surname(surname),
        };

        let father = self.pick(list.men);
        let surname = self.pick(list.surnames);
        let children_count = match self.rng.random_range(0..10) {
            0..6 => 1,
            6..9 => 2,
            _ => 3,
        };
        let mut children = Vec::with_capacity(children_count);
        for _ in 0..children_count {
            let sex = self.sex();
            let birth = self.days_before(self.today, CHILD_AGE_DAYS);
            let name = match sex {
                Sex::Male => self.pick(list.boys),
                Sex::Female => self.pick(list.girls),
            };
            children.push(Person {
                iin: self.new_iin(birth, sex),
                surname: gendered(surname, sex),
                name: name.to_owned(),
                patronymic: Some(patronymic(&father, sex)),
            });
        }
        let eldest = children
            .iter()
            .map(Person::birth_date)
            .min()
            .expect("a family has children");

        let adult = |generator: &mut FamilyGenerator, sex: Sex, years: std::ops::Range<u64>| {
            let birth = generator.days_before(eldest, years.start * 365..years.end * 365);
            let grandfather = generator.pick(list.men);
            let (name, surname) = match sex {
                Sex::Male => (father.name.to_owned(), surname.to_owned()),
                Sex::Female => {
                    // Many women keep their own surname.
                    let own = if generator.rng.random_bool(0.4) {
                        generator.pick(list.surnames)
                    } else {
                        surname
                    };
                    (generator.pick(list.women).to_owned(), gendered(own, sex))
                }
            };
            Person {
                iin: generator.new_iin(birth, sex),
                surname,
                name,
                patronymic: Some(patronymic(&grandfather, sex)),
            }
        };
        let (adults, kinship) = match self.rng.random_range(0..20) {
            0..16 => {
                let mother = adult(self, Sex::Female, 20..38);
                let father = adult(self, Sex::Male, 22..40);
                // Either parent may be the one who applies.
                if self.rng.random_bool(0.6) {
                    (vec![mother, father], Kinship::Parent)
                } else {
                    (vec![father, mother], Kinship::Parent)
                }
            }
            16..19 => (vec![adult(self, Sex::Female, 19..40)], Kinship::Parent),
            _ => (vec![adult(self, Sex::Female, 42..60)], Kinship::Guardian),
        };

        let language = match (kazakh, self.rng.random_bool(0.75)) {
            (true, true) => Lang::Kk,
            _ => Lang::Ru,
        };
        let email = format!("demo.{}@example.com", adults[0].iin);
        let phone = self.phone();
        Family {
            adults,
            kinship,
            children,
            language,
            email,
            phone,
        }
    }
}

impl Iterator for FamilyGenerator {
    type Item = Family;

    fn next(&mut self) -> Option<Family> {
        Some(self.family())
    }
}
