//! View models shared by several pages: a deal card, an avatar, a stage stepper, select
//! options. They hold display-ready strings so templates stay free of formatting logic.

use chrono::Utc;
use crm_domain::{
    ContactWithCompany, Deal, LeadSource, LeadStatus, PipelineStage, Priority, StageKind, User,
};
use uuid::Uuid;

use crate::format;

/// A person or company badge: image when there is a URL, initials otherwise (and as the
/// fallback when the image fails to load).
#[derive(Debug, Clone)]
pub struct AvatarView {
    /// Full name, for the accessible label.
    pub name: String,
    /// Initials.
    pub initials: String,
    /// Image URL.
    pub url: Option<String>,
}

impl AvatarView {
    /// A badge for `name`.
    pub fn new(name: &str, url: Option<&str>) -> Self {
        Self {
            name: name.to_owned(),
            initials: format::initials(name),
            url: url
                .filter(|u| u.starts_with("https://") || u.starts_with("http://"))
                .map(str::to_owned),
        }
    }
}

/// A contact as a card shows it.
#[derive(Debug, Clone)]
pub struct CardContact {
    /// Id.
    pub id: Uuid,
    /// Full name.
    pub name: String,
    /// E-mail.
    pub email: Option<String>,
    /// Phone.
    pub phone: Option<String>,
}

/// A deal as a Kanban card (collapsed and expanded parts) or a list row.
#[derive(Debug, Clone)]
pub struct CardView {
    /// Id.
    pub id: Uuid,
    /// Title.
    pub name: String,
    /// Company name.
    pub company_name: Option<String>,
    /// Company badge.
    pub logo: AvatarView,
    /// Budget, formatted.
    pub amount: String,
    /// First five collaborators.
    pub collaborators: Vec<AvatarView>,
    /// How many more.
    pub more_collaborators: usize,
    /// Every collaborator's name.
    pub collaborator_names: String,
    /// Closing date, formatted.
    pub close_date: Option<String>,
    /// Whether the closing date has passed on an open deal.
    pub overdue: bool,
    /// Progress percent.
    pub progress: u8,
    /// `low` … `urgent`.
    pub priority: &'static str,
    /// `Low` … `Urgent`.
    pub priority_label: String,
    /// Stage name.
    pub stage: String,
    /// Stage id.
    pub stage_id: Uuid,
    /// Stage kind: `open`, `won`, `lost`.
    pub kind: &'static str,
    /// Position in the column.
    pub stage_order: u32,
    /// Last change, formatted.
    pub last_update: String,
    /// Contact.
    pub contact: Option<CardContact>,
}

