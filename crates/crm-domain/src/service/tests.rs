//! Unit tests of the services with mocked repositories.
//!
//! Each test builds a [`Services`] from [`Mocks`]: repositories a test does not set
//! expectations on are bare mocks, so any call to them fails the test. Expectations marked
//! `.never()` state what a refused request must not reach.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use chrono::Utc;
use mockall::Sequence;
use serde_json::json;
use uuid::Uuid;

use super::{Repositories, Services};
use crate::activity::{
    Activity, ActivityInput, ActivityMetadata, CallDirection, CallMeta, NoteMeta, Sentiment,
    StageChangeMeta,
};
use crate::company::{Company, CompanyChoice};
use crate::contact::{Contact, ContactInput, ContactWithCompany, NewContact};
use crate::deal::{Deal, DealInput, DealPatch, Priority, Progress};
use crate::error::{DomainError, Result};
use crate::repo::{
    MockActivityRepository, MockCompanyRepository, MockContactRepository, MockDealRepository,
    MockSpendRepository, MockStageRepository, MockUserRepository,
};
use crate::stage::{self, NewStage, PipelineStage, Probability, StageKind, StagePatch, StageRef};
use crate::user::{NewUser, Tenant, User};

// ---- builder and fixtures ----------------------------------------------------------------

/// One mock per repository; set expectations on the fields, then call [`Mocks::services`].
#[derive(Default)]
struct Mocks {
    users: MockUserRepository,
    companies: MockCompanyRepository,
    contacts: MockContactRepository,
    stages: MockStageRepository,
    deals: MockDealRepository,
    activities: MockActivityRepository,
    spend: MockSpendRepository,
}

impl Mocks {
    fn services(self) -> Services {
        Services::new(Repositories {
            users: Arc::new(self.users),
            companies: Arc::new(self.companies),
            contacts: Arc::new(self.contacts),
            stages: Arc::new(self.stages),
            deals: Arc::new(self.deals),
            activities: Arc::new(self.activities),
            spend: Arc::new(self.spend),
        })
    }

    /// The tenant's pipeline, listed any number of times.
    fn with_stages(mut self, stages: &[PipelineStage]) -> Self {
        let stages = stages.to_vec();
        self.stages
            .expect_list()
            .returning(move |_| Ok(stages.clone()));
        self
    }

    /// Every user id asked about exists.
    fn with_all_users_existing(mut self) -> Self {
        self.users.expect_existing().returning(Ok);
        self
    }

    /// `deal` is the tenant's and is found by its id.
    fn with_deal(mut self, tenant: Tenant, deal: &Deal) -> Self {
        let (id, found) = (deal.id, deal.clone());
        self.deals
            .expect_find()
            .withf(move |t, i| *t == tenant && *i == id)
            .returning(move |_, _| Ok(Some(found.clone())));
        self
    }
}

fn tenant() -> Tenant {
    Tenant::new(Uuid::now_v7())
}

fn user(id: Uuid, email: &str) -> User {
    User {
        id,
        email: email.to_owned(),
        display_name: "Ann".to_owned(),
        avatar_url: None,
        created_at: Utc::now(),
    }
}

fn stored_stage(stage: NewStage) -> PipelineStage {
    PipelineStage {
        id: stage.id,
        name: stage.name,
        position: stage.position,
        kind: stage.kind,
        probability: stage.probability,
        created_at: Utc::now(),
    }
}

fn stage_of(name: &str, position: u32, kind: StageKind) -> PipelineStage {
    stored_stage(NewStage::new(name, position, kind, Probability::new(10).unwrap()).unwrap())
}

/// Contact, MQL, SQL, Opportunity, Won, Lost.
fn pipeline() -> Vec<PipelineStage> {
    stage::default_stages()
        .into_iter()
        .map(stored_stage)
        .collect()
}

fn named<'a>(stages: &'a [PipelineStage], name: &str) -> &'a PipelineStage {
    stages.iter().find(|s| s.name == name).unwrap()
}

fn deal(tenant: Tenant, stage: &PipelineStage) -> Deal {
    let now = Utc::now();
    Deal {
        id: Uuid::now_v7(),
        user_id: tenant.user_id,
        name: "Big one".to_owned(),
        description: None,
        amount: None,
        stage_id: stage.id,
        stage: stage.name.clone(),
        stage_kind: stage.kind,
        stage_order: 3,
        priority: Priority::Medium,
        progress: Progress::default(),
        close_date: None,
        create_date: now,
        last_update: now,
        owner_id: Some(tenant.user_id),
        created_by: tenant.user_id,
        contact_id: None,
        company_id: None,
        company: None,
        contact: None,
        collaborators: Vec::new(),
    }
}

fn new_contact(owner: Option<Uuid>) -> NewContact {
    NewContact::new(&ContactInput {
        first_name: "Ada",
        last_name: "Lovelace",
        contact_owner_id: owner,
        ..ContactInput::default()
    })
    .unwrap()
}

