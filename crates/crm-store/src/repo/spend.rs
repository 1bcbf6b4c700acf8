//! A user's marketing spend.

use async_trait::async_trait;
use chrono::{NaiveDate, Utc};
use crm_domain::repo::SpendRepository;
use crm_domain::{DomainError, MarketingSpend, Money, NewMarketingSpend, Result, Tenant};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder,
};
use uuid::Uuid;

use super::parse_stored;
use crate::Store;
use crate::entity::marketing_spend;
use crate::error::map_db_err;

fn to_spend(model: marketing_spend::Model) -> Result<MarketingSpend> {
    let cents = |c: i64| {
        Money::from_cents(c).map_err(|_| DomainError::Unexpected(format!("bad stored amount {c}")))
    };
    Ok(MarketingSpend {
        id: model.id,
        spent_on: model.spent_on,
        lead_source: parse_stored(&model.lead_source, "lead source")?,
        allotted: cents(model.allotted_cents)?,
        used: cents(model.used_cents)?,
        created_at: model.created_at,
    })
}

#[async_trait]
impl SpendRepository for Store {
    async fn upsert(
        &self,
        tenant: Tenant,
        spend: NewMarketingSpend,
    ) -> Result<(MarketingSpend, bool)> {
        let txn = self.write(tenant).await?;
        // Insert unless the day and source already have a row, then update that row. `ON
        // CONFLICT DO NOTHING` also covers a concurrent upsert that inserts first: PostgreSQL
        // waits for it, and this call updates its row instead of failing on the unique key.
        let model = marketing_spend::ActiveModel {
            user_id: Set(tenant.user_id),
            id: Set(Uuid::now_v7()),
            spent_on: Set(spend.spent_on),
            lead_source: Set(spend.lead_source.as_str().to_owned()),
            allotted_cents: Set(spend.allotted.cents()),
            used_cents: Set(spend.used.cents()),
            created_at: Set(Utc::now()),
        };
        let conflict = OnConflict::columns([
            marketing_spend::Column::UserId,
            marketing_spend::Column::SpentOn,
            marketing_spend::Column::LeadSource,
        ])
        .do_nothing()
        .to_owned();
        let created = marketing_spend::Entity::insert(model)
            .on_conflict(conflict)
            .exec_without_returning(&txn)
            .await
            .map_err(map_db_err)?
            == 1;
        let row = marketing_spend::Entity::find()
            .filter(marketing_spend::Column::UserId.eq(tenant.user_id))
            .filter(marketing_spend::Column::SpentOn.eq(spend.spent_on))
            .filter(marketing_spend::Column::LeadSource.eq(spend.lead_source.as_str()))
            .one(&txn)
            .await
            .map_err(map_db_err)?
            .ok_or_else(|| DomainError::Unexpected("upserted spend row vanished".into()))?;
        let model = if created {
            row
        } else {
            let mut model = row.into_active_model();
            model.allotted_cents = Set(spend.allotted.cents());
            model.used_cents = Set(spend.used.cents());
            marketing_spend::Entity::update(model)
                .exec(&txn)
                .await
                .map_err(map_db_err)?
        };
        txn.commit().await.map_err(map_db_err)?;
        Ok((to_spend(model)?, created))
    }

    async fn list(
        &self,
        tenant: Tenant,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<MarketingSpend>> {
        let txn = self.read(tenant).await?;
        let rows = marketing_spend::Entity::find()
            .filter(marketing_spend::Column::UserId.eq(tenant.user_id))
            .filter(marketing_spend::Column::SpentOn.gte(from))
            .filter(marketing_spend::Column::SpentOn.lt(to))
            .order_by_asc(marketing_spend::Column::SpentOn)
            .order_by_asc(marketing_spend::Column::LeadSource)
            .all(&txn)
            .await
            .map_err(map_db_err)?;
        txn.commit().await.map_err(map_db_err)?;
        rows.into_iter().map(to_spend).collect()
    }
}
