//! Builders of the rows the cases need, and the checks several cases share.

use crm_domain::{
    BoardColumn, BoardQuery, CompanyChoice, ContactInput, ContactWithCompany, Deal, DealInput,
    DomainError, Money, NewContact, NewUser, PipelineStage, Services, StageRef, Tenant,
};
use crm_store::Store;
use uuid::Uuid;

/// The use cases over the store's repositories.
pub fn services(store: &Store) -> Services {
    Services::new(store.repositories())
}

/// Registers `name@example.com` and returns their tenant.
pub async fn user(services: &Services, name: &str) -> Tenant {
    let new = NewUser::new(
        Uuid::now_v7(),
        &format!("{name}@example.com"),
        Some(name),
        Some("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".to_owned()),
    )
    .unwrap();
    let user = services.register(new).await.unwrap();
    Tenant::new(user.id)
}

/// The tenant's stage called `name`.
pub async fn stage(services: &Services, tenant: Tenant, name: &str) -> PipelineStage {
    services
        .repos()
        .stages
        .list(tenant)
        .await
        .unwrap()
        .into_iter()
        .find(|s| s.name == name)
        .unwrap_or_else(|| panic!("no stage {name}"))
}

/// A contact without company.
pub async fn contact(
    services: &Services,
    tenant: Tenant,
    first: &str,
    last: &str,
    email: Option<&str>,
) -> ContactWithCompany {
    let input = ContactInput {
        first_name: first,
        last_name: last,
        email,
        ..ContactInput::default()
    };
    services
        .create_contact(
            tenant,
            NewContact::new(&input).unwrap(),
            CompanyChoice::None,
        )
        .await
        .unwrap()
}

/// A deal in the stage called `stage`, with an optional amount such as `"12.50"`.
pub async fn deal(
    services: &Services,
    tenant: Tenant,
    name: &str,
    stage: &str,
    amount: Option<&str>,
) -> Deal {
    services
        .create_deal(
            tenant,
            DealInput {
                name: name.to_owned(),
                stage: Some(StageRef::Name(stage.to_owned())),
                amount: amount.map(|a| a.parse::<Money>().unwrap()),
                ..DealInput::default()
            },
        )
        .await
        .unwrap()
}

/// The whole board (up to 500 cards a column), unfiltered.
pub async fn board(services: &Services, tenant: Tenant) -> Vec<BoardColumn> {
    services
        .repos()
        .deals
        .board(tenant, BoardQuery::default(), 500)
        .await
        .unwrap()
}

/// Every column as (stage name, deal ids in card order), after checking that each column is
/// numbered exactly 0..n-1 and that its count covers every card.
pub async fn columns(services: &Services, tenant: Tenant) -> Vec<(String, Vec<Uuid>)> {
    let board = board(services, tenant).await;
    assert_gap_free(&board);
    board
        .into_iter()
        .map(|c| (c.stage.name, c.deals.into_iter().map(|d| d.id).collect()))
        .collect()
}

/// Asserts that every column's `stage_order` list is exactly 0..n-1 and that the column's
/// count is its number of cards (nothing hidden behind a gap or a duplicate).
pub fn assert_gap_free(board: &[BoardColumn]) {
    for column in board {
        let orders: Vec<u32> = column.deals.iter().map(|d| d.stage_order).collect();
        let expected: Vec<u32> = (0..orders.len() as u32).collect();
        assert_eq!(
            orders, expected,
            "stage_order of column {} is not 0..n-1",
            column.stage.name
        );
        assert_eq!(
            column.count,
            column.deals.len() as u64,
            "column {} counts cards the board does not show",
            column.stage.name
        );
        for deal in &column.deals {
            assert_eq!(deal.stage_id, column.stage.id);
            assert_eq!(deal.stage, column.stage.name);
        }
    }
    let positions: Vec<u32> = board.iter().map(|c| c.stage.position).collect();
    let expected: Vec<u32> = (0..board.len() as u32).collect();
    assert_eq!(positions, expected, "stage positions are not 0..n-1");
}

/// The ids of the cards of the column called `name`.
pub fn column<'a>(columns: &'a [(String, Vec<Uuid>)], name: &str) -> &'a [Uuid] {
    columns
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, ids)| ids.as_slice())
        .unwrap_or_else(|| panic!("no column {name}"))
}

/// Asserts `result` is a `Conflict` and returns its constraint.
#[track_caller]
pub fn conflict<T: std::fmt::Debug>(result: Result<T, DomainError>) -> String {
    match result {
        Err(DomainError::Conflict { constraint, .. }) => constraint,
        other => panic!("expected a Conflict, got {other:?}"),
    }
}

/// Asserts `result` is a `NotFound`.
#[track_caller]
pub fn not_found<T: std::fmt::Debug>(result: Result<T, DomainError>) {
    match result {
        Err(DomainError::NotFound { .. }) => {}
        other => panic!("expected NotFound, got {other:?}"),
    }
}

/// Asserts `result` is a `Validation` error and returns its field names.
#[track_caller]
pub fn invalid<T: std::fmt::Debug>(result: Result<T, DomainError>) -> Vec<String> {
    match result {
        Err(DomainError::Validation(fields)) => fields.into_keys().collect(),
        other => panic!("expected a Validation error, got {other:?}"),
    }
}

/// Opens `connections` pooled connections at once and returns a barrier for `parties` tasks,
/// so that concurrent calls start together instead of queueing behind connection setup.
pub async fn starting_line(
    store: &Store,
    connections: usize,
    parties: usize,
) -> std::sync::Arc<tokio::sync::Barrier> {
    use sea_orm::TransactionTrait;
    let mut held = Vec::new();
    for _ in 0..connections {
        held.push(store.connection().begin().await.unwrap());
    }
    for txn in held {
        txn.rollback().await.unwrap();
    }
    std::sync::Arc::new(tokio::sync::Barrier::new(parties))
}