fn stored_contact(tenant: Tenant, contact: &NewContact) -> ContactWithCompany {
    let now = Utc::now();
    ContactWithCompany {
        contact: Contact {
            id: contact.id,
            user_id: tenant.user_id,
            first_name: contact.first_name.clone(),
            last_name: contact.last_name.clone(),
            email: contact.email.clone(),
            phone: None,
            title: None,
            company_id: None,
            lead_source: None,
            lead_status: None,
            contact_owner_id: contact.contact_owner_id,
            created_by: tenant.user_id,
            avatar_url: None,
            linkedin_url: None,
            notes: None,
            created_at: now,
            updated_at: now,
        },
        company: None,
    }
}

fn company(id: Uuid) -> Company {
    let now = Utc::now();
    Company {
        id,
        name: "Acme".to_owned(),
        logo_url: None,
        industry: None,
        website: None,
        created_by: None,
        created_at: now,
        updated_at: now,
    }
}

fn activity(tenant: Tenant, metadata: ActivityMetadata) -> Activity {
    let now = Utc::now();
    Activity {
        id: Uuid::now_v7(),
        user_id: tenant.user_id,
        contact_id: None,
        deal_id: Some(Uuid::now_v7()),
        subject: None,
        description: None,
        metadata,
        created_by: tenant.user_id,
        created_at: now,
        updated_at: now,
    }
}

#[track_caller]
fn assert_invalid<T: std::fmt::Debug>(result: Result<T>, field: &str) {
    match result {
        Err(DomainError::Validation(fields)) => {
            assert!(
                fields.contains_key(field),
                "no error on {field}: {fields:?}"
            );
        }
        other => panic!("expected a validation error on {field}, got {other:?}"),
    }
}

#[track_caller]
fn assert_conflict<T: std::fmt::Debug>(result: Result<T>) {
    assert!(
        matches!(result, Err(DomainError::Conflict { .. })),
        "expected a conflict, got {result:?}"
    );
}

#[track_caller]
fn assert_not_found<T: std::fmt::Debug>(result: Result<T>, entity: &str) {
    match result {
        Err(DomainError::NotFound { entity: e }) => assert_eq!(e, entity),
        other => panic!("expected {entity} not found, got {other:?}"),
    }
}

// ---- users -------------------------------------------------------------------------------

#[tokio::test]
async fn registering_a_user_creates_the_six_default_stages() {
    let id = Uuid::now_v7();
    let mut mocks = Mocks::default();
    mocks
        .users
        .expect_create()
        .withf(move |user, stages| {
            let names: Vec<_> = stages.iter().map(|s| s.name.as_str()).collect();
            let positions: Vec<_> = stages.iter().map(|s| s.position).collect();
            let kinds: Vec<_> = stages.iter().map(|s| s.kind).collect();
            user.id == id
                && names == ["Contact", "MQL", "SQL", "Opportunity", "Won", "Lost"]
                && positions == [0, 1, 2, 3, 4, 5]
                && kinds
                    == [
                        StageKind::Open,
                        StageKind::Open,
                        StageKind::Open,
                        StageKind::Open,
                        StageKind::Won,
                        StageKind::Lost,
                    ]
        })
        .times(1)
        .returning(|user, _| Ok(self::user(user.id, &user.email)));
    let new_user = NewUser::new(id, "ann@example.com", None, None).unwrap();

    let registered = mocks.services().register(new_user).await.unwrap();

    assert_eq!(registered.id, id);
}

#[tokio::test]
async fn a_known_token_user_is_returned_without_being_created() {
    let id = Uuid::now_v7();
    let mut mocks = Mocks::default();
    mocks
        .users
        .expect_find()
        .withf(move |i| *i == id)
        .times(1)
        .returning(move |_| Ok(Some(user(id, "ann@example.com"))));
    mocks.users.expect_create().never();

    let found = mocks
        .services()
        .user_for_token(id, Some("other@example.com"))
        .await
        .unwrap();

    assert_eq!(found.email, "ann@example.com");
}

#[tokio::test]
async fn an_unknown_token_user_is_provisioned_with_the_pipeline() {
    let id = Uuid::now_v7();
    let mut mocks = Mocks::default();
    mocks.users.expect_find().times(1).returning(|_| Ok(None));
    mocks
        .users
        .expect_create()
        .withf(move |user, stages| {
            user.id == id
                && user.email == "ann@example.com"
                && user.password_hash.is_none()
                && stages.len() == 6
        })
        .times(1)
        .returning(|user, _| Ok(self::user(user.id, &user.email)));

    let provisioned = mocks
        .services()
        .user_for_token(id, Some("Ann@Example.com"))
        .await
        .unwrap();

    assert_eq!(provisioned.id, id);
}

#[tokio::test]
async fn a_token_without_an_email_is_provisioned_with_a_placeholder_address() {
    let id = Uuid::now_v7();
    let expected = format!("{}@users.invalid", id.simple());
    let mut mocks = Mocks::default();
    mocks.users.expect_find().returning(|_| Ok(None));
    mocks
        .users
        .expect_create()
        .withf(move |user, _| user.email == expected)
        .times(1)
        .returning(|user, _| Ok(self::user(user.id, &user.email)));

    let provisioned = mocks.services().user_for_token(id, None).await.unwrap();

    assert!(provisioned.email.ends_with("@users.invalid"));
}

