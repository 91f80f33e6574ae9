//! Builders shared by the domain's unit tests.

use super::iin::{Iin, check_digit};

/// A valid IIN of someone born on 1 `month` `year` (1900 to 2099), told apart by `serial`.
pub(crate) fn iin(year: i32, month: u8, serial: u8) -> Iin {
    let yy = (year % 100) as u8;
    let century = if year < 2000 { 3 } else { 5 };
    (0..10u8)
        .find_map(|extra| {
            let d = [
                yy / 10,
                yy % 10,
                month / 10,
                month % 10,
                0,
                1,
                century,
                0,
                serial / 10,
                serial % 10,
                extra,
            ];
            let check = check_digit(&d)?;
            let text: String = d
                .iter()
                .chain([&check])
                .map(|x| char::from(b'0' + x))
                .collect();
            Iin::parse(&text).ok()
        })
        .expect("some last serial digit gives a check digit")
}
