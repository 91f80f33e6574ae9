//! The ЦОН desk's endpoints (issue 12): service sessions, the citizen's card, the receipt, and
//! «Кто просматривал мои данные».

use reqwest::Method;

use super::{Client, ClientError, Download};
use crate::api::desk::{AuditEntry, CitizenCard, ConfirmCode, Service, StartService};
use crate::api::profile::{BindingRequest, BoundChild};
use crate::domain::{ApplicationNumber, Iin};

impl Client {
    /// `POST /api/v1/desk/services`: serve `citizen`; the code goes to their mobile on record.
    /// A demo server answers the code too (`demo_code`), for the client to show marked «DEMO».
    pub async fn start_service(&self, citizen: Iin) -> Result<Service, ClientError> {
        let body = StartService {
            citizen_iin: citizen,
        };
        Self::json(
            self.request(Method::POST, &["desk", "services"])
                .json(&body),
        )
        .await
    }

    /// `GET /api/v1/desk/services/{id}`.
    pub async fn service(&self, id: &str) -> Result<Service, ClientError> {
        self.get(&["desk", "services", id]).await
    }

    /// `POST /api/v1/desk/services/{id}/confirm`: the code the citizen reads out. Once
    /// confirmed, reads carry the citizen (`Kezek-Citizen`).
    pub async fn confirm_code(&mut self, id: &str, code: &str) -> Result<Service, ClientError> {
        let body = ConfirmCode {
            code: code.to_owned(),
        };
        let answer: Service = Self::json(
            self.request(Method::POST, &["desk", "services", id, "confirm"])
                .json(&body),
        )
        .await?;
        self.set_citizen(Some(answer.citizen_iin));
        Ok(answer)
    }

    /// `POST /api/v1/desk/services/{id}/end`: «Завершить обслуживание»; reads are the
    /// operator's own again.
    pub async fn end_service(&mut self, id: &str) -> Result<(), ClientError> {
        self.set_citizen(None);
        Self::send(self.request(Method::POST, &["desk", "services", id, "end"]))
            .await
            .map(drop)
    }

    /// `GET /api/v1/desk/services/{id}/card`: the citizen's card.
    pub async fn citizen_card(&self, id: &str) -> Result<CitizenCard, ClientError> {
        self.get(&["desk", "services", id, "card"]).await
    }

    /// `GET /api/v1/desk/services/{id}/receipts/{number}`: «Расписка о приеме документов».
    pub async fn receipt(
        &self,
        id: &str,
        number: &ApplicationNumber,
    ) -> Result<Download, ClientError> {
        let number = number.to_string();
        let response =
            Self::send(self.request(Method::GET, &["desk", "services", id, "receipts", &number]))
                .await?;
        let content_type = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("application/pdf")
            .to_owned();
        let bytes = response.bytes().await?.to_vec();
        Ok(Download {
            content_type,
            bytes,
        })
    }

    /// `GET /api/v1/desk/services/{id}/bindings`: the children bound to the citizen served.
    pub async fn citizen_bindings(&self, id: &str) -> Result<Vec<BoundChild>, ClientError> {
        self.get(&["desk", "services", id, "bindings"]).await
    }

    /// `POST /api/v1/desk/services/{id}/bindings`: binds a child to the citizen served, when
    /// the registry names the citizen the child's parent or guardian.
    pub async fn bind_citizen_child(
        &self,
        id: &str,
        child_iin: Iin,
    ) -> Result<BoundChild, ClientError> {
        let body = BindingRequest { child_iin };
        Self::json(
            self.request(Method::POST, &["desk", "services", id, "bindings"])
                .json(&body),
        )
        .await
    }

    /// `GET /api/v1/profile/audit`: «Кто просматривал мои данные».
    pub async fn own_audit(&self) -> Result<Vec<AuditEntry>, ClientError> {
        self.get(&["profile", "audit"]).await
    }

    /// `GET /api/v1/officer/audit`: operators' reads of the region's citizens.
    pub async fn region_audit(&self) -> Result<Vec<AuditEntry>, ClientError> {
        self.get(&["officer", "audit"]).await
    }
}
