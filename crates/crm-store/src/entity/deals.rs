//! `deals`: each user's pipeline cards.
#![allow(missing_docs)]

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "deals")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub name: String,
    pub description: Option<String>,
    pub amount_cents: Option<i64>,
    pub stage_id: Uuid,
    pub stage_order: i32,
    pub priority: String,
    pub progress: i32,
    pub owner_id: Option<Uuid>,
    pub close_date: Option<Date>,
    pub create_date: DateTimeUtc,
    pub last_update: DateTimeUtc,
    pub created_by: Uuid,
    pub contact_id: Option<Uuid>,
    pub company_id: Option<Uuid>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

/// The deal's contact, always one of the same user's (for `find_also_related`).
impl Related<super::contacts::Entity> for Entity {
    fn to() -> RelationDef {
        Entity::belongs_to(super::contacts::Entity)
            .from((Column::UserId, Column::ContactId))
            .to((super::contacts::Column::UserId, super::contacts::Column::Id))
            .into()
    }
}

impl ActiveModelBehavior for ActiveModel {}
