//! Officers over HTTP against the real server: publishing free places offers them at once in
//! allocation order (out of turn first, then one first-turn child per three general ones, the
//! pattern continuing across publications), a declined place goes to the next child, the
//! region's places and offers are listed, other regions are refused; each status change leaves
//! its message in the outbox.

use crate::common;
use crate::messages;

use common::*;
use kezek::api::applications::DocumentKind;
use kezek::api::documents::ActionRequest;
use kezek::api::officer::{FreePlacesQuery, OffersQuery};
use kezek::api::problem::ProblemCode;
use kezek::domain::allocation::OfferStatus;
use kezek::domain::{ApplicationNumber, Status};
use kezek::i18n::Lang;
use kezek::server::catalogue::Catalogue;

/// Publishes `places` and answers the applications offered, in the order they were offered.
async fn publish(
    w: &World,
    officer: &kezek::client::Client,
    group: &str,
    places: u32,
) -> Vec<ApplicationNumber> {
    let published = w
        .publish(officer, OFFICER, ASTANA_KINDERGARTEN, group, places)
        .await
        .unwrap();
    assert_eq!(published.free_places.len(), 1);
    assert_eq!(published.free_places[0].places, places);
    let mut offered: Vec<_> = published.offers.iter().map(|o| o.number).collect();
    offered.reverse();
    offered
}

#[tokio::test]
async fn places_are_offered_in_allocation_order_and_passed_on() {
    let w = demo_world().await;
    let aigerim = w.login(AIGERIM).await;
    let officer = w.login(OFFICER).await;
    let mut operator = w.login(OPERATOR).await;
    let group = group_for_2022();
    // Registered in this order: five general children, two first-turn, one out of turn; the
    // first is Аружан, by her mother, the others children born in 2022 whose parents the
    // operator serves.
    let families = w.unqueued(&operator, Some(2022), 7).await;
    let mut numbers = vec![w.submit(&aigerim, &application(AIGERIM, ARUZHAN)).await];
    let benefits = [
        None,
        None,
        None,
        None,
        Some("teachers"),
        Some("large_families"),
        Some("military"),
    ];
    for (family, benefit) in families.iter().zip(benefits) {
        w.serve(&mut operator, family.applicant.iin).await;
        let mut submission = for_citizen(
            application_for(&family.applicant, &family.child),
            family.applicant.iin,
        );
        if let Some(category) = benefit {
            claim_benefit(&operator, &mut submission, category).await;
        }
        let number = w.submit(&operator, &submission).await;
        if benefit.is_some() {
            let review = ActionRequest::ReviewBenefit {
                accept: true,
                reason: String::new(),
                reason_code: None,
            };
            w.act(&officer, OFFICER, number, review).await.unwrap();
        }
        numbers.push(number);
    }
    let [g1, g2, g3, g4, g5, f1, f2, o1] = numbers[..] else {
        unreachable!()
    };
    let o1_parent = families[6].applicant.iin;
    // Out of turn first, then the pattern starts with a first-turn child.
    assert_eq!(publish(&w, &officer, &group, 3).await, vec![o1, f1, g1]);
    // Places published one at a time continue the pattern instead of restarting it.
    assert_eq!(publish(&w, &officer, &group, 1).await, vec![g2]);
    assert_eq!(publish(&w, &officer, &group, 1).await, vec![g3]);
    assert_eq!(publish(&w, &officer, &group, 1).await, vec![f2]);

    // The applicant sees the offer of the kindergarten.
    let detail = aigerim.application(&g1).await.unwrap();
    assert_eq!(detail.state.status, Status::Offered);
    let offer = detail.state.offer.as_ref().unwrap();
    assert_eq!(offer.kindergartens, vec![ASTANA_KINDERGARTEN.to_owned()]);
    assert!(
        detail
            .allowed_actions
            .iter()
            .any(|a| a.code() == "accept-offer")
    );

    // Declining passes the place on at once, never back to the same child.
    w.act(&aigerim, AIGERIM, g1, ActionRequest::DeclineOffer)
        .await
        .unwrap();
    let offers = officer.offers(&OffersQuery::default()).await.unwrap();
    let status_of = |number| {
        offers
            .iter()
            .filter(|o| o.number == number)
            .map(|o| o.status)
            .collect::<Vec<_>>()
    };
    assert_eq!(status_of(g1), vec![OfferStatus::Declined]);
    assert_eq!(status_of(g4), vec![OfferStatus::Awaiting]);
    assert!(status_of(g5).is_empty());
    assert_eq!(offers.len(), 7);
    let all = officer
        .free_places(&FreePlacesQuery::default())
        .await
        .unwrap();
    assert_eq!(all.len(), 4);
    assert!(all.iter().all(|p| p.remaining == 0 && p.group == group));
    let open = FreePlacesQuery {
        region: None,
        open: true,
    };
    assert!(officer.free_places(&open).await.unwrap().is_empty());

    // Accepting issues the direction and the offer says so.
    let accept = ActionRequest::AcceptOffer {
        kindergarten: ASTANA_KINDERGARTEN.to_owned(),
    };
    let detail = w.act_for(&operator, o1_parent, o1, accept).await.unwrap();
    assert_eq!(detail.state.status, Status::DirectionIssued);
    let offers = officer.offers(&OffersQuery::default()).await.unwrap();
    let o1_offer = offers.iter().find(|o| o.number == o1).unwrap();
    assert_eq!(o1_offer.status, OfferStatus::Accepted);

    // The direction is a real PDF, made with the direction and listed under its kind.
    operator.set_citizen(Some(o1_parent));
    let documents = operator.documents(&o1).await.unwrap();
    let direction = documents
        .iter()
        .find(|d| d.kind == DocumentKind::Direction)
        .expect("the direction is listed");
    let pdf = operator
        .download_document(&o1, &direction.id)
        .await
        .unwrap();
    assert_eq!(pdf.content_type, "application/pdf");
    assert!(pdf.bytes.starts_with(b"%PDF"));

    // Enrollment uses the place up; the public figures count all of it.
    w.act(&officer, OFFICER, o1, ActionRequest::Enroll)
        .await
        .unwrap();
    let offers = officer.offers(&OffersQuery::default()).await.unwrap();
    let o1_offer = offers.iter().find(|o| o.number == o1).unwrap();
    assert_eq!(o1_offer.status, OfferStatus::Enrolled);
    let stats = w.client().public_stats("astana").await.unwrap();
    assert_eq!(stats.open_free_places, 0);
    let sum =
        |f: fn(&kezek::api::public::MonthStats) -> u32| stats.months.iter().map(f).sum::<u32>();
    assert_eq!(sum(|m| m.free_places), 6);
    assert_eq!(sum(|m| m.directions), 1);
    assert_eq!(sum(|m| m.enrollments), 1);
}

