//! Users with their default pipeline, and the shared company directory.

use crm_domain::{CompanyPatch, DomainError, NewCompany, NewUser, PageRequest, StageKind};
use crm_store::Store;
use uuid::Uuid;

use crate::fixtures::{conflict, services, starting_line, user};
use crate::harness::store_tests;

store_tests! {
    registering_a_user_creates_the_six_default_stages,
    company_get_or_create_matches_names_case_insensitively,
    first_requests_of_a_new_token_user_at_once_provision_them_once,
    a_migrated_store_is_up_to_date_ready_and_empty,
}

async fn registering_a_user_creates_the_six_default_stages(store: Store) {
    let services = services(&store);
    let repos = services.repos();
    let ann = user(&services, "ann").await;

    let found = repos.users.find(ann.user_id).await.unwrap().unwrap();
    assert_eq!(found.email, "ann@example.com");
    assert_eq!(found.display_name, "ann");
    let credentials = repos
        .users
        .credentials(" ANN@Example.com ")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(credentials.user, found);
    assert!(credentials.password_hash.unwrap().starts_with("$argon2id$"));
    assert!(
        repos
            .users
            .credentials("nobody@example.com")
            .await
            .unwrap()
            .is_none()
    );

    let stages = repos.stages.list(ann).await.unwrap();
    let summary: Vec<(&str, u32, StageKind, u8)> = stages
        .iter()
        .map(|s| (s.name.as_str(), s.position, s.kind, s.probability.get()))
        .collect();
    assert_eq!(
        summary,
        [
            ("Contact", 0, StageKind::Open, 10),
            ("MQL", 1, StageKind::Open, 20),
            ("SQL", 2, StageKind::Open, 40),
            ("Opportunity", 3, StageKind::Open, 60),
            ("Won", 4, StageKind::Won, 100),
            ("Lost", 5, StageKind::Lost, 0),
        ]
    );

    // The same address again (in another case) is refused, and leaves no stages behind.
    let again = NewUser::new(Uuid::now_v7(), "Ann@example.com", None, None).unwrap();
    let taken = again.id;
    conflict(services.register(again).await);
    assert!(repos.users.find(taken).await.unwrap().is_none());
    assert!(
        repos
            .stages
            .list(crm_domain::Tenant::new(taken))
            .await
            .unwrap()
            .is_empty()
    );

    let bob = user(&services, "bob").await;
    let search = repos.users.search(Some("BO".into()), 10).await.unwrap();
    assert_eq!(
        search.iter().map(|u| u.id).collect::<Vec<_>>(),
        [bob.user_id]
    );
    assert_eq!(repos.users.search(None, 10).await.unwrap().len(), 2);
    let stranger = Uuid::now_v7();
    let mut existing = repos
        .users
        .existing(vec![ann.user_id, stranger, bob.user_id])
        .await
        .unwrap();
    existing.sort();
    let mut expected = vec![ann.user_id, bob.user_id];
    expected.sort();
    assert_eq!(existing, expected);

    // A token user is provisioned once, then found.
    let sub = Uuid::now_v7();
    let first = services
        .user_for_token(sub, Some("tok@example.com"))
        .await
        .unwrap();
    let second = services
        .user_for_token(sub, Some("tok@example.com"))
        .await
        .unwrap();
    assert_eq!(first, second);
    assert_eq!(
        repos
            .stages
            .list(crm_domain::Tenant::new(sub))
            .await
            .unwrap()
            .len(),
        6
    );
}

