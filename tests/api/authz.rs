//! The authorization matrix: every endpoint of the router (src/server/http/mod.rs) × every kind
//! of caller, against one real server, asserting the call is allowed or refused with the exact
//! problem code docs/domain-rules.md and docs/design-api.md call for.
//!
//! Callers: the applicant (Серикова Айгерим, for her daughter Аружан), the bound parent
//! (Сериков Нурлан, bound to Аружан via /profile/bindings), an unrelated applicant (Жұмабаев
//! Дәурен), the operator (serving Айгерим), the officer of the region (Астана), an officer of
//! another region, and no login. The demo keys hold one officer only, so "an officer of another
//! region" is that officer facing another region's application, places and lists: Дәурен's
//! application for Әлихан is filed in Almaty.

use crate::common;

use common::*;
use kezek::api::applications::JournalQuery;
use kezek::api::catalogue::KindergartenQuery;
use kezek::api::demo::UnqueuedQuery;
use kezek::api::documents::{ActionRequest, Document, Envelope};
use kezek::api::officer::{FreePlacesQuery, OffersQuery};
use kezek::api::problem::ProblemCode;
use kezek::api::profile::Contacts;
use kezek::api::public::PublicQueueQuery;
use kezek::client::{Client, ClientError};
use kezek::domain::{ApplicationNumber, Iin};
use kezek::i18n::Lang;
use kezek::server::catalogue::Catalogue;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Applicant,
    BoundParent,
    Unrelated,
    Operator,
    Officer,
    OtherOfficer,
    Anonymous,
}