#[tokio::test]
async fn publishing_is_signed_idempotent_and_kept_to_the_officers_region() {
    let w = world().await;
    let officer = w.login(OFFICER).await;
    let group = group_for_2022();
    // The same signed document twice: one publication, the first answer again.
    let document = kezek::api::documents::PlacesDocument {
        envelope: kezek::api::documents::Envelope::now(),
        groups: vec![kezek::api::documents::GroupPlaces {
            group_id: kezek::api::officer::group_id(ASTANA_KINDERGARTEN, &group),
            free_places: 2,
        }],
    };
    let id = document.envelope.request_id.clone();
    let xml = sign(
        &w.keystore(OFFICER, "SIGN", "valid"),
        &kezek::api::documents::Document::Places(document).to_xml(),
    );
    let first = officer.publish_free_places(&id, &xml).await.unwrap();
    let again = officer.publish_free_places(&id, &xml).await.unwrap();
    assert_eq!(first, again);
    assert_eq!(first.free_places[0].remaining, 2, "nobody in the queue yet");
    let listed = officer
        .free_places(&FreePlacesQuery::default())
        .await
        .unwrap();
    assert_eq!(listed, first.free_places);

    // Another region's kindergarten, lists and an unknown group are refused.
    let almaty = Catalogue::bundled()
        .kindergartens_in("almaty")
        .next()
        .unwrap();
    let almaty_group = almaty.groups[0].code();
    assert_eq!(
        code(
            w.publish(&officer, OFFICER, &almaty.code, &almaty_group, 1)
                .await
        ),
        ProblemCode::Forbidden
    );
    let elsewhere = FreePlacesQuery {
        region: Some("almaty".to_owned()),
        open: false,
    };
    assert_eq!(
        code(officer.free_places(&elsewhere).await),
        ProblemCode::Forbidden
    );
    let elsewhere = OffersQuery {
        region: Some("almaty".to_owned()),
        limit: None,
    };
    assert_eq!(
        code(officer.offers(&elsewhere).await),
        ProblemCode::Forbidden
    );
    assert_eq!(
        code(
            w.publish(&officer, OFFICER, ASTANA_KINDERGARTEN, "no-such-group", 1)
                .await
        ),
        ProblemCode::InvalidInput
    );
    assert_eq!(
        code(
            w.publish(&officer, OFFICER, ASTANA_KINDERGARTEN, &group, 0)
                .await
        ),
        ProblemCode::InvalidInput
    );
    // Only officers publish, with their own key.
    let aigerim = w.login(AIGERIM).await;
    assert_eq!(
        code(
            w.publish(&aigerim, AIGERIM, ASTANA_KINDERGARTEN, &group, 1)
                .await
        ),
        ProblemCode::Forbidden
    );
    assert_eq!(
        code(
            w.publish(&officer, AIGERIM, ASTANA_KINDERGARTEN, &group, 1)
                .await
        ),
        ProblemCode::SignerMismatch
    );
}