#[tokio::test]
async fn a_provisioning_race_rereads_the_winners_row() {
    let id = Uuid::now_v7();
    let mut seq = Sequence::new();
    let mut mocks = Mocks::default();
    mocks
        .users
        .expect_find()
        .times(1)
        .in_sequence(&mut seq)
        .returning(|_| Ok(None));
    mocks
        .users
        .expect_create()
        .times(1)
        .in_sequence(&mut seq)
        .returning(|_, _| Err(DomainError::conflict("users_pkey", "taken")));
    mocks
        .users
        .expect_find()
        .withf(move |i| *i == id)
        .times(1)
        .in_sequence(&mut seq)
        .returning(move |_| Ok(Some(user(id, "ann@example.com"))));

    let winner = mocks
        .services()
        .user_for_token(id, Some("ann@example.com"))
        .await
        .unwrap();

    assert_eq!(winner.id, id);
}

#[tokio::test]
async fn a_token_email_taken_by_another_id_is_a_conflict() {
    let mut mocks = Mocks::default();
    mocks.users.expect_find().times(2).returning(|_| Ok(None));
    mocks
        .users
        .expect_create()
        .times(1)
        .returning(|_, _| Err(DomainError::conflict("users_email_key", "taken")));

    let result = mocks
        .services()
        .user_for_token(Uuid::now_v7(), Some("ann@example.com"))
        .await;

    assert_conflict(result);
}

// ---- contacts ----------------------------------------------------------------------------

#[tokio::test]
async fn a_new_contact_is_owned_by_the_caller_by_default() {
    let tenant = tenant();
    let mut mocks = Mocks::default();
    mocks
        .users
        .expect_existing()
        .withf(move |ids| *ids == [tenant.user_id])
        .times(1)
        .returning(Ok);
    mocks
        .contacts
        .expect_create()
        .withf(move |t, contact, company| {
            *t == tenant
                && contact.contact_owner_id == Some(tenant.user_id)
                && *company == CompanyChoice::None
        })
        .times(1)
        .returning(|t, contact, _| Ok(stored_contact(t, &contact)));

    let created = mocks
        .services()
        .create_contact(tenant, new_contact(None), CompanyChoice::None)
        .await
        .unwrap();

    assert_eq!(created.contact.contact_owner_id, Some(tenant.user_id));
}

#[tokio::test]
async fn a_contact_with_an_unknown_owner_is_refused_before_storing() {
    let stranger = Uuid::now_v7();
    let mut mocks = Mocks::default();
    mocks
        .users
        .expect_existing()
        .withf(move |ids| *ids == [stranger])
        .returning(|_| Ok(Vec::new()));
    mocks.contacts.expect_create().never();

    let result = mocks
        .services()
        .create_contact(tenant(), new_contact(Some(stranger)), CompanyChoice::None)
        .await;

    assert_invalid(result, "contact_owner_id");
}

#[tokio::test]
async fn a_contact_at_an_unknown_existing_company_is_refused() {
    let company_id = Uuid::now_v7();
    let mut mocks = Mocks::default().with_all_users_existing();
    mocks
        .companies
        .expect_find()
        .withf(move |id| *id == company_id)
        .times(1)
        .returning(|_| Ok(None));
    mocks.contacts.expect_create().never();

    let result = mocks
        .services()
        .create_contact(
            tenant(),
            new_contact(None),
            CompanyChoice::Existing(company_id),
        )
        .await;

    assert_invalid(result, "company_id");
}

#[tokio::test]
async fn a_contact_at_a_known_company_is_stored() {
    let tenant = tenant();
    let company_id = Uuid::now_v7();
    let mut mocks = Mocks::default().with_all_users_existing();
    mocks
        .companies
        .expect_find()
        .returning(|id| Ok(Some(company(id))));
    mocks
        .contacts
        .expect_create()
        .withf(move |_, _, company| *company == CompanyChoice::Existing(company_id))
        .times(1)
        .returning(|t, contact, _| Ok(stored_contact(t, &contact)));

    let result = mocks
        .services()
        .create_contact(
            tenant,
            new_contact(None),
            CompanyChoice::Existing(company_id),
        )
        .await;

    assert!(result.is_ok(), "{result:?}");
}

// ---- stages ------------------------------------------------------------------------------

#[tokio::test]
async fn a_new_stage_goes_before_the_first_closing_stage_by_default() {
    let stages = pipeline();
    let mut mocks = Mocks::default().with_stages(&stages);
    mocks
        .stages
        .expect_create()
        .withf(|_, stage| stage.name == "Demo" && stage.position == 4)
        .times(1)
        .returning(|_, stage| Ok(stored_stage(stage)));

    let created = mocks
        .services()
        .create_stage(tenant(), " Demo ", None, None, None)
        .await
        .unwrap();

    assert_eq!(created.position, 4);
    assert_eq!(created.kind, StageKind::Open);
}

