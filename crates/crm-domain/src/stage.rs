//! Pipeline stages: each user's own Kanban columns, with a kind (open, won, lost) and a
//! default win probability.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::{DomainError, Result};
use crate::text;

/// What reaching a stage means for a deal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StageKind {
    /// Still being worked.
    Open,
    /// Closed and won.
    Won,
    /// Closed and lost.
    Lost,
}

impl StageKind {
    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Won => "won",
            Self::Lost => "lost",
        }
    }
}

impl fmt::Display for StageKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for StageKind {
    type Err = DomainError;

    fn from_str(s: &str) -> Result<Self> {
        match s {
            "open" => Ok(Self::Open),
            "won" => Ok(Self::Won),
            "lost" => Ok(Self::Lost),
            _ => Err(DomainError::field("kind", "must be one of open, won, lost")),
        }
    }
}

/// A win probability in percent, 0..=100.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Probability(u8);

impl Probability {
    /// Checks the range.
    ///
    /// # Errors
    /// [`DomainError::Validation`] outside 0..=100.
    pub fn new(value: i64) -> Result<Self> {
        u8::try_from(value)
            .ok()
            .filter(|p| *p <= 100)
            .map(Self)
            .ok_or_else(|| DomainError::field("probability", "must be between 0 and 100"))
    }

    /// The percentage.
    pub fn get(self) -> u8 {
        self.0
    }
}

/// A column of a user's pipeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PipelineStage {
    /// Id.
    pub id: Uuid,
    /// Name, unique per user.
    pub name: String,
    /// 0-based position in the pipeline.
    pub position: u32,
    /// Open, won or lost.
    pub kind: StageKind,
    /// Default win probability of a deal in this stage.
    pub probability: Probability,
    /// When it was created.
    pub created_at: DateTime<Utc>,
}

/// A stage named by id or by name, as the API accepts both.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StageRef {
    /// By id.
    Id(Uuid),
    /// By exact name.
    Name(String),
}

impl StageRef {
    /// Finds the stage among `stages` (the caller's own).
    ///
    /// # Errors
    /// [`DomainError::Validation`] on `stage` when no such stage exists for this user.
    pub fn resolve<'a>(&self, stages: &'a [PipelineStage]) -> Result<&'a PipelineStage> {
        let found = match self {
            Self::Id(id) => stages.iter().find(|s| s.id == *id),
            Self::Name(name) => stages.iter().find(|s| s.name == name.trim()),
        };
        found.ok_or_else(|| DomainError::field("stage", "no such stage in your pipeline"))
    }
}

/// A validated stage to insert.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewStage {
    /// Id chosen by the application.
    pub id: Uuid,
    /// Name.
    pub name: String,
    /// Where to insert it; later stages shift right.
    pub position: u32,
    /// Kind.
    pub kind: StageKind,
    /// Default probability.
    pub probability: Probability,
}

impl NewStage {
    /// Validates a stage name and builds the stage.
    ///
    /// # Errors
    /// [`DomainError::Validation`] on `name`.
    pub fn new(
        name: &str,
        position: u32,
        kind: StageKind,
        probability: Probability,
    ) -> Result<Self> {
        let name = stage_name(name)?;
        Ok(Self {
            id: Uuid::now_v7(),
            name,
            position,
            kind,
            probability,
        })
    }
}

/// Validates a stage name.
///
/// # Errors
/// [`DomainError::Validation`] on `name` when empty or too long.
pub fn stage_name(name: &str) -> Result<String> {
    text::required(name, text::NAME_MAX)
        .map_err(|_| DomainError::field("name", "must be 1 to 200 characters"))
}

/// A partial edit of a stage.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StagePatch {
    /// New (validated) name.
    pub name: Option<String>,
    /// New position; others shift.
    pub position: Option<u32>,
    /// New default probability.
    pub probability: Option<Probability>,
}