#[tokio::test]
async fn demo_seeding_and_rules_follow_the_configured_region_settings() {
    use kezek::api::applications::JournalQuery;
    use kezek::api::public::PublicQueueQuery;
    use kezek::domain::{Calendar, RegionSettings};
    let w = world_with(|config| {
        config.demo = Some(300);
        config.regions.insert(
            "astana".to_owned(),
            RegionSettings {
                age_limit_years: 6,
                offer_window_working_days: 1,
                direction_valid_working_days: 2,
                ..RegionSettings::default()
            },
        );
        config.regions.insert(
            "almaty".to_owned(),
            RegionSettings {
                age_limit_years: 4,
                ..RegionSettings::default()
            },
        );
    })
    .await;
    // The demo key holders' own children are free for the end-to-end flows.
    for child in [ARUZHAN, ALIKHAN] {
        let query = PublicQueueQuery {
            number: None,
            child_iin: Some(child.to_owned()),
        };
        assert!(w.client().public_queue(&query).await.unwrap().is_empty());
    }
    // The demo officer's region has a good share of the applications, all registered while
    // the child was under the region's age limit.
    let officer = w.login(OFFICER).await;
    let query = JournalQuery {
        per_page: Some(500),
        ..JournalQuery::default()
    };
    let journal = officer.journal(&query).await.unwrap();
    assert!(journal.total >= 50, "{}", journal.total);
    for row in &journal.rows {
        let limit = row
            .child_birth_date
            .checked_add_months(chrono::Months::new(72));
        assert!(Some(row.created_at.date_naive()) < limit, "{row:?}");
    }
    // The rules apply the region's age limit: a four-year-old is too old in Almaty only.
    let aigerim = w.login(AIGERIM).await;
    let mut almaty = application(AIGERIM, ARUZHAN);
    almaty.region = "almaty".to_owned();
    almaty.settlement = Catalogue::bundled().region("almaty").unwrap().districts[0].settlements[0]
        .code
        .clone();
    let key = w.keystore(AIGERIM, "SIGN", "valid");
    let refused = aigerim
        .submit_application(&almaty.envelope.request_id, &sign(&key, &xml_of(&almaty)))
        .await;
    assert_eq!(code(refused), ProblemCode::InvalidInput);
    w.submit(&aigerim, &application(AIGERIM, ARUZHAN)).await;
    // Offers and directions take the region's windows.
    let group = group_for_2022();
    let published = w
        .publish(&officer, OFFICER, ASTANA_KINDERGARTEN, &group, 1)
        .await
        .unwrap();
    let offer = published
        .offers
        .first()
        .expect("a seeded child is offered the place");
    let calendar = Calendar::kazakhstan();
    assert_eq!(offer.answer_by, calendar.deadline(offer.made_at, 1));
    // The seeded directions are valid as long as the region says.
    let issued = journal
        .rows
        .iter()
        .find(|row| row.status == Status::DirectionIssued)
        .expect("the demo has directions");
    let detail = officer.application(&issued.number).await.unwrap();
    let direction = detail.state.direction.unwrap();
    assert_eq!(
        direction.expires_at,
        calendar.deadline(direction.issued_at, 2)
    );
}

#[tokio::test]
async fn every_status_change_leaves_a_message_in_the_applicants_language() {
    let w = world().await;
    let aigerim = w.login(AIGERIM).await;
    let mut contacts = aigerim.profile().await.unwrap().contacts;
    contacts.email = Some("aigerim@example.kz".to_owned());
    contacts.language = Lang::Kk;
    aigerim.update_contacts(&contacts).await.unwrap();
    let officer = w.login(OFFICER).await;
    let number = w.submit(&aigerim, &application(AIGERIM, ARUZHAN)).await;
    assert_eq!(
        publish(&w, &officer, &group_for_2022(), 1).await,
        vec![number]
    );
    let accept = ActionRequest::AcceptOffer {
        kindergarten: ASTANA_KINDERGARTEN.to_owned(),
    };
    w.act(&aigerim, AIGERIM, number, accept).await.unwrap();
    // A refused action changes nothing, so it tells nothing.
    let again = ActionRequest::AcceptOffer {
        kindergarten: ASTANA_KINDERGARTEN.to_owned(),
    };
    assert!(w.act(&aigerim, AIGERIM, number, again).await.is_err());

    let kk = messages::messages("kk");
    let outbox = w.outbox().await;
    let events = ["registered", "offer_made", "direction_issued"];
    assert_eq!(outbox.len(), events.len(), "{outbox:#?}");
    for ((language, email, phone, subject, body), event) in outbox.iter().zip(events) {
        assert_eq!(language, "kk");
        assert_eq!(email.as_deref(), Some("aigerim@example.kz"));
        assert_eq!(phone.as_deref(), contacts.phone.as_deref());
        assert!(subject.contains(&number.to_string()), "{subject}");
        assert!(
            subject.contains(&kk[&format!("domain.event.{event}")]),
            "{subject}"
        );
        assert!(
            body.contains(&kk[&format!("notify.hint.{event}")]),
            "{body}"
        );
    }
}