#[tokio::test]
async fn a_new_stage_position_beyond_the_end_is_clamped() {
    let stages = pipeline();
    let mut mocks = Mocks::default().with_stages(&stages);
    mocks
        .stages
        .expect_create()
        .withf(|_, stage| stage.position == 6)
        .times(1)
        .returning(|_, stage| Ok(stored_stage(stage)));

    let created = mocks
        .services()
        .create_stage(tenant(), "Archive", Some(99), None, None)
        .await
        .unwrap();

    assert_eq!(created.position, 6);
}

#[tokio::test]
async fn a_duplicate_stage_name_is_a_conflict_and_nothing_is_created() {
    let stages = pipeline();
    let mut mocks = Mocks::default().with_stages(&stages);
    mocks.stages.expect_create().never();

    let result = mocks
        .services()
        .create_stage(tenant(), " SQL ", None, None, None)
        .await;

    assert_conflict(result);
}

#[tokio::test]
async fn a_new_stage_probability_defaults_by_kind() {
    let cases = [
        (None, None, StageKind::Open, 50),
        (Some(StageKind::Open), None, StageKind::Open, 50),
        (Some(StageKind::Won), None, StageKind::Won, 100),
        (Some(StageKind::Lost), None, StageKind::Lost, 0),
        (
            Some(StageKind::Won),
            Some(Probability::new(90).unwrap()),
            StageKind::Won,
            90,
        ),
    ];
    for (kind, probability, expected_kind, expected) in cases {
        let stages = pipeline();
        let mut mocks = Mocks::default().with_stages(&stages);
        mocks
            .stages
            .expect_create()
            .withf(move |_, stage| {
                stage.kind == expected_kind && stage.probability.get() == expected
            })
            .times(1)
            .returning(|_, stage| Ok(stored_stage(stage)));

        let created = mocks
            .services()
            .create_stage(tenant(), "Extra", None, kind, probability)
            .await
            .unwrap();

        assert_eq!(created.probability.get(), expected, "{kind:?}");
    }
}

#[tokio::test]
async fn updating_an_unknown_stage_is_not_found() {
    let stages = pipeline();
    let mut mocks = Mocks::default().with_stages(&stages);
    mocks.stages.expect_update().never();

    let result = mocks
        .services()
        .update_stage(tenant(), Uuid::now_v7(), StagePatch::default())
        .await;

    assert_not_found(result, "stage");
}

#[tokio::test]
async fn renaming_a_stage_to_another_stages_name_is_a_conflict() {
    let stages = pipeline();
    let sql = named(&stages, "SQL").id;
    let mut mocks = Mocks::default().with_stages(&stages);
    mocks.stages.expect_update().never();
    let patch = StagePatch {
        name: Some("MQL".to_owned()),
        ..StagePatch::default()
    };

    let result = mocks.services().update_stage(tenant(), sql, patch).await;

    assert_conflict(result);
}

#[tokio::test]
async fn renaming_a_stage_to_its_own_name_is_allowed_and_trimmed() {
    let stages = pipeline();
    let sql = named(&stages, "SQL").clone();
    let returned = sql.clone();
    let mut mocks = Mocks::default().with_stages(&stages);
    mocks
        .stages
        .expect_update()
        .withf(move |_, id, patch| *id == sql.id && patch.name.as_deref() == Some("SQL"))
        .times(1)
        .returning(move |_, _, _| Ok(returned.clone()));
    let patch = StagePatch {
        name: Some("  SQL ".to_owned()),
        ..StagePatch::default()
    };

    let result = mocks.services().update_stage(tenant(), sql.id, patch).await;

    assert!(result.is_ok(), "{result:?}");
}

#[tokio::test]
async fn a_stage_moved_beyond_the_end_lands_last() {
    let stages = pipeline();
    let contact = named(&stages, "Contact").clone();
    let returned = contact.clone();
    let mut mocks = Mocks::default().with_stages(&stages);
    mocks
        .stages
        .expect_update()
        .withf(|_, _, patch| patch.position == Some(5) && patch.name.is_none())
        .times(1)
        .returning(move |_, _, _| Ok(returned.clone()));
    let patch = StagePatch {
        position: Some(99),
        ..StagePatch::default()
    };

    let result = mocks
        .services()
        .update_stage(tenant(), contact.id, patch)
        .await;

    assert!(result.is_ok(), "{result:?}");
}

#[tokio::test]
async fn the_last_won_stage_cannot_be_deleted() {
    let stages = pipeline();
    let won = named(&stages, "Won").id;
    let mut mocks = Mocks::default().with_stages(&stages);
    mocks.stages.expect_delete().never();

    let result = mocks
        .services()
        .delete_stage(tenant(), won, Some("Opportunity"))
        .await;

    assert_conflict(result);
}

#[tokio::test]
async fn deleting_an_unknown_stage_is_not_found() {
    let stages = pipeline();
    let mut mocks = Mocks::default().with_stages(&stages);
    mocks.stages.expect_delete().never();

    let result = mocks
        .services()
        .delete_stage(tenant(), Uuid::now_v7(), None)
        .await;

    assert_not_found(result, "stage");
}

