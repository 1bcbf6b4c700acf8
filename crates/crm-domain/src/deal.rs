//! Deals: cards on a user's Kanban board, their moves between stages and their history.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use uuid::Uuid;

use crate::activity::Activity;
use crate::calendar;
use crate::company::{Company, CompanySummary};
use crate::contact::ContactSummary;
use crate::error::{DomainError, Result, Validator};
use crate::money::Money;
use crate::page::PageRequest;
use crate::stage::{PipelineStage, StageKind, StageRef};
use crate::text;
use crate::user::UserSummary;

crate::string_enum! {
    /// How urgent a deal (or a task) is.
    Priority, "priority" {
        Low => "low",
        Medium => "medium",
        High => "high",
        Urgent => "urgent",
    }
}

impl Default for Priority {
    /// Deals start at medium priority.
    fn default() -> Self {
        Self::Medium
    }
}

/// How far along a deal is, in percent: 0..=100.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize)]
pub struct Progress(u8);

impl Progress {
    /// Checks the range.
    ///
    /// # Errors
    /// [`DomainError::Validation`] on `progress` outside 0..=100.
    pub fn new(value: i64) -> Result<Self> {
        u8::try_from(value)
            .ok()
            .filter(|p| *p <= 100)
            .map(Self)
            .ok_or_else(|| DomainError::field("progress", "must be between 0 and 100"))
    }

    /// The percentage.
    pub fn get(self) -> u8 {
        self.0
    }
}

/// A deal with the relations every view shows (stage name, company, contact, collaborators).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Deal {
    /// Id.
    pub id: Uuid,
    /// Owning user (tenant).
    pub user_id: Uuid,
    /// Title.
    pub name: String,
    /// Long description.
    pub description: Option<String>,
    /// Budget.
    pub amount: Option<Money>,
    /// Current stage id.
    pub stage_id: Uuid,
    /// Current stage name.
    pub stage: String,
    /// Current stage kind.
    pub stage_kind: StageKind,
    /// Position in its column, 0-based and gap-free.
    pub stage_order: u32,
    /// Priority.
    pub priority: Priority,
    /// Progress in percent.
    pub progress: Progress,
    /// Expected or actual closing date.
    pub close_date: Option<NaiveDate>,
    /// When the deal was created.
    pub create_date: DateTime<Utc>,
    /// Last change of any field or stage.
    pub last_update: DateTime<Utc>,
    /// The colleague assigned.
    pub owner_id: Option<Uuid>,
    /// Who created it.
    pub created_by: Uuid,
    /// Contact id.
    pub contact_id: Option<Uuid>,
    /// Company id.
    pub company_id: Option<Uuid>,
    /// Company, if any.
    pub company: Option<CompanySummary>,
    /// Contact, if any.
    pub contact: Option<ContactSummary>,
    /// Collaborators listed by the owner.
    pub collaborators: Vec<UserSummary>,
}

/// The fields of a deal form, as received.
#[derive(Debug, Clone, Default)]
pub struct DealInput {
    /// Title (required).
    pub name: String,
    /// Description.
    pub description: Option<String>,
    /// Target stage (required).
    pub stage: Option<StageRef>,
    /// Budget.
    pub amount: Option<Money>,
    /// Priority; medium when absent.
    pub priority: Option<Priority>,
    /// Progress in percent; 0 when absent.
    pub progress: Option<i64>,
    /// Closing date.
    pub close_date: Option<NaiveDate>,
    /// Owner; the caller when absent.
    pub owner_id: Option<Uuid>,
    /// Contact (must be the caller's).
    pub contact_id: Option<Uuid>,
    /// Company.
    pub company_id: Option<Uuid>,
    /// Collaborators.
    pub collaborator_ids: Vec<Uuid>,
}

/// A validated deal to insert, its stage resolved among the caller's own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDeal {
    /// Id chosen by the application.
    pub id: Uuid,
    /// Title.
    pub name: String,
    /// Description.
    pub description: Option<String>,
    /// Budget.
    pub amount: Option<Money>,
    /// Stage (one of the caller's).
    pub stage_id: Uuid,
    /// Priority.
    pub priority: Priority,
    /// Progress.
    pub progress: Progress,
    /// Closing date.
    pub close_date: Option<NaiveDate>,
    /// Owner.
    pub owner_id: Option<Uuid>,
    /// Contact.
    pub contact_id: Option<Uuid>,
    /// Company.
    pub company_id: Option<Uuid>,
    /// Collaborators (deduplicated).
    pub collaborator_ids: Vec<Uuid>,
}

