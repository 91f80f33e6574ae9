//! Benefits (льготы): two classes that go ahead of the general queue, their categories (kept in
//! `data/benefits.toml` with ru/kk/en names) and an application's benefit with its review.

use std::sync::LazyLock;

use serde::{Deserialize, Serialize};

use crate::i18n::Lang;

/// The class of a benefit, which decides the allocation order (docs/domain-rules.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BenefitClass {
    /// «Без льготы»: the general queue.
    None,
    /// «В первую очередь»: interleaved one to three with the general queue.
    FirstTurn,
    /// «Вне очереди»: offered places before anyone else.
    OutOfTurn,
}

impl BenefitClass {
    pub const ALL: [BenefitClass; 3] = [
        BenefitClass::None,
        BenefitClass::FirstTurn,
        BenefitClass::OutOfTurn,
    ];

    pub fn code(self) -> &'static str {
        match self {
            BenefitClass::None => "none",
            BenefitClass::FirstTurn => "first_turn",
            BenefitClass::OutOfTurn => "out_of_turn",
        }
    }

    /// The i18n key of the class name («Без льготы», «В первую очередь», «Вне очереди»).
    pub fn message_key(self) -> String {
        format!("domain.benefit_class.{}", self.code())
    }
}

/// One category of the catalogue, e.g. «Дети с особыми образовательными потребностями».
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BenefitCategory {
    /// Stable code kept by applications (`teachers`, `military`, …).
    pub code: String,
    pub class: BenefitClass,
    pub ru: String,
    pub kk: String,
    pub en: String,
}

impl BenefitCategory {
    pub fn name(&self, lang: Lang) -> &str {
        match lang {
            Lang::Kk => &self.kk,
            Lang::Ru => &self.ru,
            Lang::En => &self.en,
        }
    }

    /// Every category of `data/benefits.toml`, in the file's order.
    pub fn catalogue() -> &'static [BenefitCategory] {
        &CATALOGUE
    }

    pub fn find(code: &str) -> Option<&'static BenefitCategory> {
        CATALOGUE.iter().find(|c| c.code == code)
    }
}

#[derive(Deserialize)]
struct CatalogueFile {
    category: Vec<BenefitCategory>,
}

static CATALOGUE: LazyLock<Vec<BenefitCategory>> = LazyLock::new(|| {
    let file: CatalogueFile = toml::from_str(include_str!("../../data/benefits.toml"))
        .expect("data/benefits.toml is part of the build and checked by tests");
    file.category
});

/// What the education department decided about the documents of a benefit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum BenefitReview {
    /// Documents attached, no decision yet: the application counts as general meanwhile.
    Pending,
    Confirmed,
    /// Rejected with the officer's reason; the application is general, registration time kept.
    Rejected {
        reason: String,
    },
}

/// An application's benefit: a category of the catalogue and where its review stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Benefit {
    /// A [`BenefitCategory::code`].
    pub category: String,
    pub review: BenefitReview,
}

impl Benefit {
    /// A newly claimed benefit, awaiting review.
    pub fn claimed(category: &BenefitCategory) -> Benefit {
        Benefit {
            category: category.code.clone(),
            review: BenefitReview::Pending,
        }
    }

    /// The class this benefit gives in the queue now: only a confirmed benefit moves a child
    /// ahead, so a child is never offered a place on documents nobody has checked.
    pub fn effective_class(&self) -> BenefitClass {
        match (&self.review, BenefitCategory::find(&self.category)) {
            (BenefitReview::Confirmed, Some(category)) => category.class,
            _ => BenefitClass::None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn catalogue_has_both_classes_with_unique_codes_and_three_names() {
        let all = BenefitCategory::catalogue();
        let codes: HashSet<_> = all.iter().map(|c| c.code.as_str()).collect();
        assert_eq!(codes.len(), all.len());
        let count = |class| all.iter().filter(|c| c.class == class).count();
        assert_eq!(count(BenefitClass::OutOfTurn), 3);
        assert_eq!(count(BenefitClass::FirstTurn), 6);
        assert_eq!(count(BenefitClass::None), 0);
        for category in all {
            for lang in Lang::ALL {
                assert!(!category.name(lang).trim().is_empty(), "{}", category.code);
            }
        }
        let seeds = BenefitCategory::find("special_educational_needs").unwrap();
        assert_eq!(
            seeds.name(Lang::Ru),
            "Дети с особыми образовательными потребностями"
        );
    }

    #[test]
    fn only_a_confirmed_benefit_moves_a_child_ahead() {
        let teachers = BenefitCategory::find("teachers").unwrap();
        let mut benefit = Benefit::claimed(teachers);
        assert_eq!(benefit.effective_class(), BenefitClass::None);
        benefit.review = BenefitReview::Confirmed;
        assert_eq!(benefit.effective_class(), BenefitClass::FirstTurn);
        benefit.review = BenefitReview::Rejected {
            reason: "нечитаемая копия".into(),
        };
        assert_eq!(benefit.effective_class(), BenefitClass::None);
    }

    #[test]
    fn review_serialises_with_a_status_tag() {
        let json = serde_json::to_value(BenefitReview::Rejected { reason: "x".into() }).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"status": "rejected", "reason": "x"})
        );
    }
}
