//! Bulk import of contacts (the CSV import): validated rows, what to do with duplicates, and
//! the report of what happened to each row.
//!
//! A row is validated with the same rules as a contact created one by one ([`NewContact`],
//! [`NewCompany`]); the HTTP layer turns CSV lines into [`ImportRow`]s and reports the lines
//! that fail there. [`crate::Services::import_contacts`] refuses rows that repeat an e-mail or
//! id of an earlier row of the same file and hands the rest to the store in batches, each
//! batch in one transaction: a row is written whole or not at all.

use uuid::Uuid;

use crate::company::NewCompany;
use crate::contact::NewContact;
use crate::error::FieldErrors;

crate::string_enum! {
    /// What an import does with a row whose contact exists (same id, else same e-mail).
    OnDuplicate, "on_duplicate" {
        Skip => "skip",
        Update => "update",
    }
}

impl Default for OnDuplicate {
    /// Existing contacts are left alone unless asked.
    fn default() -> Self {
        Self::Skip
    }
}

/// Rows per batch (and per transaction) of an import: large enough for few round trips, small
/// enough that a multi-row insert (17 values a row) stays under SQLite's limit of 32,766
/// bound parameters.
pub const IMPORT_BATCH: usize = 1000;

/// The optional contact columns a file has; an update only writes the columns the file has
/// (an empty cell of a present column clears the field).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportColumns {
    /// `email`.
    pub email: bool,
    /// `phone`.
    pub phone: bool,
    /// `title`.
    pub title: bool,
    /// `company` (by name, got or created).
    pub company: bool,
    /// `lead_source`.
    pub lead_source: bool,
    /// `lead_status`.
    pub lead_status: bool,
    /// `owner` (a colleague's e-mail).
    pub owner: bool,
    /// `avatar_url`.
    pub avatar_url: bool,
    /// `linkedin_url`.
    pub linkedin_url: bool,
    /// `notes`.
    pub notes: bool,
}

/// How to run an import.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportOptions {
    /// Skip or update existing contacts.
    pub on_duplicate: OnDuplicate,
    /// Validate and count everything, then roll back: nothing is written.
    pub dry_run: bool,
    /// The columns the file has.
    pub columns: ImportColumns,
}

/// One validated line of an import file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportRow {
    /// Line of the file where the record starts (1 is the header).
    pub line: u64,
    /// The contact (its `id` is used when the row creates one).
    pub contact: NewContact,
    /// The company to get or create by name.
    pub company: Option<NewCompany>,
    /// The owner's normalised e-mail; the importing user when `None` on a new contact.
    pub owner_email: Option<String>,
    /// The id of an existing contact of the caller to match (the export's `id` column).
    pub match_id: Option<Uuid>,
}

impl ImportRow {
    /// The e-mail, if any.
    pub fn email(&self) -> Option<&str> {
        self.contact.email.as_deref()
    }
}

/// Why one line was not imported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    /// Line of the file.
    pub line: u64,
    /// Column (field) to problems, like a 422's `details.fields`.
    pub fields: FieldErrors,
}

impl RowError {
    /// An error on one column.
    pub fn new(line: u64, field: &str, message: impl Into<String>) -> Self {
        let mut fields = FieldErrors::new();
        fields.insert(field.to_owned(), vec![message.into()]);
        Self { line, fields }
    }
}

/// What an import (or one batch of it) did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportReport {
    /// Contacts added.
    pub created: u64,
    /// Existing contacts changed.
    pub updated: u64,
    /// Rows matching an existing contact that were left alone (`skip`, or nothing to change).
    pub skipped: u64,
    /// Rows refused; `errors` says why.
    pub failed: u64,
    /// The refused rows, by line.
    pub errors: Vec<RowError>,
}

impl ImportReport {
    /// Records a refused row.
    pub fn reject(&mut self, error: RowError) {
        self.failed += 1;
        self.errors.push(error);
    }

    /// Adds the counts and errors of `other`.
    pub fn absorb(&mut self, other: ImportReport) {
        self.created += other.created;
        self.updated += other.updated;
        self.skipped += other.skipped;
        self.failed += other.failed;
        self.errors.extend(other.errors);
    }

    /// Orders the errors by line.
    pub fn sort_errors(&mut self) {
        self.errors.sort_by_key(|e| e.line);
    }
}
