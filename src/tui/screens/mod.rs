//! One module per screen. [`open`] is the one place that knows how to build the screen behind a
//! menu item, so the main menu and the screens stay decoupled.

pub mod actions;
pub mod application;
pub mod description;
pub mod first_login;
pub mod inbox;
pub mod journal;
pub mod login;
pub mod main_menu;
pub mod officer;
pub mod profile;
pub mod queue_search;
pub mod region;
pub mod report;
pub mod signing;
pub mod statistics;
pub mod success;
pub mod wizard;
// --- the ЦОН desk (issue 12) ---
pub mod audit;
pub mod desk;

use crate::tui::screen::{Ctx, Screen};

/// Where a menu item or a button leads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Destination {
    /// «Постановка ребенка в очередь…»: the service description, then the wizard.
    Apply,
    /// Step 1 of the wizard, after «Подать заявку».
    Wizard,
    Journal,
    QueueSearch,
    Statistics,
    /// «Редактирование контактных данных» (the user's name at the top right).
    Profile,
    /// «Уведомления»: the user's messages.
    Inbox,
    /// The officer's workspace (issue 13).
    OfficerKindergartens,
    OfficerOffers,
    OfficerReviews,
    OfficerJournal,
    /// «Обслуживание гражданина»: the ЦОН operator's desk.
    Desk,
    /// «Отчёт по региону»: the officer's region report (issue 13).
    RegionReport,
    /// «Просмотры данных граждан»: operators' reads of the region's citizens (issue 12).
    RegionAudit,
}

/// The screen for `destination`, or `None` while that part of the client is not built yet
/// (the menu shows such items as unavailable rather than failing).
pub fn open(destination: Destination, ctx: &Ctx) -> Option<Box<dyn Screen>> {
    match destination {
        Destination::Apply => Some(Box::new(description::Description::new())),
        Destination::Wizard => Some(Box::new(wizard::Wizard::new(ctx))),
        Destination::Journal => Some(Box::new(journal::JournalScreen::new())),
        Destination::QueueSearch => Some(Box::new(queue_search::QueueSearch::new())),
        Destination::Statistics => Some(Box::new(statistics::Statistics::new(ctx))),
        Destination::Profile => Some(Box::new(profile::ProfileScreen::new())),
        Destination::Inbox => Some(Box::new(inbox::InboxScreen::new())),
        Destination::OfficerKindergartens => {
            Some(Box::new(officer::kindergartens::KindergartensScreen::new()))
        }
        Destination::OfficerOffers => Some(Box::new(officer::offers::OffersScreen::new())),
        Destination::OfficerReviews => Some(Box::new(officer::reviews::ReviewsScreen::new())),
        Destination::OfficerJournal => Some(Box::new(journal::JournalScreen::new().of_officer())),
        Destination::Desk => Some(Box::new(desk::Desk::new())),
        Destination::RegionReport => Some(Box::new(report::ReportScreen::new(ctx))),
        Destination::RegionAudit => Some(Box::new(audit::AuditScreen::new().of_region())),
    }
}

/// Whether [`open`] can build `destination`.
pub fn available(destination: Destination) -> bool {
    open(destination, &Ctx::for_tests(crate::i18n::Lang::Ru)).is_some()
}

/// The first screen of a session (and after «Выйти»): the settlement choice.
pub fn start(_ctx: &Ctx) -> Box<dyn Screen> {
    Box::new(region::RegionScreen::new())
}
