//! The terminal client: screens in three languages and two sizes, key handling, the i18n
//! files, and the real binary driven in tmux.

#[path = "../common/mod.rs"]
mod common;
#[path = "../messages/mod.rs"]
mod messages;

mod basics;
mod desk;
mod e2e;
mod e2e_desk;
mod e2e_officer;
mod i18n_keys;
mod inbox;
mod officer;
mod report;
mod screens;
#[path = "../common/softhsm.rs"]
mod softhsm;
mod tokens;