#[tokio::test]
async fn deleting_a_stage_moves_its_deals_to_the_stage_named() {
    let tenant = tenant();
    let stages = pipeline();
    let mql = named(&stages, "MQL").id;
    let sql = named(&stages, "SQL").id;
    let mut mocks = Mocks::default().with_stages(&stages);
    mocks
        .stages
        .expect_delete()
        .withf(move |t, id, move_to| *t == tenant && *id == mql && *move_to == Some(sql))
        .times(1)
        .returning(|_, _, _| Ok(()));

    mocks
        .services()
        .delete_stage(tenant, mql, Some(" SQL "))
        .await
        .unwrap();
}

#[tokio::test]
async fn deleting_a_stage_without_move_to_leaves_the_decision_to_the_store() {
    let stages = pipeline();
    let mql = named(&stages, "MQL").id;
    let mut mocks = Mocks::default().with_stages(&stages);
    mocks
        .stages
        .expect_delete()
        .withf(move |_, id, move_to| *id == mql && move_to.is_none())
        .times(1)
        .returning(|_, _, _| Err(DomainError::conflict("stage_has_deals", "move them first")));

    let result = mocks.services().delete_stage(tenant(), mql, None).await;

    assert_conflict(result);
}

#[tokio::test]
async fn deleting_a_stage_into_itself_is_refused() {
    let stages = pipeline();
    let mql = named(&stages, "MQL").id;
    let mut mocks = Mocks::default().with_stages(&stages);
    mocks.stages.expect_delete().never();

    let result = mocks
        .services()
        .delete_stage(tenant(), mql, Some("MQL"))
        .await;

    assert_invalid(result, "move_to");
}

#[tokio::test]
async fn deleting_a_stage_into_an_unknown_stage_is_refused() {
    let stages = pipeline();
    let mql = named(&stages, "MQL").id;
    let mut mocks = Mocks::default().with_stages(&stages);
    mocks.stages.expect_delete().never();

    let result = mocks
        .services()
        .delete_stage(tenant(), mql, Some("Nowhere"))
        .await;

    assert_invalid(result, "move_to");
}

// ---- deals -------------------------------------------------------------------------------

#[tokio::test]
async fn a_new_deal_resolves_its_stage_by_name_and_is_owned_by_the_caller() {
    let tenant = tenant();
    let stages = pipeline();
    let sql = named(&stages, "SQL").clone();
    let stored = deal(tenant, &sql);
    let mut mocks = Mocks::default().with_stages(&stages);
    mocks
        .users
        .expect_existing()
        .withf(move |ids| *ids == [tenant.user_id])
        .times(1)
        .returning(Ok);
    mocks
        .deals
        .expect_create()
        .withf(move |t, deal| {
            *t == tenant && deal.stage_id == sql.id && deal.owner_id == Some(tenant.user_id)
        })
        .times(1)
        .returning(move |_, _| Ok(stored.clone()));
    let input = DealInput {
        name: "Big one".to_owned(),
        stage: Some(StageRef::Name("SQL".to_owned())),
        ..DealInput::default()
    };

    let result = mocks.services().create_deal(tenant, input).await;

    assert!(result.is_ok(), "{result:?}");
}

#[tokio::test]
async fn a_new_deal_in_a_stage_of_another_pipeline_is_refused() {
    let mut mocks = Mocks::default().with_stages(&pipeline());
    mocks.deals.expect_create().never();
    let input = DealInput {
        name: "Big one".to_owned(),
        stage: Some(StageRef::Id(Uuid::now_v7())),
        ..DealInput::default()
    };

    let result = mocks.services().create_deal(tenant(), input).await;

    assert_invalid(result, "stage");
}

#[tokio::test]
async fn a_new_deal_with_a_contact_that_is_not_the_callers_is_refused() {
    let tenant = tenant();
    let contact_id = Uuid::now_v7();
    let mut mocks = Mocks::default()
        .with_stages(&pipeline())
        .with_all_users_existing();
    mocks
        .contacts
        .expect_find()
        .withf(move |t, id| *t == tenant && *id == contact_id)
        .times(1)
        .returning(|_, _| Ok(None));
    mocks.deals.expect_create().never();
    let input = DealInput {
        name: "Big one".to_owned(),
        stage: Some(StageRef::Name("SQL".to_owned())),
        contact_id: Some(contact_id),
        ..DealInput::default()
    };

    let result = mocks.services().create_deal(tenant, input).await;

    assert_invalid(result, "contact_id");
}

#[tokio::test]
async fn a_new_deal_with_unknown_collaborators_is_refused() {
    let tenant = tenant();
    let stranger = Uuid::now_v7();
    let mut mocks = Mocks::default().with_stages(&pipeline());
    mocks
        .users
        .expect_existing()
        .returning(move |ids| Ok(ids.into_iter().filter(|id| *id != stranger).collect()));
    mocks.deals.expect_create().never();
    let input = DealInput {
        name: "Big one".to_owned(),
        stage: Some(StageRef::Name("SQL".to_owned())),
        collaborator_ids: vec![stranger],
        ..DealInput::default()
    };

    let result = mocks.services().create_deal(tenant, input).await;

    assert_invalid(result, "collaborator_ids");
}

