//! What the benchmarks that seed a queue share: a deterministic generator, children's IINs and
//! a benefit mix.

use chrono::{Duration, NaiveDate};
use kezek::domain::iin::check_digit;
use kezek::domain::{Benefit, BenefitCategory, BenefitClass, BenefitReview, Iin};

/// A small deterministic generator (SplitMix64), so every run seeds the same queue.
pub struct Random(pub u64);

impl Random {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

/// The `index`-th valid IIN of a child born in `year` (eleven-digit prefixes without a check
/// digit answer `None`).
pub fn child_iin(year: i32, index: u64) -> Option<Iin> {
    let date = NaiveDate::from_ymd_opt(year, 1, 1)? + Duration::days((index % 365) as i64);
    let rest = index / 365;
    let text = format!(
        "{}{}{:04}",
        date.format("%y%m%d"),
        5 + rest % 2,
        (rest / 2) % 10_000
    );
    let digits: Vec<u8> = text.bytes().map(|b| b - b'0').collect();
    let check = check_digit(&digits.try_into().ok()?)?;
    Iin::parse(&format!("{text}{check}")).ok()
}

/// One in twenty out of turn, three in twenty first turn, the rest general.
pub fn benefit(random: &mut Random) -> Option<Benefit> {
    let class = match random.next() % 20 {
        0 => BenefitClass::OutOfTurn,
        1..=3 => BenefitClass::FirstTurn,
        _ => return None,
    };
    let category = BenefitCategory::catalogue()
        .iter()
        .find(|c| c.class == class)?;
    Some(Benefit {
        category: category.code.clone(),
        review: BenefitReview::Confirmed,
    })
}
