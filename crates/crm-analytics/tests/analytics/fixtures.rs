//! Builders of the rows the cases need. Rows are written through the domain services (so the
//! store's rules apply: history rows, stage-change activities, resequencing), then their
//! timestamps are set with plain `UPDATE`s so every expected figure can be computed by hand.

use chrono::{DateTime, NaiveDate, Utc};
use crm_analytics::{Analytics, DateRange};
use crm_domain::spend::NewMarketingSpend;
use crm_domain::{
    ActivityInput, CompanyChoice, ContactInput, DealInput, DealPatch, Money, NewCompany,
    NewContact, NewUser, Services, StagePatch, StageRef, Tenant,
};
use crm_store::Store;
use sea_orm::{ConnectionTrait, DbBackend, Statement, Value};
use serde_json::Value as Json;
use uuid::Uuid;

/// The fixed "now" of every case: the afternoon of 2026-11-26.
pub const NOW: &str = "2026-11-26T12:00:00Z";

/// A UTC instant from RFC 3339 text.
pub fn ts(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&Utc)
}

/// A day from `YYYY-MM-DD`.
pub fn day(text: &str) -> NaiveDate {
    text.parse().unwrap()
}

/// The range `from <= day < to`.
pub fn range(from: &str, to: &str) -> DateRange {
    DateRange::new(day(from), day(to)).unwrap()
}

/// The analytics on `store` with the clock at [`NOW`].
pub fn analytics(store: &Store) -> Analytics {
    Analytics::new(store.clone()).at(ts(NOW))
}

/// One user and the helpers to give them data.
pub struct Fx {
    pub store: Store,
    pub services: Services,
    pub tenant: Tenant,
}

impl Fx {
    /// Registers `name@example.com`.
    pub async fn new(store: &Store, name: &str) -> Self {
        let services = Services::new(store.repositories());
        let user = NewUser::new(
            Uuid::now_v7(),
            &format!("{name}@example.com"),
            Some(name),
            None,
        )
        .unwrap();
        let user = services.register(user).await.unwrap();
        Self {
            store: store.clone(),
            services,
            tenant: Tenant::new(user.id),
        }
    }

    /// Runs `sql` (`$n` placeholders) on the owner connection.
    pub async fn exec(&self, sql: &str, values: Vec<Value>) {
        self.store
            .connection()
            .execute_raw(statement(&self.store, sql, values))
            .await
            .unwrap();
    }

    async fn ids(&self, sql: &str, deal: Uuid) -> Vec<Uuid> {
        let rows = self
            .store
            .connection()
            .query_all_raw(statement(
                &self.store,
                sql,
                vec![self.tenant.user_id.into(), deal.into()],
            ))
            .await
            .unwrap();
        rows.iter()
            .map(|r| r.try_get::<Uuid>("", "id").unwrap())
            .collect()
    }

    /// The company called `name` in the shared directory (created on first use).
    pub async fn company(&self, name: &str) -> Uuid {
        let (company, _) = self
            .services
            .repos()
            .companies
            .get_or_create(
                self.tenant,
                NewCompany::new(name, None, None, None).unwrap(),
            )
            .await
            .unwrap();
        company.id
    }

    /// A contact created at `at`.
    pub async fn contact(
        &self,
        first: &str,
        lead_source: Option<&str>,
        company: Option<Uuid>,
        at: &str,
    ) -> Uuid {
        let email = format!(
            "{}@{}.example",
            first.to_lowercase(),
            Uuid::now_v7().simple()
        );
        let input = ContactInput {
            first_name: first,
            last_name: "Test",
            email: Some(&email),
            lead_source,
            ..ContactInput::default()
        };
        let choice = company.map_or(CompanyChoice::None, CompanyChoice::Existing);
        let contact = self
            .services
            .create_contact(self.tenant, NewContact::new(&input).unwrap(), choice)
            .await
            .unwrap();
        let id = contact.contact.id;
        self.exec(
            "UPDATE contacts SET created_at = $3, updated_at = $3 WHERE user_id = $1 AND id = $2",
            vec![self.tenant.user_id.into(), id.into(), ts(at).into()],
        )
        .await;
        id
    }

    /// A deal created in `stage` at `at`.
    pub async fn deal(
        &self,
        name: &str,
        stage: &str,
        amount: Option<&str>,
        contact: Option<Uuid>,
        company: Option<Uuid>,
        at: &str,
    ) -> Uuid {
        let deal = self
            .services
            .create_deal(
                self.tenant,
                DealInput {
                    name: name.to_owned(),
                    stage: Some(StageRef::Name(stage.to_owned())),
                    amount: amount.map(|a| a.parse::<Money>().unwrap()),
                    contact_id: contact,
                    company_id: company,
                    ..DealInput::default()
                },
            )
            .await
            .unwrap();
        let values = || vec![self.tenant.user_id.into(), deal.id.into(), ts(at).into()];
        self.exec(
            "UPDATE deals SET create_date = $3, last_update = $3 WHERE user_id = $1 AND id = $2",
            values(),
        )
        .await;
        // Only the creation row exists yet.
        self.exec(
            "UPDATE deal_stage_changes SET changed_at = $3 WHERE user_id = $1 AND deal_id = $2",
            values(),
        )
        .await;
        deal.id
    }