#[tokio::test]
async fn moving_a_deal_resolves_the_stage_by_name() {
    let tenant = tenant();
    let stages = pipeline();
    let current = deal(tenant, named(&stages, "SQL"));
    let won = named(&stages, "Won").clone();
    let mut moved = current.clone();
    moved.stage_id = won.id;
    let mut mocks = Mocks::default()
        .with_stages(&stages)
        .with_deal(tenant, &current);
    mocks
        .deals
        .expect_move_deal()
        .withf(move |t, id, mv| {
            *t == tenant
                && *id == current.id
                && mv.stage_id() == won.id
                && mv.stage_name() == "Won"
                && mv.stage_kind() == StageKind::Won
                && mv.requested_position().is_none()
        })
        .times(1)
        .returning(move |_, _, _| Ok(moved.clone()));
    mocks.deals.expect_update().never();

    let result = mocks
        .services()
        .update_deal(
            tenant,
            current.id,
            DealPatch::default(),
            Some(StageRef::Name("Won".to_owned())),
            None,
        )
        .await
        .unwrap();

    assert_eq!(result.stage_id, named(&stages, "Won").id);
}

#[tokio::test]
async fn editing_a_deals_fields_does_not_move_it() {
    let tenant = tenant();
    let stages = pipeline();
    let current = deal(tenant, named(&stages, "SQL"));
    let mut renamed = current.clone();
    renamed.name = "Renamed".to_owned();
    // No stage list is needed: the stage mock has no expectations.
    let mut mocks = Mocks::default().with_deal(tenant, &current);
    mocks
        .deals
        .expect_update()
        .withf(|_, _, patch| patch.name.as_deref() == Some("Renamed"))
        .times(1)
        .returning(move |_, _, _| Ok(renamed.clone()));
    mocks.deals.expect_move_deal().never();
    let patch = DealPatch {
        name: Some("Renamed".to_owned()),
        ..DealPatch::default()
    };

    let result = mocks
        .services()
        .update_deal(tenant, current.id, patch, None, None)
        .await
        .unwrap();

    assert_eq!(result.name, "Renamed");
}

#[tokio::test]
async fn editing_and_moving_a_deal_does_both() {
    let tenant = tenant();
    let stages = pipeline();
    let current = deal(tenant, named(&stages, "SQL"));
    let lost = named(&stages, "Lost").id;
    let (updated, moved) = (current.clone(), current.clone());
    let mut seq = Sequence::new();
    let mut mocks = Mocks::default()
        .with_stages(&stages)
        .with_deal(tenant, &current);
    mocks
        .deals
        .expect_update()
        .times(1)
        .in_sequence(&mut seq)
        .returning(move |_, _, _| Ok(updated.clone()));
    mocks
        .deals
        .expect_move_deal()
        .withf(move |_, _, mv| mv.stage_id() == lost && mv.requested_position() == Some(0))
        .times(1)
        .in_sequence(&mut seq)
        .returning(move |_, _, _| Ok(moved.clone()));
    let patch = DealPatch {
        priority: Some(Priority::High),
        ..DealPatch::default()
    };

    let result = mocks
        .services()
        .update_deal(tenant, current.id, patch, Some(StageRef::Id(lost)), Some(0))
        .await;

    assert!(result.is_ok(), "{result:?}");
}

#[tokio::test]
async fn a_stage_order_alone_reorders_within_the_current_stage() {
    let tenant = tenant();
    let stages = pipeline();
    let current = deal(tenant, named(&stages, "SQL"));
    let (stage_id, returned) = (current.stage_id, current.clone());
    let mut mocks = Mocks::default()
        .with_stages(&stages)
        .with_deal(tenant, &current);
    mocks
        .deals
        .expect_move_deal()
        .withf(move |_, _, mv| mv.stage_id() == stage_id && mv.requested_position() == Some(0))
        .times(1)
        .returning(move |_, _, _| Ok(returned.clone()));
    mocks.deals.expect_update().never();

    let result = mocks
        .services()
        .update_deal(tenant, current.id, DealPatch::default(), None, Some(0))
        .await;

    assert!(result.is_ok(), "{result:?}");
}

#[tokio::test]
async fn moving_a_deal_to_an_unknown_stage_is_refused() {
    let tenant = tenant();
    let stages = pipeline();
    let current = deal(tenant, named(&stages, "SQL"));
    let mut mocks = Mocks::default()
        .with_stages(&stages)
        .with_deal(tenant, &current);
    mocks.deals.expect_move_deal().never();
    mocks.deals.expect_update().never();
    let patch = DealPatch {
        name: Some("Renamed".to_owned()),
        ..DealPatch::default()
    };

    let result = mocks
        .services()
        .update_deal(
            tenant,
            current.id,
            patch,
            Some(StageRef::Name("Nowhere".to_owned())),
            None,
        )
        .await;

    assert_invalid(result, "stage");
}

