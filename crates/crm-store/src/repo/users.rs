//! Users and their initial pipeline.

use async_trait::async_trait;
use chrono::Utc;
use crm_domain::repo::UserRepository;
use crm_domain::{DomainError, NewStage, NewUser, Result, User, UserCredentials};
use sea_orm::sea_query::Condition;
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use super::{contains_pattern, ilike, search_term};
use crate::Store;
use crate::entity::{pipeline_stages, users};
use crate::error::map_db_err;

pub(crate) fn to_user(model: users::Model) -> User {
    User {
        id: model.id,
        email: model.email,
        display_name: model.display_name,
        avatar_url: model.avatar_url,
        created_at: model.created_at,
    }
}

pub(crate) fn stage_row(user_id: Uuid, stage: &NewStage) -> pipeline_stages::ActiveModel {
    pipeline_stages::ActiveModel {
        user_id: Set(user_id),
        id: Set(stage.id),
        name: Set(stage.name.clone()),
        position: Set(stage.position as i32),
        kind: Set(stage.kind.as_str().to_owned()),
        probability: Set(i32::from(stage.probability.get())),
        created_at: Set(Utc::now()),
    }
}

#[async_trait]
impl UserRepository for Store {
    async fn create(&self, user: NewUser, stages: Vec<NewStage>) -> Result<User> {
        let txn = self.write_global().await?;
        let model = users::ActiveModel {
            id: Set(user.id),
            email: Set(user.email),
            password_hash: Set(user.password_hash),
            display_name: Set(user.display_name),
            avatar_url: Set(None),
            created_at: Set(Utc::now()),
        };
        let inserted = users::Entity::insert(model)
            .exec_with_returning(&txn)
            .await
            .map_err(map_db_err)?;
        if !stages.is_empty() {
            pipeline_stages::Entity::insert_many(stages.iter().map(|s| stage_row(user.id, s)))
                .exec(&txn)
                .await
                .map_err(map_db_err)?;
        }
        txn.commit().await.map_err(map_db_err)?;
        Ok(to_user(inserted))
    }

    async fn find(&self, id: Uuid) -> Result<Option<User>> {
        let found = users::Entity::find_by_id(id)
            .one(self.connection())
            .await
            .map_err(map_db_err)?;
        Ok(found.map(to_user))
    }

    async fn credentials(&self, email: &str) -> Result<Option<UserCredentials>> {
        let found = users::Entity::find()
            .filter(users::Column::Email.eq(email.trim().to_lowercase()))
            .one(self.connection())
            .await
            .map_err(map_db_err)?;
        Ok(found.map(|model| UserCredentials {
            password_hash: model.password_hash.clone(),
            user: to_user(model),
        }))
    }

    async fn search(&self, q: Option<String>, limit: u32) -> Result<Vec<User>> {
        let mut query = users::Entity::find().order_by_asc(users::Column::DisplayName);
        if let Some(q) = search_term(q.as_deref()) {
            let pattern = contains_pattern(q);
            query = query.filter(
                Condition::any()
                    .add(ilike(
                        users::Column::DisplayName.into_expr(),
                        pattern.clone(),
                    ))
                    .add(ilike(users::Column::Email.into_expr(), pattern)),
            );
        }
        let found = query
            .limit(u64::from(limit.clamp(1, 200)))
            .all(self.connection())
            .await
            .map_err(map_db_err)?;
        Ok(found.into_iter().map(to_user).collect())
    }

    async fn existing(&self, ids: Vec<Uuid>) -> Result<Vec<Uuid>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let found: Vec<Uuid> = users::Entity::find()
            .select_only()
            .column(users::Column::Id)
            .filter(users::Column::Id.is_in(ids))
            .into_tuple()
            .all(self.connection())
            .await
            .map_err(map_db_err)?;
        Ok(found)
    }
}

/// Turns a duplicate-e-mail conflict into its own message.
#[allow(dead_code)]
pub(crate) fn email_taken(err: DomainError) -> DomainError {
    match err {
        DomainError::Conflict { .. } => {
            DomainError::conflict("users_email_key", "e-mail already registered")
        }
        other => other,
    }
}
