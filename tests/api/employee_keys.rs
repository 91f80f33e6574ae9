//! An officer's or operator's signed acts need their organisation's key (a SIGN certificate
//! with its BIN); the same person's personal key is refused with `employee_key_required` and
//! nothing is stored, and a personal login key brings no employee role at all.

use kezek::api::applications::JournalQuery;
use kezek::api::documents::Envelope;
use kezek::api::problem::ProblemCode;
use kezek::domain::Iin;

use crate::common::{
    AIGERIM, ASTANA_KINDERGARTEN, DESK_REQUEST, OFFICER, OPERATOR, World, application, code,
    group_for_2022, publish_signed, sign, world, xml_of,
};

const ARUZHAN: &str = "220315612150";
/// What a refused act could have written.
const TABLES: [&str; 5] = [
    "applications",
    "events",
    "free_places",
    "offers",
    "idempotency",
];

#[tokio::test]
async fn an_officer_publishes_places_only_with_the_departments_key() {
    let world = world().await;
    let officer = world.login(OFFICER).await;
    let before = world.rows(&TABLES).await;
    let personal = world.keystore(OFFICER, "SIGN", "personal");
    assert_eq!(personal.entries[0].certificate.info().subject.bin, None);
    let refused = publish_signed(
        &officer,
        &personal,
        ASTANA_KINDERGARTEN,
        &group_for_2022(),
        2,
    )
    .await;
    assert_eq!(code(refused), ProblemCode::EmployeeKeyRequired);
    assert_eq!(world.rows(&TABLES).await, before);
    // The department's key does it.
    world
        .publish(&officer, OFFICER, ASTANA_KINDERGARTEN, &group_for_2022(), 2)
        .await
        .unwrap();
}

/// The operator at the desk files for a citizen: with the ЦОН's key, not her own.
#[tokio::test]
async fn an_operator_acts_for_a_citizen_only_with_the_service_centres_key() {
    let world = world().await;
    let mut operator = world.login(OPERATOR).await;
    world
        .serve(&mut operator, Iin::parse(AIGERIM).unwrap())
        .await;
    let mut submission = application(AIGERIM, ARUZHAN);
    submission.envelope = Envelope::now().for_citizen(Iin::parse(AIGERIM).unwrap(), DESK_REQUEST);
    let before = world.rows(&TABLES).await;
    let personal = world.keystore(OPERATOR, "SIGN", "personal");
    let refused = operator
        .submit_application(
            &submission.envelope.request_id,
            &sign(&personal, &xml_of(&submission)),
        )
        .await;
    assert_eq!(code(refused), ProblemCode::EmployeeKeyRequired);
    assert_eq!(world.rows(&TABLES).await, before);

    let mut again = submission.clone();
    again.envelope = Envelope::now().for_citizen(Iin::parse(AIGERIM).unwrap(), DESK_REQUEST);
    let employee = world.keystore(OPERATOR, "SIGN", "valid");
    operator
        .submit_application(
            &again.envelope.request_id,
            &sign(&employee, &xml_of(&again)),
        )
        .await
        .unwrap();
}

/// Logged in with her personal AUTH key, the operator is a citizen like any other: no role.
#[tokio::test]
async fn a_personal_login_key_brings_no_employee_role() {
    let world: World = world().await;
    for (iin, employee) in [(OPERATOR, "operator"), (OFFICER, "officer")] {
        let mut client = world
            .login_with(&world.keystore(iin, "AUTH", "personal"))
            .await
            .unwrap();
        let profile = client.profile().await.unwrap();
        assert!(
            profile.user.roles.is_empty(),
            "{employee}: {:?}",
            profile.user.roles
        );
        // Reading a citizen's journal at the desk is an operator's.
        client.set_citizen(Some(Iin::parse(AIGERIM).unwrap()));
        let journal = client.journal(&JournalQuery::default()).await;
        assert_eq!(code(journal), ProblemCode::Forbidden, "{employee}");
    }
    // With the personal login, even the department's SIGN key publishes nothing.
    let officer = world
        .login_with(&world.keystore(OFFICER, "AUTH", "personal"))
        .await
        .unwrap();
    let refused = world
        .publish(&officer, OFFICER, ASTANA_KINDERGARTEN, &group_for_2022(), 1)
        .await;
    assert_eq!(code(refused), ProblemCode::Forbidden);
}
