//! Implementations of the `crm-domain` repository traits on [`crate::Store`], one module per
//! aggregate, plus the model-to-domain conversions they share.

mod activities;
mod columns;
mod companies;
mod contact_import;
mod contacts;
mod deals;
mod spend;
mod stages;
mod tasks;
mod users;

use crm_domain::{DomainError, Money, Result};
use sea_orm::sea_query::{Expr, ExprTrait, Func, LikeExpr, SimpleExpr};

/// Parses a stored enum spelling; a value the CHECK constraints let through but the domain
/// does not know means the schema and code disagree.
pub(crate) fn parse_stored<T: std::str::FromStr>(value: &str, what: &str) -> Result<T> {
    value
        .parse()
        .map_err(|_| DomainError::Unexpected(format!("unknown stored {what}: {value}")))
}

/// Converts stored cents to money.
pub(crate) fn money(cents: Option<i64>) -> Result<Option<Money>> {
    cents
        .map(|c| {
            Money::from_cents(c)
                .map_err(|_| DomainError::Unexpected(format!("bad stored amount {c}")))
        })
        .transpose()
}

/// A case-insensitive "contains" pattern for `q`, with LIKE wildcards escaped.
pub(crate) fn contains_pattern(q: &str) -> LikeExpr {
    let escaped = q
        .trim()
        .to_lowercase()
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    LikeExpr::new(format!("%{escaped}%")).escape('\\')
}

/// `lower(column) LIKE pattern`, identical on both backends.
pub(crate) fn ilike(column: impl Into<SimpleExpr>, pattern: LikeExpr) -> SimpleExpr {
    Expr::expr(Func::lower(column.into())).like(pattern)
}

/// Normalises a search string: `None` when blank.
pub(crate) fn search_term(q: Option<&str>) -> Option<&str> {
    q.map(str::trim).filter(|q| !q.is_empty())
}
