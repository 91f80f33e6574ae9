//! Who may see and act on an application (docs/domain-rules.md, «Who takes part» and
//! «Applications»): the applicant who submitted it, parents bound to it, an operator while serving
//! one of those citizens, and the officers of its region.

use super::action::{ActionKind, Actor};
use super::iin::Iin;

/// The people and place an application belongs to.
#[derive(Debug, Clone, Copy)]
pub struct Parties<'a> {
    /// The applicant who submitted it.
    pub applicant: Iin,
    /// Parents who bound the child to their IIN.
    pub bound_parents: &'a [Iin],
    /// The region's code.
    pub region: &'a str,
}

impl Parties<'_> {
    /// The citizen is the applicant or a bound parent.
    fn includes(&self, citizen: Iin) -> bool {
        self.applicant == citizen || self.bound_parents.contains(&citizen)
    }
}

/// Whether `actor` may see the application (journal, details, history, documents).
pub fn can_view(actor: &Actor, parties: &Parties<'_>) -> bool {
    match actor {
        Actor::Applicant { iin } => parties.includes(*iin),
        Actor::Operator { serving, .. } => serving.is_some_and(|citizen| parties.includes(citizen)),
        Actor::Officer { region, .. } => region == parties.region,
        Actor::System => true,
    }
}

/// Whether `actor` may ask for `kind` on the application: they see it and their role may do
/// that kind of action. Whether the application's state allows it is the lifecycle's answer.
pub fn can_act(actor: &Actor, parties: &Parties<'_>, kind: ActionKind) -> bool {
    kind.permits(actor.role()) && can_view(actor, parties)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::test_support::iin;

    #[test]
    fn the_visibility_matrix_of_the_spec() {
        let (applicant, parent, stranger, child_citizen) = (
            iin(1990, 1, 1),
            iin(1991, 2, 2),
            iin(1992, 3, 3),
            iin(1993, 4, 4),
        );
        let bound = [parent];
        let parties = Parties {
            applicant,
            bound_parents: &bound,
            region: "almaty",
        };
        let staff = iin(1980, 5, 5);
        let cases = [
            (Actor::Applicant { iin: applicant }, true),
            (Actor::Applicant { iin: parent }, true),
            (Actor::Applicant { iin: stranger }, false),
            (
                Actor::Operator {
                    iin: staff,
                    serving: Some(applicant),
                },
                true,
            ),
            (
                Actor::Operator {
                    iin: staff,
                    serving: Some(parent),
                },
                true,
            ),
            (
                Actor::Operator {
                    iin: staff,
                    serving: Some(child_citizen),
                },
                false,
            ),
            (
                Actor::Operator {
                    iin: staff,
                    serving: None,
                },
                false,
            ),
            (
                Actor::Officer {
                    iin: staff,
                    region: "almaty".into(),
                },
                true,
            ),
            (
                Actor::Officer {
                    iin: staff,
                    region: "astana".into(),
                },
                false,
            ),
            (Actor::System, true),
        ];
        for (actor, visible) in cases {
            assert_eq!(can_view(&actor, &parties), visible, "{actor:?}");
        }
        let parent_actor = Actor::Applicant { iin: parent };
        assert!(can_act(
            &parent_actor,
            &parties,
            ActionKind::ExtendDirection
        ));
        assert!(!can_act(&parent_actor, &parties, ActionKind::Enroll));
        let officer = Actor::Officer {
            iin: staff,
            region: "almaty".into(),
        };
        assert!(can_act(&officer, &parties, ActionKind::ReviewBenefit));
        assert!(!can_act(&officer, &parties, ActionKind::Withdraw));
    }
}
