//! How the client writes dates, times, benefits, queue numbers and missing values, the same on
//! every screen.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveTime, TimeDelta, Utc};
use rust_i18n::t;

use crate::domain::{BenefitCategory, BenefitClass};
use crate::i18n::Lang;

/// Kazakhstan keeps one time zone, UTC+5, since March 2024: every time is shown in it, whatever
/// the zone of the machine the client runs on (often a server reached over SSH).
pub fn local(at: DateTime<Utc>) -> DateTime<FixedOffset> {
    at.with_timezone(&FixedOffset::east_opt(5 * 3600).expect("UTC+5 is a valid offset"))
}

/// `ДД.ММ.ГГГГ`, as the seeds write dates.
pub fn date(day: NaiveDate) -> String {
    day.format("%d.%m.%Y").to_string()
}

/// The Kazakhstan calendar day of a moment, as `ДД.ММ.ГГГГ`.
pub fn day_of(at: DateTime<Utc>) -> String {
    local(at).format("%d.%m.%Y").to_string()
}

/// `ДД.ММ.ГГГГ ЧЧ:ММ:СС` in Kazakhstan time, as the application view shows it.
pub fn date_time(at: DateTime<Utc>) -> String {
    local(at).format("%d.%m.%Y %H:%M:%S").to_string()
}

/// A deadline as «до …» reads: one that ends at a local midnight (the end of a chosen day, as
/// an extended direction's) is shown as the last second of that day, «до 16.12.2026 23:59:59»,
/// not as the first second of the next.
pub fn deadline(at: DateTime<Utc>) -> String {
    if local(at).time() == NaiveTime::MIN {
        date_time(at - TimeDelta::seconds(1))
    } else {
        date_time(at)
    }
}

/// «—»: a value that is not there (no phone, no address, an unknown kindergarten's address).
pub fn no_value() -> String {
    t!("tui.no_value").into_owned()
}

/// A queue number, or «—» for 0: the application is not in the queue, or (for «Номер очереди
/// по льготной категории») it has no benefit the queue counts yet (none, or still pending).
pub fn queue_number(number: u32) -> String {
    match number {
        0 => no_value(),
        n => n.to_string(),
    }
}

/// The translated name of a benefit: its category when known, else its class («Без льготы»).
pub fn benefit_name(class: BenefitClass, category: Option<&str>, lang: Lang) -> String {
    match category.and_then(BenefitCategory::find) {
        Some(category) => category.name(lang).to_owned(),
        None => t!(class.message_key()).into_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_shown_in_kazakhstan() {
        let at = DateTime::parse_from_rfc3339("2018-08-03T20:58:49Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(date_time(at), "04.08.2018 01:58:49");
        assert_eq!(day_of(at), "04.08.2018");
        assert_eq!(
            date(NaiveDate::from_ymd_opt(2015, 4, 20).unwrap()),
            "20.04.2015"
        );
    }

    #[test]
    fn a_deadline_at_midnight_is_the_end_of_the_day_before() {
        let end_of_16th = crate::domain::calendar::end_of_local_day(
            NaiveDate::from_ymd_opt(2026, 12, 16).unwrap(),
        );
        assert_eq!(deadline(end_of_16th), "16.12.2026 23:59:59");
        let afternoon = DateTime::parse_from_rfc3339("2018-08-03T11:32:07Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(deadline(afternoon), "03.08.2018 16:32:07");
    }

    #[test]
    fn a_queue_number_of_zero_is_no_number() {
        assert_eq!(queue_number(0), "—");
        assert_eq!(queue_number(18355), "18355");
    }
}

/// The file name a generated document is saved under, in the language of the screen: its title
/// and the application number («Уведомление-о-регистрации-УО.2026.000027.1.pdf»). `None` for
/// an uploaded scan, which keeps its own name.
pub fn document_file_name(
    kind: crate::api::applications::DocumentKind,
    number: &crate::domain::ApplicationNumber,
) -> Option<String> {
    use crate::api::applications::DocumentKind;
    let title = match kind {
        DocumentKind::RegistrationNotice => t!("application.documents.kind.registration_notice"),
        DocumentKind::DocumentsReceipt => t!("application.documents.kind.documents_receipt"),
        DocumentKind::BookRegistration => t!("application.documents.kind.book_registration"),
        DocumentKind::Direction => t!("application.documents.kind.direction"),
        DocumentKind::Attachment => return None,
    };
    Some(format!(
        "{}-{number}.pdf",
        title.split_whitespace().collect::<Vec<_>>().join("-")
    ))
}

/// `name` in Latin letters, for a file system that refuses Cyrillic names (Kazakh and Russian
/// letters by a plain transliteration; anything else is kept).
pub fn latin_file_name(name: &str) -> String {
    const TABLE: [(char, &str); 42] = [
        ('а', "a"),
        ('ә', "a"),
        ('б', "b"),
        ('в', "v"),
        ('г', "g"),
        ('ғ', "g"),
        ('д', "d"),
        ('е', "e"),
        ('ё', "yo"),
        ('ж', "zh"),
        ('з', "z"),
        ('и', "i"),
        ('й', "y"),
        ('к', "k"),
        ('қ', "q"),
        ('л', "l"),
        ('м', "m"),
        ('н', "n"),
        ('ң', "n"),
        ('о', "o"),
        ('ө', "o"),
        ('п', "p"),
        ('р', "r"),
        ('с', "s"),
        ('т', "t"),
        ('у', "u"),
        ('ұ', "u"),
        ('ү', "u"),
        ('ф', "f"),
        ('х', "kh"),
        ('һ', "h"),
        ('ц', "ts"),
        ('ч', "ch"),
        ('ш', "sh"),
        ('щ', "shch"),
        ('ъ', ""),
        ('ы', "y"),
        ('і', "i"),
        ('ь', ""),
        ('э', "e"),
        ('ю', "yu"),
        ('я', "ya"),
    ];
    let mut out = String::new();
    for c in name.chars() {
        let lower = c.to_lowercase().next().unwrap_or(c);
        match TABLE.iter().find(|(cyr, _)| *cyr == lower) {
            Some((_, latin)) if c != lower => {
                let mut chars = latin.chars();
                if let Some(first) = chars.next() {
                    out.push(first.to_ascii_uppercase());
                    out.extend(chars);
                }
            }
            Some((_, latin)) => out.push_str(latin),
            None => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod file_name_tests {
    use super::*;

    #[test]
    fn cyrillic_names_have_a_latin_spelling() {
        assert_eq!(
            latin_file_name("Тіркеу-туралы-хабарлама-УО.2026.000027.1.pdf"),
            "Tirkeu-turaly-khabarlama-UO.2026.000027.1.pdf"
        );
        assert_eq!(
            latin_file_name("Уведомление-о-регистрации.pdf"),
            "Uvedomlenie-o-registratsii.pdf"
        );
        assert_eq!(latin_file_name("notice.pdf"), "notice.pdf");
    }
}
