//! Contacts: create with a company to get or create, find, list, update, delete; e-mail
//! uniqueness per user; deletion that keeps the deals.

use crm_domain::{
    ActivityInput, ActivityQuery, CompanyChoice, ContactInput, ContactPatch, ContactQuery,
    ContactSort, DealInput, LeadSource, LeadStatus, NewCompany, NewContact, PageRequest, StageRef,
};
use crm_store::Store;
use serde_json::json;
use uuid::Uuid;

use crate::fixtures::{conflict, contact, not_found, services, stage, starting_line, user};
use crate::harness::store_tests;

store_tests! {
    contacts_are_created_found_listed_updated_and_deleted,
    one_user_cannot_have_two_contacts_with_one_email_but_two_users_can,
    deleting_a_contact_clears_it_from_deals_but_keeps_the_deals,
    contacts_created_at_once_with_one_new_company_share_it,
}

async fn contacts_are_created_found_listed_updated_and_deleted(store: Store) {
    let services = services(&store);
    let contacts = &services.repos().contacts;
    let ann = user(&services, "ann").await;

    let engines = || {
        CompanyChoice::GetOrCreate(NewCompany::new("Analytical Engines", None, None, None).unwrap())
    };
    let input = ContactInput {
        first_name: " Ada ",
        last_name: "Lovelace",
        email: Some("ADA@Example.com"),
        phone: Some("+44 20 7946 0000"),
        title: Some("Analyst"),
        lead_source: Some("referral"),
        lead_status: Some("new"),
        linkedin_url: Some("https://linkedin.test/ada"),
        notes: Some("Met at the exhibition"),
        ..ContactInput::default()
    };
    let ada = services
        .create_contact(ann, NewContact::new(&input).unwrap(), engines())
        .await
        .unwrap();
    assert_eq!(ada.contact.first_name, "Ada");
    assert_eq!(ada.contact.email.as_deref(), Some("ada@example.com"));
    assert_eq!(ada.contact.user_id, ann.user_id);
    assert_eq!(ada.contact.created_by, ann.user_id);
    assert_eq!(ada.contact.contact_owner_id, Some(ann.user_id));
    assert_eq!(ada.contact.lead_source, Some(LeadSource::Referral));
    assert_eq!(ada.contact.lead_status, Some(LeadStatus::New));
    let company = ada.company.clone().unwrap();
    assert_eq!(company.name, "Analytical Engines");
    assert_eq!(ada.contact.company_id, Some(company.id));
    assert_eq!(
        contacts.find(ann, ada.contact.id).await.unwrap(),
        Some(ada.clone())
    );

    // The second contact of that company finds it instead of adding another.
    let charles_input = ContactInput {
        first_name: "Charles",
        last_name: "Babbage",
        email: Some("charles@example.com"),
        lead_source: Some("event"),
        lead_status: Some("qualified"),
        ..ContactInput::default()
    };
    let shouted = CompanyChoice::GetOrCreate(
        NewCompany::new(" analytical ENGINES", None, None, None).unwrap(),
    );
    let charles = services
        .create_contact(ann, NewContact::new(&charles_input).unwrap(), shouted)
        .await
        .unwrap();
    assert_eq!(charles.company.as_ref().map(|c| c.id), Some(company.id));
    let grace = contact(&services, ann, "Grace", "Hopper", Some("grace@navy.test")).await;
    let alan = contact(&services, ann, "Alan", "Turing", None).await;
    let edsger = services
        .create_contact(
            ann,
            NewContact::new(&ContactInput {
                first_name: "Edsger",
                last_name: "Dijkstra",
                phone: Some("555-0199"),
                lead_status: Some("qualified"),
                ..ContactInput::default()
            })
            .unwrap(),
            CompanyChoice::Existing(company.id),
        )
        .await
        .unwrap();
    let created_order = [
        ada.contact.id,
        charles.contact.id,
        grace.contact.id,
        alan.contact.id,
        edsger.contact.id,
    ];

    let list = |query: ContactQuery| async move {
        contacts
            .list(ann, query)
            .await
            .unwrap()
            .data
            .into_iter()
            .map(|c| c.contact.id)
            .collect::<Vec<Uuid>>()
    };
    let newest_first: Vec<Uuid> = created_order.iter().rev().copied().collect();
    assert_eq!(list(ContactQuery::default()).await, newest_first);
    let by = |sort| ContactQuery {
        sort,
        ..ContactQuery::default()
    };
    assert_eq!(list(by(ContactSort::CreatedAsc)).await, created_order);
    let by_name = [
        charles.contact.id,
        edsger.contact.id,
        grace.contact.id,
        ada.contact.id,
        alan.contact.id,
    ];
    assert_eq!(list(by(ContactSort::NameAsc)).await, by_name);
    let mut by_name_desc = by_name;
    by_name_desc.reverse();
    assert_eq!(list(by(ContactSort::NameDesc)).await, by_name_desc);

    let search = |q: &str| ContactQuery {
        q: Some(q.to_owned()),
        sort: ContactSort::CreatedAsc,
        ..ContactQuery::default()
    };
    assert_eq!(list(search("LOVE")).await, [ada.contact.id]);
    assert_eq!(list(search("ada lovelace")).await, [ada.contact.id]);
    assert_eq!(list(search("navy.test")).await, [grace.contact.id]);
    assert_eq!(list(search("0199")).await, [edsger.contact.id]);
    assert_eq!(
        list(search("%")).await,
        Vec::<Uuid>::new(),
        "wildcards are literal"
    );
    assert_eq!(
        list(search("   ")).await.len(),
        5,
        "a blank search is no filter"
    );
    assert_eq!(
        list(ContactQuery {
            lead_status: Some(LeadStatus::Qualified),
            sort: ContactSort::CreatedAsc,
            ..ContactQuery::default()
        })
        .await,
        [charles.contact.id, edsger.contact.id]
    );
    assert_eq!(
        list(ContactQuery {
            lead_source: Some(LeadSource::Event),
            ..ContactQuery::default()
        })
        .await,
        [charles.contact.id]
    );
    assert_eq!(
        list(ContactQuery {
            company_id: Some(company.id),
            sort: ContactSort::CreatedAsc,
            ..ContactQuery::default()
        })
        .await,
        [ada.contact.id, charles.contact.id, edsger.contact.id]
    );

    // Paging two at a time walks the whole list once, in order.
    let mut cursor: Option<String> = None;
    let mut walked = Vec::new();
    let mut pages = 0;
    loop {
        let page = contacts
            .list(
                ann,
                ContactQuery {
                    sort: ContactSort::NameAsc,
                    page: PageRequest::new(Some(2), cursor.as_deref(), 50, 200).unwrap(),
                    ..ContactQuery::default()
                },
            )
            .await
            .unwrap();
        pages += 1;
        assert!(page.data.len() <= 2);
        walked.extend(page.data.iter().map(|c| c.contact.id));
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(walked, by_name);

    // Update: set, clear and keep fields.
    let patch = ContactPatch {
        first_name: Some("Augusta Ada".into()),
        email: Some(Some("countess@example.com".into())),
        phone: Some(None),
        company_id: Some(None),
        lead_status: Some(Some(LeadStatus::Converted)),
        notes: Some(Some("Wrote the first program".into())),
        ..ContactPatch::default()
    };
    let updated = services
        .update_contact(ann, ada.contact.id, patch)
        .await
        .unwrap();
    assert_eq!(updated.contact.first_name, "Augusta Ada");
    assert_eq!(updated.contact.last_name, "Lovelace");
    assert_eq!(
        updated.contact.email.as_deref(),
        Some("countess@example.com")
    );
    assert_eq!(updated.contact.phone, None);
    assert_eq!(updated.contact.company_id, None);
    assert_eq!(updated.company, None);
    assert_eq!(updated.contact.lead_status, Some(LeadStatus::Converted));
    assert_eq!(updated.contact.lead_source, Some(LeadSource::Referral));
    assert_eq!(updated.contact.title.as_deref(), Some("Analyst"));
    assert_eq!(updated.contact.created_at, ada.contact.created_at);
    assert!(updated.contact.updated_at >= ada.contact.updated_at);
    assert_eq!(
        contacts.find(ann, ada.contact.id).await.unwrap(),
        Some(updated)
    );
    not_found(
        contacts
            .update(ann, Uuid::now_v7(), ContactPatch::default())
            .await,
    );

    contacts.delete(ann, ada.contact.id).await.unwrap();
    assert_eq!(contacts.find(ann, ada.contact.id).await.unwrap(), None);
    not_found(contacts.delete(ann, ada.contact.id).await);
    assert_eq!(list(ContactQuery::default()).await.len(), 4);
}

async fn one_user_cannot_have_two_contacts_with_one_email_but_two_users_can(store: Store) {
    let services = services(&store);
    let ann = user(&services, "ann").await;
    let bob = user(&services, "bob").await;
    let new = |email: &str| {
        NewContact::new(&ContactInput {
            first_name: "Ada",
            last_name: "Lovelace",
            email: Some(email),
            ..ContactInput::default()
        })
        .unwrap()
    };

    services
        .create_contact(ann, new("ada@example.com"), CompanyChoice::None)
        .await
        .unwrap();
    let constraint = conflict(
        services
            .create_contact(ann, new("Ada@Example.COM"), CompanyChoice::None)
            .await,
    );
    assert_eq!(constraint, "contacts_user_email_key");
    // Straight through the repository too: the database itself refuses it.
    let constraint = conflict(
        services
            .repos()
            .contacts
            .create(ann, new("ada@example.com"), CompanyChoice::None)
            .await,
    );
    assert_eq!(constraint, "contacts_user_email_key");

    // Another user may know the same person.
    services
        .create_contact(bob, new("ada@example.com"), CompanyChoice::None)
        .await
        .unwrap();

    // An edit onto a taken address collides too; contacts without e-mail never do.
    let other = services
        .create_contact(ann, new("other@example.com"), CompanyChoice::None)
        .await
        .unwrap();
    let patch = ContactPatch {
        email: Some(Some("ada@example.com".into())),
        ..ContactPatch::default()
    };
    let constraint = conflict(services.update_contact(ann, other.contact.id, patch).await);
    assert_eq!(constraint, "contacts_user_email_key");
    contact(&services, ann, "No", "Mail", None).await;
    contact(&services, ann, "No", "Mail", None).await;
}

async fn deleting_a_contact_clears_it_from_deals_but_keeps_the_deals(store: Store) {
    let services = services(&store);
    let repos = services.repos();
    let ann = user(&services, "ann").await;
    let ada = contact(&services, ann, "Ada", "Lovelace", Some("ada@example.com")).await;
    let grace = contact(&services, ann, "Grace", "Hopper", None).await;

    let with_contact = |name: &str, contact_id: Uuid| DealInput {
        name: name.to_owned(),
        stage: Some(StageRef::Name("Contact".into())),
        contact_id: Some(contact_id),
        ..DealInput::default()
    };
    let first = services
        .create_deal(ann, with_contact("Engine", ada.contact.id))
        .await
        .unwrap();
    let second = services
        .create_deal(ann, with_contact("Mill", ada.contact.id))
        .await
        .unwrap();
    let kept = services
        .create_deal(ann, with_contact("Compiler", grace.contact.id))
        .await
        .unwrap();
    assert_eq!(first.contact.as_ref().unwrap().first_name, "Ada");

    let log = |kind: &str, contact_id: Option<Uuid>, deal_id: Option<Uuid>| ActivityInput {
        kind: kind.to_owned(),
        contact_id,
        deal_id,
        subject: Some(format!("{kind} log")),
        metadata: json!(null),
        ..ActivityInput::default()
    };
    let call = services
        .log_activity(ann, log("call", Some(ada.contact.id), None))
        .await
        .unwrap();
    let on_both = services
        .log_activity(ann, log("note", Some(ada.contact.id), Some(first.id)))
        .await
        .unwrap();
    let deal_only = services
        .log_activity(ann, log("task", None, Some(first.id)))
        .await
        .unwrap();
    let graces = services
        .log_activity(ann, log("email", Some(grace.contact.id), None))
        .await
        .unwrap();
    // A move writes a stage_change activity that names the deal's contact.
    let sql = stage(&services, ann, "SQL").await;
    repos
        .deals
        .move_deal(ann, second.id, crm_domain::DealMove::to(&sql, None))
        .await
        .unwrap();

    repos.contacts.delete(ann, ada.contact.id).await.unwrap();

    for id in [first.id, second.id] {
        let deal = repos
            .deals
            .find(ann, id)
            .await
            .unwrap()
            .expect("the deal stays");
        assert_eq!(deal.contact_id, None);
        assert_eq!(deal.contact, None);
        assert!(!repos.deals.stage_history(ann, id).await.unwrap().is_empty());
    }
    assert_eq!(
        repos
            .deals
            .find(ann, kept.id)
            .await
            .unwrap()
            .unwrap()
            .contact_id,
        Some(grace.contact.id)
    );
    assert!(
        repos
            .deals
            .with_contact(ann, ada.contact.id)
            .await
            .unwrap()
            .is_empty()
    );

    // Activities about the contact alone go with it; those about one of its deals stay, as
    // part of the deal's history, without the contact.
    assert_eq!(repos.activities.find(ann, call.id).await.unwrap(), None);
    let kept_note = repos
        .activities
        .find(ann, on_both.id)
        .await
        .unwrap()
        .expect("an activity on the deal stays");
    assert_eq!(kept_note.contact_id, None);
    assert_eq!(kept_note.deal_id, Some(first.id));
    let left = repos
        .activities
        .list(ann, ActivityQuery::default())
        .await
        .unwrap()
        .data;
    assert!(left.iter().all(|a| a.contact_id != Some(ada.contact.id)));
    assert!(
        left.iter().any(|a| a.id == deal_only.id),
        "deal-only activity stays"
    );
    assert!(left.iter().any(|a| a.id == graces.id));
    assert_eq!(
        repos.contacts.find(ann, ada.contact.id).await.unwrap(),
        None
    );
    assert!(
        repos
            .contacts
            .find(ann, grace.contact.id)
            .await
            .unwrap()
            .is_some()
    );
}

async fn contacts_created_at_once_with_one_new_company_share_it(store: Store) {
    let services = services(&store);
    let ann = user(&services, "ann").await;
    let bob = user(&services, "bob").await;
    let start = starting_line(&store, 6, 12).await;
    let mut tasks = Vec::new();
    for i in 0..12 {
        let services = services.clone();
        let tenant = if i % 2 == 0 { ann } else { bob };
        let start = start.clone();
        tasks.push(tokio::spawn(async move {
            start.wait().await;
            let first = format!("Peter{i}");
            let input = ContactInput {
                first_name: &first,
                last_name: "Gibbons",
                ..ContactInput::default()
            };
            let name = if i % 3 == 0 { "INITECH" } else { "Initech" };
            services
                .create_contact(
                    tenant,
                    NewContact::new(&input).unwrap(),
                    CompanyChoice::GetOrCreate(NewCompany::new(name, None, None, None).unwrap()),
                )
                .await
        }));
    }
    let mut companies = std::collections::HashSet::new();
    for task in tasks {
        let created = task.await.unwrap();
        let created = created.unwrap_or_else(|err| panic!("a contact was refused: {err:?}"));
        companies.insert(created.company.unwrap().id);
    }
    assert_eq!(companies.len(), 1, "one company for one name");
    let listed = services
        .repos()
        .companies
        .list(Some("initech".into()), PageRequest::default())
        .await
        .unwrap();
    assert_eq!(listed.data.len(), 1);
}
