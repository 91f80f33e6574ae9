//! Binding a child's applications to a parent's IIN («Привязка», seeds 000 and 001): the
//! decision, given what the population registry says about the child.

use super::iin::Iin;

/// What the population registry (ГБД ФЛ) knows about a child.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistryChild {
    pub iin: Iin,
    /// Parents and guardians recorded for the child.
    pub legal_representatives: Vec<Iin>,
}

/// Why a binding is refused; nothing changes then.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BindingRefusal {
    #[error("the registry has no child with this IIN")]
    ChildNotFound,
    #[error("the registry does not record you as the child's parent or guardian")]
    NotRelated,
    #[error("you cannot bind your own IIN as a child")]
    OwnIin,
    #[error("this child is already bound to you")]
    AlreadyBound,
}

impl BindingRefusal {
    pub fn code(&self) -> &'static str {
        match self {
            BindingRefusal::ChildNotFound => "child_not_found",
            BindingRefusal::NotRelated => "not_related",
            BindingRefusal::OwnIin => "own_iin",
            BindingRefusal::AlreadyBound => "already_bound",
        }
    }

    pub fn message_key(&self) -> String {
        format!("domain.binding.{}", self.code())
    }
}

/// The i18n key of the seeds' success message, «Родство подтвердилось, данные успешно обновлены».
pub const CONFIRMED: &str = "domain.binding.confirmed";

/// Whether `user` may bind `child_iin`: the registry must record them as the child's parent or
/// guardian. `registry` is the registry's answer for `child_iin` (`None`: no such person);
/// `bound` are the children already bound to `user`.
pub fn decide(
    user: Iin,
    child_iin: Iin,
    registry: Option<&RegistryChild>,
    bound: &[Iin],
) -> Result<(), BindingRefusal> {
    if user == child_iin {
        return Err(BindingRefusal::OwnIin);
    }
    if bound.contains(&child_iin) {
        return Err(BindingRefusal::AlreadyBound);
    }
    let child = registry
        .filter(|c| c.iin == child_iin)
        .ok_or(BindingRefusal::ChildNotFound)?;
    if child.legal_representatives.contains(&user) {
        Ok(())
    } else {
        Err(BindingRefusal::NotRelated)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::test_support::iin;

    #[test]
    fn kinship_in_the_registry_decides() {
        let (parent, stranger, child) = (iin(1990, 1, 11), iin(1991, 2, 12), iin(2021, 3, 13));
        let record = RegistryChild {
            iin: child,
            legal_representatives: vec![parent],
        };
        assert_eq!(decide(parent, child, Some(&record), &[]), Ok(()));
        assert_eq!(
            decide(stranger, child, Some(&record), &[]),
            Err(BindingRefusal::NotRelated)
        );
        assert_eq!(
            decide(parent, child, None, &[]),
            Err(BindingRefusal::ChildNotFound)
        );
        assert_eq!(
            decide(parent, child, Some(&record), &[child]),
            Err(BindingRefusal::AlreadyBound)
        );
        assert_eq!(
            decide(child, child, Some(&record), &[]),
            Err(BindingRefusal::OwnIin)
        );
        // A registry answer about another person is no answer about this child.
        let other = RegistryChild {
            iin: stranger,
            legal_representatives: vec![parent],
        };
        assert_eq!(
            decide(parent, child, Some(&other), &[]),
            Err(BindingRefusal::ChildNotFound)
        );
        assert_eq!(
            rust_i18n::t!(CONFIRMED, locale = "ru"),
            "Родство подтвердилось, данные успешно обновлены"
        );
    }
}
