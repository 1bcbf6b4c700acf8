//! The SQL dialect layer: one statement text per query, with the few expressions that differ
//! between PostgreSQL and SQLite supplied by [`Sql`], and typed reads of result rows.
//!
//! Statements are written with PostgreSQL's numbered placeholders (`$1`, `$2`, …, `$1` is
//! always the tenant) and turned into SQLite's `?1`, `?2`, … there. Every value is bound as a
//! parameter of its Rust type (`Uuid`, `DateTime<Utc>`, `NaiveDate`), so a comparison is
//! between values stored and bound by the same driver: on SQLite ids are 16-byte blobs and
//! timestamps RFC 3339 text in UTC (`2026-11-26T16:37:40.123456789+00:00`), whose text order is
//! their time order, and dates are `YYYY-MM-DD` text.

use crm_domain::{DomainError, Result};
use crm_store::map_db_err;
use sea_orm::{ConnectionTrait, DbBackend, QueryResult, Statement, TryGetable, Value};

/// A calendar unit of the charts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Unit {
    /// A UTC day.
    Day,
    /// A UTC calendar month.
    Month,
    /// A UTC calendar quarter.
    Quarter,
}

impl Unit {
    fn name(self) -> &'static str {
        match self {
            Self::Day => "day",
            Self::Month => "month",
            Self::Quarter => "quarter",
        }
    }
}

/// The backend-specific pieces of the analytics SQL.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Sql {
    backend: DbBackend,
}

impl Sql {
    pub(crate) fn new(backend: DbBackend) -> Self {
        Self { backend }
    }

    pub(crate) fn is_postgres(self) -> bool {
        self.backend == DbBackend::Postgres
    }

    /// A statement from PostgreSQL-style SQL (`$n` placeholders) and its values.
    pub(crate) fn stmt(self, sql: &str, values: Vec<Value>) -> Statement {
        let text = if self.is_postgres() {
            sql.to_owned()
        } else {
            numbered_to_sqlite(sql)
        };
        Statement::from_sql_and_values(self.backend, text, values)
    }

    /// The UTC calendar bucket (`day`, `month` or `quarter`) of a timestamp column, as a
    /// cheap grouping key; [`Sql::label`] turns the key into its text.
    ///
    /// PostgreSQL groups by `date_trunc` and formats the few groups afterwards (`to_char` on
    /// every row cost more than the scan feeding it). SQLite stores RFC 3339 text in UTC, so
    /// the key is a prefix of the stored text (the first ten characters are the UTC day).
    pub(crate) fn bucket(self, unit: Unit, column: &str) -> String {
        match (self.is_postgres(), unit) {
            (true, unit) => format!("date_trunc('{}', {column} AT TIME ZONE 'UTC')", unit.name()),
            (false, Unit::Day) => format!("substr({column}, 1, 10)"),
            (false, Unit::Month) => format!("substr({column}, 1, 7)"),
            (false, Unit::Quarter) => format!(
                "(substr({column}, 1, 4) || ' Q' || ((CAST(substr({column}, 6, 2) AS INTEGER) + 2) / 3))"
            ),
        }
    }

    /// The text of a [`Sql::bucket`] key: `'YYYY-MM-DD'`, `'YYYY-MM'` or `'YYYY Qn'`.
    pub(crate) fn label(self, unit: Unit, key: &str) -> String {
        if !self.is_postgres() {
            return key.to_owned();
        }
        let format = match unit {
            Unit::Day => "YYYY-MM-DD",
            Unit::Month => "YYYY-MM",
            Unit::Quarter => "YYYY \"Q\"Q",
        };
        format!("to_char({key}, '{format}')")
    }

    /// A DATE column as `'YYYY-MM-DD'`.
    pub(crate) fn date_text(self, column: &str) -> String {
        if self.is_postgres() {
            format!("to_char({column}, 'YYYY-MM-DD')")
        } else {
            column.to_owned()
        }
    }

    /// The weekday of a DATE column, Monday = 0 … Sunday = 6.
    pub(crate) fn weekday_of(self, column: &str) -> String {
        if self.is_postgres() {
            format!("(CAST(EXTRACT(ISODOW FROM {column}) AS BIGINT) - 1)")
        } else {
            format!("((CAST(strftime('%w', {column}) AS INTEGER) + 6) % 7)")
        }
    }

    /// Whole seconds from timestamp `earlier` to timestamp `later`, as an integer.
    pub(crate) fn seconds_between(self, later: &str, earlier: &str) -> String {
        if self.is_postgres() {
            format!("CAST(round(EXTRACT(EPOCH FROM ({later} - {earlier}))) AS BIGINT)")
        } else {
            format!("CAST(round((julianday({later}) - julianday({earlier})) * 86400.0) AS INTEGER)")
        }
    }

    /// SQLite's `INDEXED BY index` after a table name; nothing on PostgreSQL, which has
    /// statistics to choose by. SQLite has none (the application never runs `ANALYZE`), and
    /// where an index that matches a `GROUP BY` competes with one that matches the `WHERE`,
    /// it may pick the first and read all of a user's rows; `INDEXED BY` pins the second (and
    /// makes the statement fail, not crawl, should the index ever be dropped).
    pub(crate) fn indexed_by(self, index: &str) -> String {
        if self.is_postgres() {
            String::new()
        } else {
            format!(" INDEXED BY {index}")
        }
    }