impl From<&Deal> for CardView {
    fn from(deal: &Deal) -> Self {
        let company_name = deal.company.as_ref().map(|c| c.name.clone());
        let logo = match &deal.company {
            Some(c) => AvatarView::new(&c.name, c.logo_url.as_deref()),
            None => AvatarView::new(&deal.name, None),
        };
        let collaborators: Vec<AvatarView> = deal
            .collaborators
            .iter()
            .map(|u| AvatarView::new(&u.display_name, u.avatar_url.as_deref()))
            .collect();
        let collaborator_names = collaborators
            .iter()
            .map(|a| a.name.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        let more = collaborators.len().saturating_sub(5);
        let today = Utc::now().date_naive();
        Self {
            id: deal.id,
            name: deal.name.clone(),
            company_name,
            logo,
            amount: format::money(deal.amount),
            collaborators: collaborators.into_iter().take(5).collect(),
            more_collaborators: more,
            collaborator_names,
            close_date: deal.close_date.map(format::date),
            overdue: deal.stage_kind == StageKind::Open
                && deal.close_date.is_some_and(|d| d < today),
            progress: deal.progress.get(),
            priority: deal.priority.as_str(),
            priority_label: format::label(deal.priority.as_str()),
            stage: deal.stage.clone(),
            stage_id: deal.stage_id,
            kind: deal.stage_kind.as_str(),
            stage_order: deal.stage_order,
            last_update: format::datetime(deal.last_update),
            contact: deal.contact.as_ref().map(|c| CardContact {
                id: c.id,
                name: format!("{} {}", c.first_name, c.last_name),
                email: c.email.clone(),
                phone: c.phone.clone(),
            }),
        }
    }
}

/// A value and its label, for a `<select>`.
#[derive(Debug, Clone)]
pub struct Choice {
    /// Submitted value.
    pub value: String,
    /// Shown text.
    pub label: String,
}

impl Choice {
    /// A choice.
    pub fn new(value: impl Into<String>, label: impl Into<String>) -> Self {
        Self {
            value: value.into(),
            label: label.into(),
        }
    }
}

/// The stages as choices (value: id).
pub fn stage_choices(stages: &[PipelineStage]) -> Vec<Choice> {
    stages
        .iter()
        .map(|s| Choice::new(s.id.to_string(), s.name.clone()))
        .collect()
}

/// The users as choices (value: id).
pub fn user_choices(users: &[User]) -> Vec<Choice> {
    users
        .iter()
        .map(|u| Choice::new(u.id.to_string(), u.display_name.clone()))
        .collect()
}

/// The priorities as choices.
pub fn priority_choices() -> Vec<Choice> {
    Priority::ALL
        .iter()
        .map(|p| Choice::new(p.as_str(), format::label(p.as_str())))
        .collect()
}

/// The lead sources as choices.
pub fn lead_source_choices() -> Vec<Choice> {
    LeadSource::ALL
        .iter()
        .map(|p| Choice::new(p.as_str(), format::label(p.as_str())))
        .collect()
}

/// The lead statuses as choices.
pub fn lead_status_choices() -> Vec<Choice> {
    LeadStatus::ALL
        .iter()
        .map(|p| Choice::new(p.as_str(), format::label(p.as_str())))
        .collect()
}

/// One step of a pipeline stepper.
#[derive(Debug, Clone)]
pub struct Step {
    /// Stage id.
    pub id: Uuid,
    /// Stage name.
    pub name: String,
    /// `done`, `current` or `todo`.
    pub state: &'static str,
    /// Stage kind.
    pub kind: &'static str,
}

/// The stepper of a deal in `stages`: the open stages and the first won stage (plus the
/// deal's own stage when it is a later won or a lost one; a lost deal shows no won stage),
/// done before the current one.
pub fn stepper(stages: &[PipelineStage], current: Uuid) -> Vec<Step> {
    let current_kind = stages.iter().find(|s| s.id == current).map(|s| s.kind);
    let first_won = stages
        .iter()
        .find(|s| s.kind == StageKind::Won)
        .map(|s| s.id);
    // A lost deal never passed a won stage: show the open stages and where it was lost.
    let shown: Vec<&PipelineStage> = stages
        .iter()
        .filter(|s| {
            s.kind == StageKind::Open
                || s.id == current
                || (Some(s.id) == first_won && current_kind != Some(StageKind::Lost))
        })
        .collect();
    let index = shown.iter().position(|s| s.id == current);
    shown
        .iter()
        .enumerate()
        .map(|(i, s)| Step {
            id: s.id,
            name: s.name.clone(),
            state: match index {
                Some(c) if i < c => "done",
                Some(c) if i == c => "current",
                _ => "todo",
            },
            kind: s.kind.as_str(),
        })
        .collect()
}

/// Full name of a contact.
pub fn contact_name(contact: &ContactWithCompany) -> String {
    format!(
        "{} {}",
        contact.contact.first_name, contact.contact.last_name
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use chrono::Utc;
    use crm_domain::Probability;

    use super::*;

    fn stage(name: &str, position: u32, kind: StageKind) -> PipelineStage {
        PipelineStage {
            id: Uuid::now_v7(),
            name: name.into(),
            position,
            kind,
            probability: Probability::new(10).unwrap(),
            created_at: Utc::now(),
        }
    }

    #[test]
    fn steppers_mark_done_current_and_remaining_and_skip_won_for_lost_deals() {
        let stages = vec![
            stage("Contact", 0, StageKind::Open),
            stage("SQL", 1, StageKind::Open),
            stage("Won", 2, StageKind::Won),
            stage("Lost", 3, StageKind::Lost),
        ];
        let open: Vec<_> = stepper(&stages, stages[1].id)
            .iter()
            .map(|s| (s.name.clone(), s.state))
            .collect();
        assert_eq!(
            open,
            [
                ("Contact".to_owned(), "done"),
                ("SQL".to_owned(), "current"),
                ("Won".to_owned(), "todo")
            ]
        );
        let lost: Vec<_> = stepper(&stages, stages[3].id)
            .iter()
            .map(|s| (s.name.clone(), s.state))
            .collect();
        assert_eq!(
            lost,
            [
                ("Contact".to_owned(), "done"),
                ("SQL".to_owned(), "done"),
                ("Lost".to_owned(), "current")
            ]
        );
    }
}
