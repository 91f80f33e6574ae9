//! The names and birth dates on an application are the population registry's
//! (docs/domain-rules.md, «Who may queue a child»): what the applicant signs must say what the
//! registry says of both people. Names are compared the way people write them: letter case and
//! spacing do not matter, letters do. «Жұмабаев» and «Жумабаев» are two surnames to the
//! registry, and so they are here.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use super::wizard::{Draft, Field, FieldError};

/// The message of every field that disagrees with the registry.
pub const DIFFERS: &str = "registry.differs";

/// One person as the registry holds them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RegistryEntry<'a> {
    pub surname: &'a str,
    pub name: &'a str,
    /// Many people have none.
    pub patronymic: Option<&'a str>,
    pub birth_date: NaiveDate,
}

/// Whether a name as signed is the registry's: the same words of the same letters, whatever
/// their case and the spaces around and between them. An absent name is the empty one.
pub fn same_name(signed: &str, registry: &str) -> bool {
    let words = |text: &str| {
        text.split_whitespace()
            .map(str::to_lowercase)
            .collect::<Vec<_>>()
    };
    words(signed) == words(registry)
}

/// Every field of the draft's applicant and child that disagrees with the registry, in the
/// form's order. A birth date left out is not a disagreement: the IIN carries it.
pub fn disagreements(
    draft: &Draft,
    applicant: &RegistryEntry<'_>,
    child: &RegistryEntry<'_>,
) -> Vec<FieldError> {
    let a = &draft.applicant;
    let c = &draft.child;
    let date_differs =
        |signed: Option<NaiveDate>, registry: NaiveDate| signed.is_some_and(|d| d != registry);
    let name_differs =
        |signed: &str, registry: Option<&str>| !same_name(signed, registry.unwrap_or_default());
    [
        (
            Field::ApplicantBirthDate,
            date_differs(a.birth_date, applicant.birth_date),
        ),
        (
            Field::ApplicantSurname,
            name_differs(&a.surname, Some(applicant.surname)),
        ),
        (
            Field::ApplicantName,
            name_differs(&a.name, Some(applicant.name)),
        ),
        (
            Field::ApplicantPatronymic,
            name_differs(&a.patronymic, applicant.patronymic),
        ),
        (
            Field::ChildSurname,
            name_differs(&c.surname, Some(child.surname)),
        ),
        (Field::ChildName, name_differs(&c.name, Some(child.name))),
        (
            Field::ChildPatronymic,
            name_differs(&c.patronymic, child.patronymic),
        ),
        (
            Field::ChildBirthDate,
            date_differs(c.birth_date, child.birth_date),
        ),
    ]
    .into_iter()
    .filter(|(_, differs)| *differs)
    .map(|(field, _)| FieldError {
        field,
        message: DIFFERS.to_owned(),
        args: BTreeMap::new(),
    })
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::wizard::{ApplicantDraft, ChildDraft};

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    const DAUREN: RegistryEntry<'static> = RegistryEntry {
        surname: "Жұмабаев",
        name: "Дәурен",
        patronymic: Some("Асхатұлы"),
        birth_date: NaiveDate::from_ymd_opt(1992, 7, 21).unwrap(),
    };
    const ALIKHAN: RegistryEntry<'static> = RegistryEntry {
        surname: "Жұмабаев",
        name: "Әлихан",
        patronymic: None,
        birth_date: NaiveDate::from_ymd_opt(2021, 9, 10).unwrap(),
    };

    fn signed(applicant: [&str; 3], child: [&str; 3]) -> Draft {
        Draft {
            applicant: ApplicantDraft {
                surname: applicant[0].into(),
                name: applicant[1].into(),
                patronymic: applicant[2].into(),
                birth_date: Some(date(1992, 7, 21)),
                ..ApplicantDraft::default()
            },
            child: ChildDraft {
                surname: child[0].into(),
                name: child[1].into(),
                patronymic: child[2].into(),
                ..ChildDraft::default()
            },
            kindergartens: Vec::new(),
        }
    }

    fn fields(draft: &Draft) -> Vec<Field> {
        disagreements(draft, &DAUREN, &ALIKHAN)
            .into_iter()
            .map(|e| e.field)
            .collect()
    }

    #[test]
    fn case_and_spacing_do_not_matter() {
        let draft = signed(
            ["  ЖҰМАБАЕВ ", "дәурен", "Асхатұлы"],
            ["жұмабаев", " Әлихан", ""],
        );
        assert_eq!(fields(&draft), vec![]);
        assert!(same_name("Абай  Құнанбайұлы", "абай құнанбайұлы"));
    }

    #[test]
    fn letters_do_kazakh_ones_included() {
        assert!(!same_name("Жумабаев", "Жұмабаев"));
        assert!(!same_name("Дэурен", "Дәурен"));
        // A Latin «a» among the Cyrillic letters is another letter.
        assert!(!same_name("Жұмaбаев", "Жұмабаев"));
        let draft = signed(
            ["Жумабаев", "Дәурен", ""],
            ["Жұмабаев", "Алихан", "Дәуренұлы"],
        );
        assert_eq!(
            fields(&draft),
            vec![
                Field::ApplicantSurname,
                Field::ApplicantPatronymic,
                Field::ChildName,
                Field::ChildPatronymic
            ]
        );
        let all = disagreements(&draft, &DAUREN, &ALIKHAN);
        assert!(all.iter().all(|e| e.message == DIFFERS));
    }

    #[test]
    fn a_birth_date_given_must_be_the_registrys() {
        let mut draft = signed(
            ["Жұмабаев", "Дәурен", "Асхатұлы"],
            ["Жұмабаев", "Әлихан", ""],
        );
        draft.child.birth_date = Some(date(2021, 9, 11));
        draft.applicant.birth_date = None;
        assert_eq!(fields(&draft), vec![Field::ChildBirthDate]);
        draft.child.birth_date = Some(ALIKHAN.birth_date);
        assert_eq!(fields(&draft), vec![]);
    }

    #[test]
    fn an_empty_name_is_not_the_registrys() {
        let draft = signed(["", "Дәурен", "Асхатұлы"], ["Жұмабаев", "", ""]);
        assert_eq!(
            fields(&draft),
            vec![Field::ApplicantSurname, Field::ChildName]
        );
    }
}
