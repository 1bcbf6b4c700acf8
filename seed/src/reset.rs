//! `--reset`: empties every table, children before parents, in one transaction.

use crm_domain::Result;
use crm_store::Store;
use crm_store::entity::{
    activities, companies, contacts, deal_collaborators, deal_stage_changes, deals,
    marketing_spend, pipeline_stages, users,
};
use crm_store::map_db_err;
use sea_orm::{EntityTrait, TransactionTrait};

/// Deletes every row of every table of the CRM (the migrations' bookkeeping stays); returns
/// the number of rows deleted.
pub(crate) async fn delete_everything(store: &Store) -> Result<u64> {
    let txn = store.connection().begin().await.map_err(map_db_err)?;
    let mut deleted = 0;
    // Foreign-key-safe order: every table before the tables it points at.
    deleted += activities::Entity::delete_many()
        .exec(&txn)
        .await
        .map_err(map_db_err)?
        .rows_affected;
    deleted += deal_collaborators::Entity::delete_many()
        .exec(&txn)
        .await
        .map_err(map_db_err)?
        .rows_affected;
    deleted += deal_stage_changes::Entity::delete_many()
        .exec(&txn)
        .await
        .map_err(map_db_err)?
        .rows_affected;
    deleted += deals::Entity::delete_many()
        .exec(&txn)
        .await
        .map_err(map_db_err)?
        .rows_affected;
    deleted += contacts::Entity::delete_many()
        .exec(&txn)
        .await
        .map_err(map_db_err)?
        .rows_affected;
    deleted += marketing_spend::Entity::delete_many()
        .exec(&txn)
        .await
        .map_err(map_db_err)?
        .rows_affected;
    deleted += pipeline_stages::Entity::delete_many()
        .exec(&txn)
        .await
        .map_err(map_db_err)?
        .rows_affected;
    deleted += companies::Entity::delete_many()
        .exec(&txn)
        .await
        .map_err(map_db_err)?
        .rows_affected;
    deleted += users::Entity::delete_many()
        .exec(&txn)
        .await
        .map_err(map_db_err)?
        .rows_affected;
    txn.commit().await.map_err(map_db_err)?;
    Ok(deleted)
}
