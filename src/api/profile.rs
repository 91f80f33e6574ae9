//! The profile: contacts, and children bound to the parent's IIN («Привязка»); registry autofill.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::api::auth::User;
use crate::domain::{ContactPreference, Iin};
use crate::i18n::Lang;

/// «Редактирование контактных данных».
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Contacts {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extra_email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extra_phone: Option<String>,
    /// The language of notifications.
    #[schema(value_type = String)]
    pub language: Lang,
    /// How notices go: `email`, `sms` or `both` (the default; issue 14). SMS alone needs a
    /// phone, else `invalid_input` on this field.
    #[serde(default)]
    #[schema(value_type = String)]
    pub notify_by: ContactPreference,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Profile {
    pub user: User,
    pub contacts: Contacts,
}

/// `POST /api/v1/profile/bindings`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct BindingRequest {
    #[schema(value_type = String)]
    pub child_iin: Iin,
}

/// A child bound to the user: the «Привязка» table (ИИН, Дата рождения, ФИО).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct BoundChild {
    #[schema(value_type = String)]
    pub iin: Iin,
    pub birth_date: NaiveDate,
    pub full_name: String,
}

/// `GET /api/v1/registry/persons/{iin}`: a person of the population registry (ГБД ФЛ).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Person {
    #[schema(value_type = String)]
    pub iin: Iin,
    pub surname: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub patronymic: Option<String>,
    /// The sex is the IIN's seventh digit: `iin.sex()`.
    pub birth_date: NaiveDate,
}
