//! The education officer's workspace (issue 13): «Детские сады» (kindergartens and groups,
//! capacities, published places), «Предложения и направления», «Проверка льгот» and the
//! region's journal. Each screen reads through [`calls`], signs through [`dialog`], and draws
//! its list with [`table`], which builds only the rows in view.

pub mod calls;
pub mod dialog;
pub mod kindergartens;
pub mod offers;
pub mod reviews;
pub mod scan;
pub mod table;