impl NewDeal {
    /// Validates `input` against the caller's `stages`.
    ///
    /// # Errors
    /// [`DomainError::Validation`] with every field problem.
    pub fn new(input: DealInput, stages: &[PipelineStage]) -> Result<Self> {
        let mut v = Validator::new();
        let name = v.check("name", text::required(&input.name, text::NAME_MAX));
        let description = v.check(
            "description",
            text::optional(input.description.as_deref(), text::LONG_TEXT_MAX),
        );
        let stage = match &input.stage {
            Some(stage) => v.check("stage", stage.resolve(stages).map(|s| s.id)),
            None => {
                v.push("stage", "is required");
                None
            }
        };
        let progress = v.check("progress", Progress::new(input.progress.unwrap_or(0)));
        if let Some(close_date) = input.close_date {
            v.check("close_date", calendar::day(close_date));
        }
        v.finish()?;
        let mut collaborator_ids = input.collaborator_ids;
        collaborator_ids.sort_unstable();
        collaborator_ids.dedup();
        Ok(Self {
            id: Uuid::now_v7(),
            name: name.unwrap_or_default(),
            description: description.flatten(),
            amount: input.amount,
            stage_id: stage.unwrap_or_default(),
            priority: input.priority.unwrap_or_default(),
            progress: progress.unwrap_or_default(),
            close_date: input.close_date,
            owner_id: input.owner_id,
            contact_id: input.contact_id,
            company_id: input.company_id,
            collaborator_ids,
        })
    }
}

/// A move of a card: to a stage the user owns, at a requested position.
///
/// It can only be built from one of the caller's [`PipelineStage`]s, so a move never names a
/// stage of another user or one that does not exist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DealMove {
    stage_id: Uuid,
    stage_name: String,
    stage_kind: StageKind,
    position: Option<u32>,
}

impl DealMove {
    /// A move into `stage`, at `position` (end of the column when `None`).
    pub fn to(stage: &PipelineStage, position: Option<u32>) -> Self {
        Self {
            stage_id: stage.id,
            stage_name: stage.name.clone(),
            stage_kind: stage.kind,
            position,
        }
    }

    /// Target stage id.
    pub fn stage_id(&self) -> Uuid {
        self.stage_id
    }

    /// Target stage name (recorded in the history).
    pub fn stage_name(&self) -> &str {
        &self.stage_name
    }

    /// Target stage kind (recorded in the history).
    pub fn stage_kind(&self) -> StageKind {
        self.stage_kind
    }

    /// The requested position, before clamping.
    pub fn requested_position(&self) -> Option<u32> {
        self.position
    }

    /// Where the card lands in a target column that holds `others` other cards:
    /// the requested position clamped to `0..=others`, or the end.
    pub fn landing_position(&self, others: u32) -> u32 {
        self.position.map_or(others, |p| p.min(others))
    }
}

/// Reorders a column in memory as a move does in the store: takes `card` out of `column`
/// (if present) and inserts it at `position` clamped to the column's length. The index of each
/// element is its new `stage_order`, so positions are always exactly `0..n-1`.
pub fn resequence<T: PartialEq>(column: &mut Vec<T>, card: T, position: u32) {
    column.retain(|c| *c != card);
    let index = (position as usize).min(column.len());
    column.insert(index, card);
}

/// A partial, validated edit of a deal's fields (moves are separate: [`DealMove`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DealPatch {
    /// Title.
    pub name: Option<String>,
    /// Description.
    pub description: Option<Option<String>>,
    /// Budget.
    pub amount: Option<Option<Money>>,
    /// Priority.
    pub priority: Option<Priority>,
    /// Progress.
    pub progress: Option<Progress>,
    /// Closing date.
    pub close_date: Option<Option<NaiveDate>>,
    /// Owner.
    pub owner_id: Option<Option<Uuid>>,
    /// Contact (must be the caller's).
    pub contact_id: Option<Option<Uuid>>,
    /// Company.
    pub company_id: Option<Option<Uuid>>,
}

impl DealPatch {
    /// Whether nothing is to change.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

/// One entry of a deal's stage history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StageChange {
    /// Id.
    pub id: Uuid,
    /// The deal.
    pub deal_id: Uuid,
    /// Previous stage id (`None` on creation).
    pub from_stage_id: Option<Uuid>,
    /// New stage id.
    pub to_stage_id: Uuid,
    /// Previous stage name at the time.
    pub from_stage: Option<String>,
    /// New stage name at the time.
    pub to_stage: String,
    /// New stage kind at the time.
    pub to_kind: StageKind,
    /// Who moved it.
    pub changed_by: Option<Uuid>,
    /// When.
    pub changed_at: DateTime<Utc>,
}

/// Everything the deal page shows, read in one transaction.
#[derive(Debug, Clone, PartialEq)]
pub struct DealDetail {
    /// The deal, with its contact, company summary and collaborators.
    pub deal: Deal,
    /// Its company, if any.
    pub company: Option<Company>,
    /// The tenant's other deals with that company (at most 200 of the newest are looked at).
    pub company_deals: Vec<Deal>,
    /// Its stage history, oldest first.
    pub stage_history: Vec<StageChange>,
    /// Its latest activities (one default page), newest first.
    pub activities: Vec<Activity>,
    /// The tenant's pipeline, in order.
    pub stages: Vec<PipelineStage>,
}

