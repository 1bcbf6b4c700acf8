//! Where generated rows go: `COPY … FROM STDIN` on PostgreSQL, multi-row `INSERT`s with bound
//! values on SQLite. Both write whole [`Table`]s inside a transaction the caller owns.
//!
//! Cells are `sea_orm::Value`s, so on SQLite the values are bound exactly as the store's own
//! inserts bind them (same UUID and timestamp encodings); on PostgreSQL they are rendered in
//! `COPY`'s text format, which the server parses with its own input functions.

use std::fmt::Write as _;

use chrono::SecondsFormat;
use sea_orm::sqlx::PgConnection;
use sea_orm::{ConnectionTrait, DatabaseBackend, DatabaseTransaction, Statement, Value};

use super::ScaleError;

/// Most bound values in one SQLite statement (SQLite allows 32,766).
const SQLITE_MAX_VALUES: usize = 30_000;

/// Rows for one table, every row with one value per column, in column order.
#[derive(Debug)]
pub(crate) struct Table {
    /// The table's name.
    pub name: &'static str,
    /// The columns the rows fill.
    pub columns: &'static [&'static str],
    /// The rows.
    pub rows: Vec<Vec<Value>>,
}

impl Table {
    /// An empty table of `name` with `columns`.
    pub fn new(name: &'static str, columns: &'static [&'static str]) -> Self {
        Self {
            name,
            columns,
            rows: Vec::new(),
        }
    }

    /// Appends a row; it must have one value per column.
    pub fn push(&mut self, row: Vec<Value>) {
        debug_assert_eq!(row.len(), self.columns.len(), "row width of {}", self.name);
        self.rows.push(row);
    }
}

/// Streams `table` into PostgreSQL with `COPY` (text format) on `conn`; returns the rows
/// written.
pub(crate) async fn copy_into(conn: &mut PgConnection, table: &Table) -> Result<u64, ScaleError> {
    if table.rows.is_empty() {
        return Ok(0);
    }
    let data = copy_text(table)?;
    let statement = format!(
        "COPY {} ({}) FROM STDIN",
        table.name,
        table.columns.join(", ")
    );
    let mut copy = conn.copy_in_raw(&statement).await.map_err(sql_err)?;
    if let Err(err) = copy.send(data.into_bytes()).await {
        // The connection is unusable until the copy ends; the send error is the one to report.
        copy.abort(err.to_string()).await.ok();
        return Err(sql_err(err));
    }
    copy.finish().await.map_err(sql_err)
}

/// Inserts `table` into SQLite in statements of as many rows as the bound-value limit allows;
/// returns the rows written.
pub(crate) async fn insert_into(
    txn: &DatabaseTransaction,
    table: &Table,
) -> Result<u64, ScaleError> {
    let width = table.columns.len().max(1);
    let rows_per_statement = (SQLITE_MAX_VALUES / width).max(1);
    let mut written = 0;
    for chunk in table.rows.chunks(rows_per_statement) {
        let row_marks = format!("({})", vec!["?"; width].join(", "));
        let sql = format!(
            "INSERT INTO {} ({}) VALUES {}",
            table.name,
            table.columns.join(", "),
            vec![row_marks; chunk.len()].join(", ")
        );
        let values: Vec<Value> = chunk.iter().flatten().cloned().collect();
        let result = txn
            .execute_raw(Statement::from_sql_and_values(
                DatabaseBackend::Sqlite,
                sql,
                values,
            ))
            .await
            .map_err(|err| ScaleError::Database(format!("{}: {err}", table.name)))?;
        written += result.rows_affected();
    }
    Ok(written)
}

/// The rows of `table` in `COPY`'s text format: tab-separated, `\N` for NULL, one line each.
fn copy_text(table: &Table) -> Result<String, ScaleError> {
    let mut out = String::with_capacity(table.rows.len() * 64 * table.columns.len());
    for row in &table.rows {
        for (i, value) in row.iter().enumerate() {
            if i > 0 {
                out.push('\t');
            }
            write_copy_value(&mut out, value).map_err(|what| {
                ScaleError::Database(format!("{}.{}: {what}", table.name, table.columns[i]))
            })?;
        }
        out.push('\n');
    }
    Ok(out)
}

/// Appends one value in `COPY` text format.
fn write_copy_value(out: &mut String, value: &Value) -> Result<(), &'static str> {
    // Writing to a String cannot fail, so the `fmt::Result`s below are ignored.
    match value {
        Value::Uuid(Some(id)) => {
            let _ = write!(out, "{id}");
        }
        Value::String(Some(text)) => escape_into(out, text),
        Value::BigInt(Some(n)) => {
            let _ = write!(out, "{n}");
        }
        Value::Int(Some(n)) => {
            let _ = write!(out, "{n}");
        }
        Value::Json(Some(json)) => escape_into(out, &json.to_string()),
        Value::ChronoDate(Some(date)) => {
            let _ = write!(out, "{}", date.format("%Y-%m-%d"));
        }
        Value::ChronoDateTimeUtc(Some(at)) => {
            out.push_str(&at.to_rfc3339_opts(SecondsFormat::Micros, true));
        }
        Value::Uuid(None)
        | Value::String(None)
        | Value::BigInt(None)
        | Value::Int(None)
        | Value::Json(None)
        | Value::ChronoDate(None)
        | Value::ChronoDateTimeUtc(None) => out.push_str("\\N"),
        _ => return Err("a value type the scale seed does not write"),
    }
    Ok(())
}

/// Appends `text` with `COPY`'s escapes for backslash, tab, newline and carriage return.
fn escape_into(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            other => out.push(other),
        }
    }
}

fn sql_err(err: sea_orm::sqlx::Error) -> ScaleError {
    ScaleError::Database(err.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{NaiveDate, TimeZone, Utc};
    use uuid::Uuid;

    #[test]
    fn copy_text_escapes_and_marks_nulls() {
        let mut table = Table::new("t", &["a", "b", "c", "d", "e"]);
        table.push(vec![
            Value::Uuid(Some(Uuid::nil())),
            Value::String(Some("tab\there\\ and\nline".to_owned())),
            Value::String(None),
            Value::ChronoDate(NaiveDate::from_ymd_opt(2026, 2, 3)),
            Value::ChronoDateTimeUtc(Utc.with_ymd_and_hms(2026, 2, 3, 4, 5, 6).single()),
        ]);
        let text = copy_text(&table).ok();
        assert_eq!(
            text.as_deref(),
            Some(
                "00000000-0000-0000-0000-000000000000\ttab\\there\\\\ and\\nline\t\\N\t\
                 2026-02-03\t2026-02-03T04:05:06.000000Z\n"
            )
        );
    }

    #[test]
    fn json_is_written_as_escaped_text() {
        let mut table = Table::new("t", &["m"]);
        table.push(vec![Value::Json(Some(Box::new(
            serde_json::json!({"title": "a\tb"}),
        )))]);
        assert_eq!(
            copy_text(&table).ok().as_deref(),
            Some("{\"title\":\"a\\\\tb\"}\n")
        );
    }

    #[test]
    fn unsupported_values_are_refused() {
        let mut table = Table::new("t", &["x"]);
        table.push(vec![Value::Bool(Some(true))]);
        assert!(copy_text(&table).is_err());
    }
}
