//! Who may queue a child (docs/domain-rules.md, «Who may queue a child»): a parent or guardian
//! of the child in the population registry, in person or through the ЦОН operator serving
//! them. The submission and the wizard's check at step 2 both ask [`may_queue`], and nothing
//! else decides it; the registry also supplies the names and birth dates the application keeps.

use crate::domain::Iin;
use crate::domain::registry_match::RegistryEntry;
use crate::server::registry::{Person, PopulationRegistry, RegistryError};

/// A child and the parent or guardian who may queue them, as the registry knows both.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Guardianship {
    pub applicant: Person,
    pub child: Person,
}

/// Why a person may not queue a child.
#[derive(Debug, thiserror::Error)]
pub enum KinshipError {
    #[error("the child is not in the population registry")]
    ChildNotInRegistry,
    #[error("the registry does not name the applicant a parent or guardian of the child")]
    NotAParent,
    /// The registry did not answer: that is never taken for «not related».
    #[error(transparent)]
    Registry(#[from] RegistryError),
}

/// Whether `applicant` (the person themself, or the citizen an operator serves) may queue
/// `child`: the registry must know the child and name the applicant their parent or guardian.
pub async fn may_queue(
    registry: &dyn PopulationRegistry,
    applicant: Iin,
    child: Iin,
) -> Result<Guardianship, KinshipError> {
    let child = registry
        .person(child)
        .await?
        .ok_or(KinshipError::ChildNotInRegistry)?;
    if !registry.is_parent_or_guardian(applicant, child.iin).await? {
        return Err(KinshipError::NotAParent);
    }
    // A registry that links a parent it does not list cannot vouch for them.
    let applicant = registry
        .person(applicant)
        .await?
        .ok_or(KinshipError::NotAParent)?;
    Ok(Guardianship { applicant, child })
}

/// A registry person as the name rules read them.
pub fn entry(person: &Person) -> RegistryEntry<'_> {
    RegistryEntry {
        surname: &person.surname,
        name: &person.name,
        patronymic: person.patronymic.as_deref(),
        birth_date: person.birth_date(),
    }
}
