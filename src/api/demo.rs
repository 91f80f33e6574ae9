//! Demo servers only (`kezek serve --demo`): the registry's synthetic parents with a child
//! nobody has queued, for a ЦОН operator to serve (`kezek loadgen`, the API tests).

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::api::documents::{Envelope, Submission};
use crate::api::profile::Person;
use crate::domain::wizard::Draft;

/// At most this many children a page.
pub const MAX_UNQUEUED_PAGE: u32 = 1_000;

/// `GET /api/v1/demo/unqueued-children`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UnqueuedQuery {
    /// Children who may be queued in this region today (under its age limit).
    pub region: String,
    /// Only children born in this year.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birth_year: Option<i32>,
    /// The previous page's `next_cursor`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
    /// Children a page, at most [`MAX_UNQUEUED_PAGE`] (default 100).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
}

/// A child nobody has queued, and the parent or guardian who may.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct UnqueuedChild {
    pub applicant: Person,
    pub child: Person,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct UnqueuedPage {
    /// At most `limit`; fewer, even none, when the server stopped looking early.
    pub children: Vec<UnqueuedChild>,
    /// Absent on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

impl UnqueuedChild {
    /// The application for this child in `region` and its `settlement`, both people named as
    /// the registry names them, with demo contacts; signed as it is by the applicant, or by an
    /// operator once the envelope names the citizen (`Envelope::for_citizen`).
    pub fn application(&self, region: &str, settlement: &str) -> Submission {
        let (applicant, child) = (&self.applicant, &self.child);
        let mut draft = Draft::default();
        draft.applicant.iin = applicant.iin.to_string();
        draft.applicant.birth_date = Some(applicant.birth_date);
        draft.applicant.surname = applicant.surname.clone();
        draft.applicant.name = applicant.name.clone();
        draft.applicant.patronymic = applicant.patronymic.clone().unwrap_or_default();
        draft.applicant.email = "demo@example.kz".to_owned();
        draft.applicant.phone = "+77012345678".to_owned();
        draft.child.iin = child.iin.to_string();
        draft.child.birth_date = Some(child.birth_date);
        draft.child.surname = child.surname.clone();
        draft.child.name = child.name.clone();
        draft.child.patronymic = child.patronymic.clone().unwrap_or_default();
        Submission {
            envelope: Envelope::now(),
            region: region.to_owned(),
            settlement: settlement.to_owned(),
            draft,
            attachments: Vec::new(),
        }
    }
}