#[tokio::test]
async fn updating_a_missing_deal_is_not_found() {
    let mut mocks = Mocks::default();
    mocks.deals.expect_find().returning(|_, _| Ok(None));
    mocks.deals.expect_update().never();
    mocks.deals.expect_move_deal().never();
    let patch = DealPatch {
        name: Some("Renamed".to_owned()),
        ..DealPatch::default()
    };

    let result = mocks
        .services()
        .update_deal(tenant(), Uuid::now_v7(), patch, None, Some(1))
        .await;

    assert_not_found(result, "deal");
}

#[tokio::test]
async fn updating_a_deal_with_an_unknown_owner_is_refused() {
    let tenant = tenant();
    let stages = pipeline();
    let current = deal(tenant, named(&stages, "SQL"));
    let mut mocks = Mocks::default().with_deal(tenant, &current);
    mocks.users.expect_existing().returning(|_| Ok(Vec::new()));
    mocks.deals.expect_update().never();
    let patch = DealPatch {
        owner_id: Some(Some(Uuid::now_v7())),
        ..DealPatch::default()
    };

    let result = mocks
        .services()
        .update_deal(tenant, current.id, patch, None, None)
        .await;

    assert_invalid(result, "owner_id");
}

#[tokio::test]
async fn setting_a_deal_status_moves_it_to_the_first_stage_of_that_kind() {
    let tenant = tenant();
    let stages = vec![
        stage_of("Contact", 0, StageKind::Open),
        stage_of("SQL", 1, StageKind::Open),
        stage_of("Won", 2, StageKind::Won),
        stage_of("Won again", 3, StageKind::Won),
        stage_of("Lost", 4, StageKind::Lost),
    ];
    for (kind, expected) in [
        (StageKind::Won, "Won"),
        (StageKind::Lost, "Lost"),
        (StageKind::Open, "Contact"),
    ] {
        let current = deal(tenant, &stages[1]);
        let target = named(&stages, expected).id;
        let returned = current.clone();
        let mut mocks = Mocks::default()
            .with_stages(&stages)
            .with_deal(tenant, &current);
        mocks
            .deals
            .expect_move_deal()
            .withf(move |_, _, mv| {
                mv.stage_id() == target
                    && mv.stage_kind() == kind
                    && mv.requested_position().is_none()
            })
            .times(1)
            .returning(move |_, _, _| Ok(returned.clone()));

        let result = mocks
            .services()
            .set_deal_status(tenant, current.id, kind)
            .await;

        assert!(result.is_ok(), "{kind:?}: {result:?}");
    }
}

#[tokio::test]
async fn setting_the_status_of_a_missing_deal_is_not_found() {
    let mut mocks = Mocks::default().with_stages(&pipeline());
    mocks.deals.expect_find().returning(|_, _| Ok(None));
    mocks.deals.expect_move_deal().never();

    let result = mocks
        .services()
        .set_deal_status(tenant(), Uuid::now_v7(), StageKind::Won)
        .await;

    assert_not_found(result, "deal");
}

#[tokio::test]
async fn a_collaborator_must_be_an_existing_user() {
    let tenant = tenant();
    let current = deal(tenant, &pipeline()[0]);
    let mut mocks = Mocks::default().with_deal(tenant, &current);
    mocks.users.expect_existing().returning(|_| Ok(Vec::new()));
    mocks.deals.expect_add_collaborator().never();

    let result = mocks
        .services()
        .add_collaborator(tenant, current.id, Uuid::now_v7())
        .await;

    assert_invalid(result, "user_id");
}

// ---- activities --------------------------------------------------------------------------

#[tokio::test]
async fn users_cannot_log_stage_change_activities() {
    let mut mocks = Mocks::default();
    mocks.activities.expect_create().never();
    let input = ActivityInput {
        kind: "stage_change".to_owned(),
        deal_id: Some(Uuid::now_v7()),
        metadata: json!({"from": "SQL", "to": "Won"}),
        ..ActivityInput::default()
    };

    let result = mocks.services().log_activity(tenant(), input).await;

    assert_invalid(result, "type");
}

#[tokio::test]
async fn an_activity_on_a_deal_that_is_not_the_callers_is_refused() {
    let tenant = tenant();
    let deal_id = Uuid::now_v7();
    let mut mocks = Mocks::default();
    mocks
        .deals
        .expect_find()
        .withf(move |t, id| *t == tenant && *id == deal_id)
        .times(1)
        .returning(|_, _| Ok(None));
    mocks.activities.expect_create().never();
    let input = ActivityInput {
        kind: "note".to_owned(),
        deal_id: Some(deal_id),
        metadata: json!(null),
        ..ActivityInput::default()
    };

    let result = mocks.services().log_activity(tenant, input).await;

    assert_invalid(result, "deal_id");
}