    /// The `sentiment` key of the `metadata` JSON column, as text.
    pub(crate) fn sentiment(self) -> &'static str {
        if self.is_postgres() {
            "(metadata ->> 'sentiment')"
        } else {
            "json_extract(metadata, '$.sentiment')"
        }
    }
}

/// `$12` → `?12`, leaving everything else alone (the analytics SQL has no `$` in literals).
fn numbered_to_sqlite(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '$' && chars.peek().is_some_and(char::is_ascii_digit) {
            out.push('?');
        } else {
            out.push(c);
        }
    }
    out
}

/// The CTE `closed`: every deal whose **latest** entry into a won or lost stage falls in
/// `[lower, upper)`, with that entry's kind (`to_kind`) and time (`closed_at`), and the deal's
/// `amount_cents`, `create_date`, `company_id` and `contact_id`; with `contacts`, also its
/// contact's `contact_company_id` and `contact_source` (NULL without a contact).
///
/// A deal that was won, reopened and won again closes at its last win; one that was won and
/// then lost counts as lost (a win and a loss at the very same instant count as a win).
/// Set-based, with no look-up per row: the closing entries from `lower` on (with no upper
/// bound, so that a later closing of the same deal is seen) come from one range scan per kind
/// on `deal_stage_changes (user_id, to_kind, changed_at)`, and one `GROUP BY` per deal keeps
/// its latest win and latest loss. The deal (and contact) are joined *before* the grouping:
/// the planner estimates the entries of a range well but not how many deals survive the
/// filter on the grouped times, and joins placed after it were planned as nested loops over
/// thousands of deals. `lower` is a placeholder such as `$2`, or `None` for "since the
/// beginning".
pub(crate) fn closed_cte(q: Sql, lower: Option<&str>, upper: &str, contacts: bool) -> String {
    let lower = lower
        .map(|p| format!(" AND c.changed_at >= {p}"))
        .unwrap_or_default();
    let (outer_columns, inner_columns, contact_join, contact_key) = if contacts {
        (
            ", contact_company_id, contact_source",
            ", ct.company_id AS contact_company_id, ct.lead_source AS contact_source",
            "\n        LEFT JOIN contacts ct ON ct.user_id = $1 AND ct.id = d.contact_id",
            ", ct.user_id, ct.id",
        )
    } else {
        ("", "", "", "")
    };
    let index = q.indexed_by("deal_stage_changes_user_id_to_kind_changed_at_idx");
    format!(
        "closed AS (
    SELECT deal_id, to_kind, closed_at,
           amount_cents, create_date, company_id, contact_id{outer_columns}
    FROM (
        SELECT deal_id, amount_cents, create_date, company_id, contact_id{outer_columns},
               CASE WHEN lost_at IS NULL OR won_at >= lost_at THEN 'won' ELSE 'lost' END
                   AS to_kind,
               CASE WHEN lost_at IS NULL OR won_at >= lost_at THEN won_at ELSE lost_at END
                   AS closed_at
        FROM (
            SELECT d.id AS deal_id, d.amount_cents, d.create_date, d.company_id,
                   d.contact_id{inner_columns},
                   max(c.changed_at) FILTER (WHERE c.to_kind = 'won') AS won_at,
                   max(c.changed_at) FILTER (WHERE c.to_kind = 'lost') AS lost_at
            FROM deal_stage_changes c{index}
            JOIN deals d ON d.user_id = $1 AND d.id = c.deal_id{contact_join}
            WHERE c.user_id = $1 AND c.to_kind IN ('won', 'lost'){lower}
            GROUP BY d.user_id, d.id{contact_key}
        ) AS per_deal
    ) AS latest
    WHERE closed_at < {upper}
)"
    )
}

/// Runs a query and returns every row.
pub(crate) async fn all<C: ConnectionTrait>(conn: &C, stmt: Statement) -> Result<Vec<QueryResult>> {
    conn.query_all_raw(stmt).await.map_err(map_db_err)
}

/// Runs a query that returns exactly one row (an aggregate).
pub(crate) async fn one<C: ConnectionTrait>(conn: &C, stmt: Statement) -> Result<QueryResult> {
    conn.query_one_raw(stmt)
        .await
        .map_err(map_db_err)?
        .ok_or_else(|| DomainError::Unexpected("an aggregate returned no row".to_owned()))
}

/// Reads column `name` of `row`.
pub(crate) fn get<T: TryGetable>(row: &QueryResult, name: &str) -> Result<T> {
    row.try_get("", name)
        .map_err(|err| DomainError::Unexpected(format!("analytics column {name}: {err}")))
}

/// Reads an integer count or sum of cents (never NULL in our SQL, but tolerate it).
pub(crate) fn int(row: &QueryResult, name: &str) -> Result<i64> {
    Ok(get::<Option<i64>>(row, name)?.unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbered_placeholders_become_sqlite_ones() {
        assert_eq!(
            numbered_to_sqlite("SELECT $1, $12 FROM t WHERE a = $2 AND b = '$'"),
            "SELECT ?1, ?12 FROM t WHERE a = ?2 AND b = '$'"
        );
    }
}