const ROLES: [Role; 7] = [
    Role::Applicant,
    Role::BoundParent,
    Role::Unrelated,
    Role::Operator,
    Role::Officer,
    Role::OtherOfficer,
    Role::Anonymous,
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Endpoint {
    Healthz,
    OpenApi,
    Regions,
    Benefits,
    Kindergartens,
    Challenge,
    Login,
    Logout,
    ProfileGet,
    ProfilePut,
    BindingsGet,
    BindingsPost,
    RegistryPerson,
    ChildCheck,
    Attachments,
    Submit,
    Journal,
    Detail,
    History,
    Documents,
    Download,
    PositionHistory,
    Act,
    PublicQueue,
    PublicStats,
    OfficerAct,
    PublishPlaces,
    FreePlaces,
    Offers,
    DemoUnqueued,
    OfficerKindergartens,
    ChangeKindergarten,
    OfficerDirections,
    BenefitReviews,
    // --- the ЦОН desk (issue 12) ---
    DeskStart,
    DeskService,
    DeskCard,
    DeskReceipt,
    OwnAudit,
    RegionAudit,
}

/// What a caller gets: the call is served, or refused with this code.
type Outcome = Result<(), ProblemCode>;

const OK: Outcome = Ok(());
const LOGIN: Outcome = Err(ProblemCode::LoginRequired);
const HIDDEN: Outcome = Err(ProblemCode::ApplicationNotFound);
const FORBIDDEN: Outcome = Err(ProblemCode::Forbidden);
const KINSHIP: Outcome = Err(ProblemCode::KinshipNotConfirmed);
const QUEUED: Outcome = Err(ProblemCode::ChildAlreadyQueued);
const NOT_A_PARENT: Outcome = Err(ProblemCode::NotAParent);

/// The matrix, callers in the order of [`ROLES`]: applicant, bound parent, unrelated applicant,
/// operator, officer of the region, officer of another region, no login.
fn expected(endpoint: Endpoint) -> [Outcome; 7] {
    use Endpoint::*;
    match endpoint {
        // Public: anyone.
        Healthz | OpenApi | Regions | Benefits | Kindergartens | Challenge | Login
        | PublicQueue | PublicStats => [OK; 7],
        // Anyone logged in, about themselves.
        Logout | ProfileGet | ProfilePut | BindingsGet | Attachments => {
            [OK, OK, OK, OK, OK, OK, LOGIN]
        }
        // Kinship decides, whoever asks.
        BindingsPost => [OK, OK, KINSHIP, KINSHIP, KINSHIP, KINSHIP, LOGIN],
        // The registry: oneself, one's own children; operators the citizen served and theirs.
        RegistryPerson => [OK, OK, FORBIDDEN, OK, FORBIDDEN, FORBIDDEN, LOGIN],
        // Only the child's parents may file for Аружан (the operator for the citizen served),
        // and she is queued already; to anyone else, staff included, kinship says no.
        ChildCheck | Submit => [
            QUEUED,
            QUEUED,
            NOT_A_PARENT,
            QUEUED,
            NOT_A_PARENT,
            NOT_A_PARENT,
            LOGIN,
        ],
        // The journal: one's own, the citizen's, the region's; never another region's.
        Journal => [OK, OK, OK, OK, OK, FORBIDDEN, LOGIN],
        // One application: seen by its parties and its region's officer, hidden from others.
        Detail | History | Documents | Download | PositionHistory => {
            [OK, OK, HIDDEN, OK, OK, HIDDEN, LOGIN]
        }
        // An applicant's action: the applicant, a bound parent, the operator for the citizen;
        // an officer here is a citizen like any other, for whom the application is not theirs.
        Act => [OK, OK, HIDDEN, OK, HIDDEN, HIDDEN, LOGIN],
        // Officers of the application's region only.
        OfficerAct => [
            FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK, HIDDEN, LOGIN,
        ],
        PublishPlaces | FreePlaces | Offers | OfficerKindergartens | ChangeKindergarten
        | OfficerDirections | BenefitReviews => [
            FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK, FORBIDDEN, LOGIN,
        ],
        // A demo server's registry children, for the operator's desk only.
        DemoUnqueued => [
            FORBIDDEN, FORBIDDEN, FORBIDDEN, OK, FORBIDDEN, FORBIDDEN, LOGIN,
        ],
        // The desk: operators only, and a service session only its own operator's (the
        // operator serves Айгерим, whose application the receipt is of).
        DeskStart | DeskService | DeskCard | DeskReceipt => [
            FORBIDDEN, FORBIDDEN, FORBIDDEN, OK, FORBIDDEN, FORBIDDEN, LOGIN,
        ],
        // «Кто просматривал мои данные»: everyone's own; the region's for its officers.
        OwnAudit => [OK, OK, OK, OK, OK, OK, LOGIN],
        RegionAudit => [FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK, OK, LOGIN],
    }
}

/// What a caller acts on: the application, its first document, its region and a group there.
struct Subject {
    number: ApplicationNumber,
    document: String,
    region: &'static str,
    kindergarten: String,
    group: String,
}

impl Subject {
    async fn of(client: &Client, number: ApplicationNumber, region: &'static str) -> Subject {
        let document = client.documents(&number).await.unwrap()[0].id.clone();
        let kindergarten = Catalogue::bundled()
            .kindergartens_in(region)
            .next()
            .unwrap();
        Subject {
            number,
            document,
            region,
            kindergarten: kindergarten.code.clone(),
            group: kindergarten.groups[0].code(),
        }
    }
}

struct Caller {
    client: Client,
    /// Whose SIGN and AUTH keys the caller uses (no login: the applicant's, unused).
    iin: &'static str,
    /// The citizen an operator serves.
    citizen: Option<Iin>,
    subject: usize,
}

struct Matrix {
    world: World,
    callers: Vec<Caller>,
    subjects: [Subject; 2],
    /// The operator's service session of Айгерим.
    service: String,
}

fn outcome<T: std::fmt::Debug>(result: Result<T, ClientError>) -> Outcome {
    match result {
        Ok(_) => Ok(()),
        Err(ClientError::Problem(problem)) => Err(problem.code),
        Err(other) => panic!("not a problem+json answer: {other:?}"),
    }
}

impl Matrix {
    async fn call(&self, endpoint: Endpoint, role: Role) -> Outcome {
        use Endpoint::*;
        let w = &self.world;
        let caller = &self.callers[role as usize];
        let subject = &self.subjects[caller.subject];
        let client = &caller.client;
        let number = subject.number;
        match endpoint {
            Healthz => outcome(client.healthz().await),
            OpenApi => {
                let url = format!("{}/api/v1/openapi.json", w.url());
                let status = reqwest::get(url).await.unwrap().status();
                assert!(status.is_success());
                OK
            }
            Regions => outcome(client.regions().await),
            Benefits => outcome(client.benefits().await),
            Kindergartens => {
                let query = KindergartenQuery {
                    region: subject.region.to_owned(),
                    settlement: None,
                };
                outcome(client.kindergartens(&query).await)
            }
            Challenge => outcome(client.challenge().await),
            Login => {
                let key = w.keystore(caller.iin, "AUTH", "valid");
                outcome(w.login_with(&key).await)
            }
            Logout => {
                // A session of its own, so the caller's stays usable.
                let mut session = match role {
                    Role::Anonymous => w.client(),
                    _ => w.login(caller.iin).await,
                };
                outcome(session.logout().await)
            }
            ProfileGet => outcome(client.profile().await),
            ProfilePut => {
                let contacts = Contacts {
                    email: Some("demo@example.kz".to_owned()),
                    phone: Some("+7 701 234 56 78".to_owned()),
                    extra_email: None,
                    extra_phone: None,
                    language: Lang::Ru,
                    notify_by: Default::default(),
                };
                outcome(client.update_contacts(&contacts).await)
            }
            BindingsGet => outcome(client.bindings().await),
            BindingsPost => outcome(client.bind_child(Iin::parse(ARUZHAN).unwrap()).await),
            RegistryPerson => outcome(client.registry_person(Iin::parse(ARUZHAN).unwrap()).await),
            ChildCheck => outcome(client.child_check(Iin::parse(ARUZHAN).unwrap()).await),
            Attachments => outcome(client.upload_attachment("scan.pdf", pdf_scan()).await),
            Submit => {
                let applicant = caller
                    .citizen
                    .map_or(caller.iin.to_owned(), |c| c.to_string());
                let mut submission = application(&applicant, ARUZHAN);
                if let Some(citizen) = caller.citizen {
                    submission.envelope = Envelope::now().for_citizen(citizen, DESK_REQUEST);
                }
                let key = w.keystore(caller.iin, "SIGN", "valid");
                outcome(
                    client
                        .submit_application(
                            &submission.envelope.request_id,
                            &sign(&key, &xml_of(&submission)),
                        )
                        .await,
                )
            }
            Journal => {
                let query = JournalQuery {
                    region: Some(subject.region.to_owned()),
                    ..JournalQuery::default()
                };
                // Only officers name a region; everyone else reads their own journal.
                let query = match role {
                    Role::Officer | Role::OtherOfficer => query,
                    _ => JournalQuery::default(),
                };
                outcome(client.journal(&query).await)
            }
            Detail => outcome(client.application(&number).await),
            History => outcome(client.history(&number).await),
            Documents => outcome(client.documents(&number).await),
            Download => outcome(client.download_document(&number, &subject.document).await),
            PositionHistory => outcome(client.position_history(&number).await),
            Act => {
                let mut envelope = Envelope::now();
                if let Some(citizen) = caller.citizen {
                    envelope = envelope.for_citizen(citizen, DESK_REQUEST);
                }
                let document = kezek::api::documents::ActionDocument {
                    envelope,
                    number,
                    action: ActionRequest::ConfirmInterest,
                };
                let id = document.envelope.request_id.clone();
                let key = w.keystore(caller.iin, "SIGN", "valid");
                let xml = sign(&key, &Document::Action(document).to_xml());
                outcome(client.act(&number, "confirm-interest", &id, &xml).await)
            }
            PublicQueue => {
                let query = PublicQueueQuery {
                    number: Some(number.to_string()),
                    child_iin: None,
                };
                outcome(client.public_queue(&query).await)
            }
            PublicStats => outcome(client.public_stats(subject.region).await),
            OfficerAct => {
                let review = ActionRequest::ReviewBenefit {
                    accept: true,
                    reason: String::new(),
                    reason_code: None,
                };
                outcome(w.act(client, caller.iin, number, review).await)
            }
            PublishPlaces => outcome(
                w.publish(client, caller.iin, &subject.kindergarten, &subject.group, 1)
                    .await,
            ),
            FreePlaces => {
                let query = FreePlacesQuery {
                    region: Some(subject.region.to_owned()),
                    open: false,
                };
                outcome(client.free_places(&query).await)
            }
            Offers => {
                let query = OffersQuery {
                    region: Some(subject.region.to_owned()),
                    limit: None,
                };
                outcome(client.offers(&query).await)
            }
            DemoUnqueued => {
                let query = UnqueuedQuery {
                    region: subject.region.to_owned(),
                    birth_year: None,
                    cursor: None,
                    limit: Some(1),
                };
                outcome(client.unqueued_children(&query).await)
            }
            OfficerKindergartens => {
                let query = kezek::api::officer::KindergartensQuery {
                    region: Some(subject.region.to_owned()),
                    ..Default::default()
                };
                outcome(client.officer_kindergartens(&query).await)
            }
            BenefitReviews => {
                let query = kezek::api::officer::BenefitReviewsQuery {
                    region: Some(subject.region.to_owned()),
                    ..Default::default()
                };
                outcome(client.officer_benefit_reviews(&query).await)
            }
            OfficerDirections => {
                let query = kezek::api::officer::DirectionsQuery {
                    region: Some(subject.region.to_owned()),
                    ..Default::default()
                };
                outcome(client.officer_directions(&query).await)
            }
            ChangeKindergarten => {
                let change = kezek::api::documents::KindergartenRequest::SetCapacity {
                    group: subject.group.clone(),
                    capacity: 30,
                };
                outcome(
                    w.change_kindergarten(client, caller.iin, &subject.kindergarten, change)
                        .await,
                )
            }
            DeskStart => outcome(client.start_service(Iin::parse(AIGERIM).unwrap()).await),
            DeskService => outcome(client.service(&self.service).await),
            DeskCard => outcome(client.citizen_card(&self.service).await),
            DeskReceipt => outcome(
                client
                    .receipt(&self.service, &self.subjects[0].number)
                    .await,
            ),
            OwnAudit => outcome(client.own_audit().await),
            RegionAudit => outcome(client.region_audit().await),
        }
    }
}

async fn matrix() -> Matrix {
    // Every caller logs in several times; the per-address login limit is not under test here.
    // A demo server (no applications seeded), for its registry children.
    let world = world_with(|config| {
        config.limits.login_attempts_per_minute = 1000;
        config.demo = Some(0);
    })
    .await;
    let aigerim = world.login(AIGERIM).await;
    let dauren = world.login(DAUREN).await;
    let officer = world.login(OFFICER).await;
    // Аружан's application, with a benefit the officer reviews; Әлихан's, in Almaty.
    let mut aruzhan = application(AIGERIM, ARUZHAN);
    claim_benefit(&aigerim, &mut aruzhan, "teachers").await;
    let a = world.submit(&aigerim, &aruzhan).await;
    let mut alikhan = application(DAUREN, ALIKHAN);
    alikhan.region = "almaty".to_owned();
    alikhan.settlement = Catalogue::bundled().region("almaty").unwrap().districts[0].settlements[0]
        .code
        .clone();
    claim_benefit(&dauren, &mut alikhan, "teachers").await;
    let b = world.submit(&dauren, &alikhan).await;
    let nurlan = world.login(NURLAN).await;
    nurlan
        .bind_child(Iin::parse(ARUZHAN).unwrap())
        .await
        .unwrap();
    let mut operator = world.login(OPERATOR).await;
    let service = world
        .serve(&mut operator, Iin::parse(AIGERIM).unwrap())
        .await
        .id;
    let subjects = [
        Subject::of(&aigerim, a, "astana").await,
        Subject::of(&dauren, b, "almaty").await,
    ];
    let other_officer = world.login(OFFICER).await;
    let citizen = Some(Iin::parse(AIGERIM).unwrap());
    let caller = |client, iin, citizen, subject| Caller {
        client,
        iin,
        citizen,
        subject,
    };
    let anonymous = world.client();
    let callers = vec![
        caller(aigerim, AIGERIM, None, 0),
        caller(nurlan, NURLAN, None, 0),
        caller(dauren, DAUREN, None, 0),
        caller(operator, OPERATOR, citizen, 0),
        caller(officer, OFFICER, None, 0),
        caller(other_officer, OFFICER, None, 1),
        caller(anonymous, AIGERIM, None, 0),
    ];
    Matrix {
        world,
        callers,
        subjects,
        service,
    }
}

#[tokio::test]
async fn every_endpoint_allows_exactly_whom_it_should() {
    use Endpoint::*;
    let m = matrix().await;
    let endpoints = [
        Healthz,
        OpenApi,
        Regions,
        Benefits,
        Kindergartens,
        Challenge,
        Login,
        Logout,
        ProfileGet,
        ProfilePut,
        BindingsGet,
        BindingsPost,
        RegistryPerson,
        ChildCheck,
        Attachments,
        Submit,
        Journal,
        Detail,
        History,
        Documents,
        Download,
        PositionHistory,
        Act,
        PublicQueue,
        PublicStats,
        OfficerAct,
        PublishPlaces,
        FreePlaces,
        Offers,
        DemoUnqueued,
        OfficerKindergartens,
        ChangeKindergarten,
        OfficerDirections,
        BenefitReviews,
        DeskStart,
        DeskService,
        DeskCard,
        DeskReceipt,
        OwnAudit,
        RegionAudit,
    ];
    let mut wrong = Vec::new();
    for endpoint in endpoints {
        for (role, want) in ROLES.into_iter().zip(expected(endpoint)) {
            let got = m.call(endpoint, role).await;
            if got != want {
                wrong.push(format!(
                    "{endpoint:?} as {role:?}: want {want:?}, got {got:?}"
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "\n{}", wrong.join("\n"));
}