async fn company_get_or_create_matches_names_case_insensitively(store: Store) {
    let services = services(&store);
    let companies = &services.repos().companies;
    let ann = user(&services, "ann").await;
    let bob = user(&services, "bob").await;

    let acme = NewCompany::new("Acme", None, Some("Anvils"), Some("https://acme.test")).unwrap();
    let (created, was_created) = companies.get_or_create(ann, acme).await.unwrap();
    assert!(was_created);
    assert_eq!(created.name, "Acme");
    assert_eq!(created.created_by, Some(ann.user_id));
    assert_eq!(created.industry.as_deref(), Some("Anvils"));

    let shouted = NewCompany::new("ACME ", None, None, None).unwrap();
    let (same, was_created) = companies.get_or_create(bob, shouted).await.unwrap();
    assert!(!was_created);
    assert_eq!(same, created);

    assert_eq!(
        companies.find(created.id).await.unwrap(),
        Some(created.clone())
    );
    assert_eq!(companies.find(Uuid::now_v7()).await.unwrap(), None);

    let (globex, _) = companies
        .get_or_create(bob, NewCompany::new("Globex", None, None, None).unwrap())
        .await
        .unwrap();
    let page = companies
        .list(Some("cm".into()), PageRequest::default())
        .await
        .unwrap();
    assert_eq!(
        page.data.iter().map(|c| c.id).collect::<Vec<_>>(),
        [created.id]
    );
    let first = companies
        .list(None, PageRequest::new(Some(1), None, 50, 200).unwrap())
        .await
        .unwrap();
    assert_eq!(first.data[0].id, created.id, "listed by name");
    let second = companies
        .list(
            None,
            PageRequest::new(Some(1), first.next_cursor.as_deref(), 50, 200).unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(second.data[0].id, globex.id);
    assert_eq!(second.next_cursor, None);

    // Only the creator edits; a rename onto another name (in any case) collides.
    let rename = |name: &str| CompanyPatch {
        name: Some(name.to_owned()),
        ..CompanyPatch::default()
    };
    let renamed = companies
        .update(ann, created.id, rename("Acme Corp"))
        .await
        .unwrap();
    assert_eq!(renamed.name, "Acme Corp");
    assert!(matches!(
        companies.update(bob, created.id, rename("Mine now")).await,
        Err(DomainError::Forbidden(_))
    ));
    conflict(companies.update(ann, created.id, rename("GLOBEX")).await);
    let (found, was_created) = companies
        .get_or_create(bob, NewCompany::new("acme corp", None, None, None).unwrap())
        .await
        .unwrap();
    assert!(!was_created);
    assert_eq!(found.id, created.id);
}

async fn first_requests_of_a_new_token_user_at_once_provision_them_once(store: Store) {
    let services = services(&store);
    let sub = Uuid::now_v7();
    let start = starting_line(&store, 6, 8).await;
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let services = services.clone();
        let start = start.clone();
        tasks.push(tokio::spawn(async move {
            start.wait().await;
            services
                .user_for_token(sub, Some("Token@Example.com"))
                .await
        }));
    }
    for task in tasks {
        let user = task.await.unwrap().unwrap();
        assert_eq!((user.id, user.email.as_str()), (sub, "token@example.com"));
    }
    let stages = services
        .repos()
        .stages
        .list(crm_domain::Tenant::new(sub))
        .await
        .unwrap();
    assert_eq!(stages.len(), 6, "one default pipeline");
    // The address now belongs to that id: another id cannot take it.
    conflict(
        services
            .user_for_token(Uuid::now_v7(), Some("token@example.com"))
            .await,
    );
}

async fn a_migrated_store_is_up_to_date_ready_and_empty(store: Store) {
    use migration::MigratorTrait;
    let (applied, pending) = store.migration_status().await.unwrap();
    assert_eq!(applied.len(), migration::Migrator::migrations().len());
    assert!(pending.is_empty());
    store.ping().await.unwrap();
    assert!(store.is_empty().await.unwrap());
    user(&services(&store), "ann").await;
    assert!(!store.is_empty().await.unwrap());
    assert!(matches!(
        crm_store::Store::connect(&crm_store::StoreConfig::new("mysql://nope")).await,
        Err(crm_store::StoreError::BadUrl(_))
    ));
}
