//! Lead sources: the contacts created in the range grouped by `lead_source` (`unknown` when
//! none was recorded), with each source's share.
//!
//! One grouped statement on `contacts (user_id, created_at)`; the total and the shares are
//! computed from the groups.

use crm_domain::{Result, Tenant};
use sea_orm::{ConnectionTrait, Statement};

use crate::calc::pct;
use crate::model::{LeadSourceShare, LeadSources};
use crate::range::DateRange;
use crate::sql::{Sql, all, get, int};

/// `$1` tenant, `$2` range start, `$3` range end.
pub(crate) fn statement(q: Sql, tenant: Tenant, range: &DateRange) -> Statement {
    q.stmt(
        "SELECT COALESCE(lead_source, 'unknown') AS source, count(*) AS contacts
FROM contacts
WHERE user_id = $1 AND created_at >= $2 AND created_at < $3
GROUP BY COALESCE(lead_source, 'unknown')
ORDER BY contacts DESC, source",
        vec![
            tenant.user_id.into(),
            range.start().into(),
            range.end().into(),
        ],
    )
}

/// Computes the donut.
pub(crate) async fn run<C: ConnectionTrait>(
    conn: &C,
    q: Sql,
    tenant: Tenant,
    range: &DateRange,
) -> Result<LeadSources> {
    let mut groups = Vec::new();
    for row in all(conn, statement(q, tenant, range)).await? {
        groups.push((get::<String>(&row, "source")?, int(&row, "contacts")?));
    }
    let total: i64 = groups.iter().map(|(_, count)| count).sum();
    let sources = groups
        .into_iter()
        .map(|(source, count)| LeadSourceShare {
            source,
            count,
            pct: pct(count, total),
        })
        .collect();
    Ok(LeadSources { total, sources })
}