    /// Moves `deal` to `stage` at `at`: dates the new history row and stage-change activity.
    pub async fn move_to(&self, deal: Uuid, stage: &str, at: &str) {
        let history_sql = "SELECT id FROM deal_stage_changes WHERE user_id = $1 AND deal_id = $2";
        let activity_sql = "SELECT id FROM activities WHERE user_id = $1 AND deal_id = $2";
        let (history, activities) = (
            self.ids(history_sql, deal).await,
            self.ids(activity_sql, deal).await,
        );
        self.services
            .update_deal(
                self.tenant,
                deal,
                DealPatch::default(),
                Some(StageRef::Name(stage.to_owned())),
                None,
            )
            .await
            .unwrap();
        for id in self.ids(history_sql, deal).await {
            if !history.contains(&id) {
                self.exec(
                    "UPDATE deal_stage_changes SET changed_at = $3 WHERE user_id = $1 AND id = $2",
                    vec![self.tenant.user_id.into(), id.into(), ts(at).into()],
                )
                .await;
            }
        }
        for id in self.ids(activity_sql, deal).await {
            if !activities.contains(&id) {
                self.exec(
                    "UPDATE activities SET created_at = $3, updated_at = $3 WHERE user_id = $1 AND id = $2",
                    vec![self.tenant.user_id.into(), id.into(), ts(at).into()],
                )
                .await;
            }
        }
    }

    /// An activity of `kind` logged at `at`.
    pub async fn activity(
        &self,
        kind: &str,
        contact: Option<Uuid>,
        deal: Option<Uuid>,
        metadata: Json,
        at: &str,
    ) -> Uuid {
        let activity = self
            .services
            .log_activity(
                self.tenant,
                ActivityInput {
                    kind: kind.to_owned(),
                    contact_id: contact,
                    deal_id: deal,
                    subject: Some(format!("{kind} at {at}")),
                    description: None,
                    metadata,
                },
            )
            .await
            .unwrap();
        self.exec(
            "UPDATE activities SET created_at = $3, updated_at = $3 WHERE user_id = $1 AND id = $2",
            vec![
                self.tenant.user_id.into(),
                activity.id.into(),
                ts(at).into(),
            ],
        )
        .await;
        activity.id
    }

    /// Marketing spend of one day and source.
    pub async fn spend(&self, on: &str, source: &str, allotted: &str, used: &str) {
        self.services
            .repos()
            .spend
            .upsert(
                self.tenant,
                NewMarketingSpend {
                    spent_on: day(on),
                    lead_source: source.parse().unwrap(),
                    allotted: allotted.parse().unwrap(),
                    used: used.parse().unwrap(),
                },
            )
            .await
            .unwrap();
    }

    /// Renames the stage called `from`.
    pub async fn rename_stage(&self, from: &str, to: &str) {
        let stages = self
            .services
            .repos()
            .stages
            .list(self.tenant)
            .await
            .unwrap();
        let stage = stages.iter().find(|s| s.name == from).unwrap();
        self.services
            .update_stage(
                self.tenant,
                stage.id,
                StagePatch {
                    name: Some(to.to_owned()),
                    ..StagePatch::default()
                },
            )
            .await
            .unwrap();
    }
}

fn statement(store: &Store, sql: &str, values: Vec<Value>) -> Statement {
    let backend = store.backend();
    let sql = if backend == DbBackend::Sqlite {
        sql.replace('$', "?")
    } else {
        sql.to_owned()
    };
    Statement::from_sql_and_values(backend, sql, values)
}

/// Every key whose value is `null`, anywhere in `value` (dotted paths, list indexes
/// dropped), and a check that every number is finite.
pub fn null_keys(value: &Json) -> Vec<String> {
    fn walk(value: &Json, path: &str, out: &mut Vec<String>) {
        match value {
            Json::Null => out.push(path.to_owned()),
            Json::Number(n) => assert!(n.as_f64().is_some_and(f64::is_finite), "{path}: {n}"),
            Json::Array(items) => items.iter().for_each(|item| walk(item, path, out)),
            Json::Object(map) => {
                for (key, item) in map {
                    let path = if path.is_empty() {
                        key.clone()
                    } else {
                        format!("{path}.{key}")
                    };
                    walk(item, &path, out);
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(value, "", &mut out);
    out.sort();
    out.dedup();
    out
}