/// Filters of the board.
#[derive(Debug, Clone, Default)]
pub struct BoardQuery {
    /// Case-insensitive search in deal, company and contact names.
    pub q: Option<String>,
    /// Only this priority.
    pub priority: Option<Priority>,
    /// Only this owner.
    pub owner_id: Option<Uuid>,
}

/// Default and largest number of cards per column on the board.
pub const PER_STAGE_DEFAULT: u32 = 100;
/// Largest `per_stage`.
pub const PER_STAGE_MAX: u32 = 500;

/// One column of the board: the stage, whole-column figures and the first page of cards.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BoardColumn {
    /// The stage.
    pub stage: PipelineStage,
    /// Number of (matching) deals in the whole column.
    pub count: u64,
    /// Sum of their amounts in cents (may exceed one amount's maximum).
    pub total_amount_cents: i128,
    /// The first cards, by `stage_order`.
    pub deals: Vec<Deal>,
    /// Cursor for the next cards of this column.
    pub next_cursor: Option<String>,
}

/// Paging within one column.
#[derive(Debug, Clone, Copy)]
pub struct ColumnPage {
    /// The column.
    pub stage_id: Uuid,
    /// Which cards.
    pub page: PageRequest,
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::stage::Probability;

    fn stages() -> Vec<PipelineStage> {
        ["Contact", "SQL", "Won"]
            .iter()
            .zip(0u32..)
            .map(|(name, position)| PipelineStage {
                id: Uuid::now_v7(),
                name: (*name).into(),
                position,
                kind: if *name == "Won" {
                    StageKind::Won
                } else {
                    StageKind::Open
                },
                probability: Probability::new(10).unwrap(),
                created_at: Utc::now(),
            })
            .collect()
    }

    #[test]
    fn progress_holds_only_percentages() {
        assert_eq!(Progress::new(100).unwrap().get(), 100);
        assert!(Progress::new(101).is_err());
        assert!(Progress::new(-5).is_err());
    }

    #[test]
    fn a_new_deal_needs_a_name_and_one_of_the_users_stages() {
        let stages = stages();
        let input = DealInput {
            name: "Big one".into(),
            stage: Some(StageRef::Name("SQL".into())),
            collaborator_ids: vec![Uuid::nil(), Uuid::nil()],
            ..DealInput::default()
        };
        let deal = NewDeal::new(input, &stages).unwrap();
        assert_eq!(deal.stage_id, stages[1].id);
        assert_eq!(deal.priority, Priority::Medium);
        assert_eq!(deal.collaborator_ids.len(), 1);

        let input = DealInput {
            name: String::new(),
            stage: Some(StageRef::Id(Uuid::now_v7())),
            progress: Some(150),
            ..DealInput::default()
        };
        let Err(DomainError::Validation(fields)) = NewDeal::new(input, &stages) else {
            panic!("accepted")
        };
        assert_eq!(
            fields.keys().collect::<Vec<_>>(),
            ["name", "progress", "stage"]
        );
    }

    #[test]
    fn a_close_date_must_be_a_day_the_crm_stores() {
        let stages = stages();
        let input = |close_date| DealInput {
            name: "Dated".into(),
            stage: Some(StageRef::Name("SQL".into())),
            close_date: NaiveDate::from_ymd_opt(close_date, 1, 1),
            ..DealInput::default()
        };
        assert!(NewDeal::new(input(1), &stages).is_ok());
        assert!(NewDeal::new(input(9999), &stages).is_ok());
        for year in [0, 10_000] {
            let Err(DomainError::Validation(fields)) = NewDeal::new(input(year), &stages) else {
                panic!("year {year} accepted")
            };
            assert_eq!(fields["close_date"], [crate::calendar::OUT_OF_RANGE]);
        }
    }

    #[test]
    fn moves_land_at_the_clamped_position_or_the_end() {
        let stages = stages();
        assert_eq!(DealMove::to(&stages[0], Some(2)).landing_position(5), 2);
        assert_eq!(DealMove::to(&stages[0], Some(99)).landing_position(5), 5);
        assert_eq!(DealMove::to(&stages[0], None).landing_position(5), 5);
        assert_eq!(DealMove::to(&stages[0], Some(3)).landing_position(0), 0);
    }

    #[test]
    fn resequencing_keeps_positions_gap_free() {
        let mut column = vec!['a', 'b', 'c', 'd'];
        resequence(&mut column, 'a', 2);
        assert_eq!(column, ['b', 'c', 'a', 'd']);
        resequence(&mut column, 'd', 0);
        assert_eq!(column, ['d', 'b', 'c', 'a']);
        resequence(&mut column, 'x', 99);
        assert_eq!(column, ['d', 'b', 'c', 'a', 'x']);
    }
}