#[tokio::test]
async fn an_activity_on_a_contact_that_is_not_the_callers_is_refused() {
    let mut mocks = Mocks::default();
    mocks.contacts.expect_find().returning(|_, _| Ok(None));
    mocks.activities.expect_create().never();
    let input = ActivityInput {
        kind: "note".to_owned(),
        contact_id: Some(Uuid::now_v7()),
        metadata: json!(null),
        ..ActivityInput::default()
    };

    let result = mocks.services().log_activity(tenant(), input).await;

    assert_invalid(result, "contact_id");
}

#[tokio::test]
async fn a_logged_activity_carries_its_parsed_metadata() {
    let tenant = tenant();
    let contact = new_contact(None);
    let stored = stored_contact(tenant, &contact);
    let expected = ActivityMetadata::Call(CallMeta {
        direction: Some(CallDirection::Inbound),
        duration_seconds: Some(60),
        sentiment: Some(Sentiment::Positive),
        ..CallMeta::default()
    });
    let check = expected.clone();
    let mut mocks = Mocks::default();
    mocks
        .contacts
        .expect_find()
        .withf(move |_, id| *id == contact.id)
        .times(1)
        .returning(move |_, _| Ok(Some(stored.clone())));
    mocks
        .activities
        .expect_create()
        .withf(move |t, activity| {
            *t == tenant
                && activity.metadata == check
                && activity.contact_id == Some(contact.id)
                && activity.subject.as_deref() == Some("Intro call")
        })
        .times(1)
        .returning(|t, new| {
            let mut logged = activity(t, new.metadata);
            logged.contact_id = new.contact_id;
            Ok(logged)
        });
    let input = ActivityInput {
        kind: "call".to_owned(),
        contact_id: Some(contact.id),
        subject: Some(" Intro call ".to_owned()),
        metadata: json!({"direction": "inbound", "duration_seconds": 60, "sentiment": "positive"}),
        ..ActivityInput::default()
    };

    let logged = mocks.services().log_activity(tenant, input).await.unwrap();

    assert_eq!(logged.metadata, expected);
}

#[tokio::test]
async fn stage_change_activities_cannot_be_edited() {
    let tenant = tenant();
    let stored = activity(
        tenant,
        ActivityMetadata::StageChange(StageChangeMeta {
            from: Some("SQL".to_owned()),
            to: "Won".to_owned(),
        }),
    );
    let id = stored.id;
    let mut mocks = Mocks::default();
    mocks
        .activities
        .expect_find()
        .returning(move |_, _| Ok(Some(stored.clone())));
    mocks.activities.expect_update().never();

    let result = mocks
        .services()
        .update_activity(tenant, id, Some(Some("Edited".to_owned())), None, None)
        .await;

    assert_invalid(result, "type");
}

#[tokio::test]
async fn editing_a_missing_activity_is_not_found() {
    let mut mocks = Mocks::default();
    mocks.activities.expect_find().returning(|_, _| Ok(None));
    mocks.activities.expect_update().never();

    let result = mocks
        .services()
        .update_activity(tenant(), Uuid::now_v7(), None, None, None)
        .await;

    assert_not_found(result, "activity");
}

#[tokio::test]
async fn edited_metadata_must_fit_the_stored_activity_type() {
    let tenant = tenant();
    let stored = activity(tenant, ActivityMetadata::Note(NoteMeta::default()));
    let id = stored.id;
    let mut mocks = Mocks::default();
    mocks
        .activities
        .expect_find()
        .returning(move |_, _| Ok(Some(stored.clone())));
    mocks.activities.expect_update().never();

    // Call metadata on a note.
    let result = mocks
        .services()
        .update_activity(
            tenant,
            id,
            None,
            None,
            Some(json!({"direction": "inbound"})),
        )
        .await;

    assert_invalid(result, "metadata");
}

#[tokio::test]
async fn edited_metadata_is_parsed_as_the_stored_activity_type() {
    let tenant = tenant();
    let stored = activity(tenant, ActivityMetadata::Call(CallMeta::default()));
    let (id, returned) = (stored.id, stored.clone());
    let expected = ActivityMetadata::Call(CallMeta {
        direction: Some(CallDirection::Outbound),
        ..CallMeta::default()
    });
    let mut mocks = Mocks::default();
    mocks
        .activities
        .expect_find()
        .returning(move |_, _| Ok(Some(stored.clone())));
    mocks
        .activities
        .expect_update()
        .withf(move |_, i, patch| {
            *i == id
                && patch.metadata.as_ref() == Some(&expected)
                && patch.subject == Some(None)
                && patch.description.is_none()
        })
        .times(1)
        .returning(move |_, _, _| Ok(returned.clone()));

    let result = mocks
        .services()
        .update_activity(
            tenant,
            id,
            Some(Some("  ".to_owned())),
            None,
            Some(json!({"direction": "outbound"})),
        )
        .await;

    assert!(result.is_ok(), "{result:?}");
}

#[tokio::test]
async fn the_detail_of_a_missing_deal_is_not_found() {
    let mut mocks = Mocks::default();
    mocks.deals.expect_detail().returning(|_, _| Ok(None));

    let result = mocks.services().deal_detail(tenant(), Uuid::now_v7()).await;

    assert_not_found(result, "deal");
}
