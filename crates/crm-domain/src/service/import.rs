//! The contact import use case: in-file duplicates are refused here, the rest goes to the
//! store in batches of [`IMPORT_BATCH`] rows, one transaction each.

use std::collections::HashMap;

use uuid::Uuid;

use super::Services;
use crate::error::Result;
use crate::import::{IMPORT_BATCH, ImportOptions, ImportReport, ImportRow, RowError};
use crate::user::Tenant;

impl Services {
    /// Imports validated rows: creates new contacts, skips or updates existing ones (matched by
    /// id, else by e-mail), and reports every refused row with its line. A row repeating the
    /// e-mail or id of an earlier row of the same file is refused. On a dry run every batch is
    /// rolled back, so the report is a preview.
    ///
    /// # Errors
    /// `Unexpected` on storage failure; the batches before it stay written.
    pub async fn import_contacts(
        &self,
        tenant: Tenant,
        rows: Vec<ImportRow>,
        options: ImportOptions,
    ) -> Result<ImportReport> {
        let (rows, mut report) = refuse_repeats(rows);
        let mut rows = rows.into_iter().peekable();
        while rows.peek().is_some() {
            let batch: Vec<ImportRow> = rows.by_ref().take(IMPORT_BATCH).collect();
            let done = self
                .repos
                .contacts
                .import_batch(tenant, batch, options)
                .await?;
            report.absorb(done);
        }
        report.sort_errors();
        Ok(report)
    }
}

/// Splits off the rows whose e-mail or id an earlier row of the file already has.
fn refuse_repeats(rows: Vec<ImportRow>) -> (Vec<ImportRow>, ImportReport) {
    let mut report = ImportReport::default();
    let mut emails: HashMap<String, u64> = HashMap::new();
    let mut ids: HashMap<Uuid, u64> = HashMap::new();
    let mut kept = Vec::with_capacity(rows.len());
    for row in rows {
        if let Some(first) = row.match_id.and_then(|id| ids.get(&id)) {
            report.reject(RowError::new(
                row.line,
                "id",
                format!("repeats the id of line {first}"),
            ));
            continue;
        }
        if let Some(first) = row.email().and_then(|email| emails.get(email)) {
            report.reject(RowError::new(
                row.line,
                "email",
                format!("repeats the e-mail of line {first}"),
            ));
            continue;
        }
        if let Some(id) = row.match_id {
            ids.insert(id, row.line);
        }
        if let Some(email) = row.email() {
            emails.insert(email.to_owned(), row.line);
        }
        kept.push(row);
    }
    (kept, report)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::contact::{ContactInput, NewContact};

    fn row(line: u64, email: Option<&str>, id: Option<Uuid>) -> ImportRow {
        let contact = NewContact::new(&ContactInput {
            first_name: "Ada",
            last_name: "Lovelace",
            email,
            ..ContactInput::default()
        })
        .unwrap();
        ImportRow {
            line,
            contact,
            company: None,
            owner_email: None,
            match_id: id,
        }
    }

    #[test]
    fn rows_repeating_an_email_or_id_of_the_file_are_refused_with_the_first_line() {
        let id = Uuid::now_v7();
        let rows = vec![
            row(2, Some("a@x.io"), None),
            row(3, Some("A@X.io"), None),
            row(4, None, Some(id)),
            row(5, Some("b@x.io"), Some(id)),
            row(6, None, None),
            row(7, None, None),
        ];
        let (kept, report) = refuse_repeats(rows);
        let kept: Vec<u64> = kept.iter().map(|r| r.line).collect();
        assert_eq!(kept, [2, 4, 6, 7]);
        assert_eq!(report.failed, 2);
        assert_eq!(report.errors[0].line, 3);
        assert_eq!(
            report.errors[0].fields["email"],
            ["repeats the e-mail of line 2"]
        );
        assert_eq!(report.errors[1].fields["id"], ["repeats the id of line 4"]);
    }
}