/// The stages every new user starts with: Contact, MQL, SQL, Opportunity, Won, Lost.
pub fn default_stages() -> Vec<NewStage> {
    const DEFAULTS: [(&str, StageKind, u8); 6] = [
        ("Contact", StageKind::Open, 10),
        ("MQL", StageKind::Open, 20),
        ("SQL", StageKind::Open, 40),
        ("Opportunity", StageKind::Open, 60),
        ("Won", StageKind::Won, 100),
        ("Lost", StageKind::Lost, 0),
    ];
    DEFAULTS
        .iter()
        .zip(0u32..)
        .map(|(&(name, kind, probability), position)| NewStage {
            id: Uuid::now_v7(),
            name: name.to_owned(),
            position,
            kind,
            probability: Probability(probability),
        })
        .collect()
}

/// Where a new stage goes when no position is given: before the first won or lost stage.
pub fn default_insert_position(stages: &[PipelineStage]) -> u32 {
    stages
        .iter()
        .filter(|s| s.kind != StageKind::Open)
        .map(|s| s.position)
        .min()
        .unwrap_or(stages.len() as u32)
}

/// Checks that removing `removed` keeps at least one won and one lost stage.
///
/// # Errors
/// [`DomainError::Conflict`] when `removed` is the last stage of its closing kind.
pub fn ensure_closing_stages_remain(
    stages: &[PipelineStage],
    removed: &PipelineStage,
) -> Result<()> {
    if removed.kind == StageKind::Open {
        return Ok(());
    }
    let others = stages
        .iter()
        .filter(|s| s.id != removed.id && s.kind == removed.kind)
        .count();
    if others == 0 {
        return Err(DomainError::conflict(
            "last_closing_stage",
            format!("a pipeline needs at least one {} stage", removed.kind),
        ));
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn stage(name: &str, position: u32, kind: StageKind) -> PipelineStage {
        PipelineStage {
            id: Uuid::now_v7(),
            name: name.into(),
            position,
            kind,
            probability: Probability(10),
            created_at: Utc::now(),
        }
    }

    #[test]
    fn new_users_get_the_six_default_stages_in_order() {
        let stages = default_stages();
        let names: Vec<_> = stages.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(
            names,
            ["Contact", "MQL", "SQL", "Opportunity", "Won", "Lost"]
        );
        let positions: Vec<_> = stages.iter().map(|s| s.position).collect();
        assert_eq!(positions, [0, 1, 2, 3, 4, 5]);
        assert_eq!(stages[4].kind, StageKind::Won);
        assert_eq!(stages[5].probability.get(), 0);
    }

    #[test]
    fn probability_is_a_percentage() {
        assert!(Probability::new(0).is_ok());
        assert!(Probability::new(100).is_ok());
        assert!(Probability::new(101).is_err());
        assert!(Probability::new(-1).is_err());
    }

    #[test]
    fn new_stages_go_before_the_first_closing_stage() {
        let stages = vec![
            stage("A", 0, StageKind::Open),
            stage("Won", 1, StageKind::Won),
            stage("Lost", 2, StageKind::Lost),
        ];
        assert_eq!(default_insert_position(&stages), 1);
        assert_eq!(default_insert_position(&stages[..1]), 1);
    }

    #[test]
    fn the_last_won_or_lost_stage_cannot_go() {
        let stages = vec![
            stage("A", 0, StageKind::Open),
            stage("Won", 1, StageKind::Won),
            stage("Lost", 2, StageKind::Lost),
            stage("Lost 2", 3, StageKind::Lost),
        ];
        assert!(ensure_closing_stages_remain(&stages, &stages[0]).is_ok());
        assert!(ensure_closing_stages_remain(&stages, &stages[1]).is_err());
        assert!(ensure_closing_stages_remain(&stages, &stages[2]).is_ok());
    }

    #[test]
    fn stages_resolve_by_id_or_name_only_among_the_callers_own() {
        let stages = vec![stage("SQL", 0, StageKind::Open)];
        assert!(StageRef::Name("SQL".into()).resolve(&stages).is_ok());
        assert!(StageRef::Id(stages[0].id).resolve(&stages).is_ok());
        assert!(StageRef::Name("sql".into()).resolve(&stages).is_err());
        assert!(StageRef::Id(Uuid::now_v7()).resolve(&stages).is_err());
    }
}
