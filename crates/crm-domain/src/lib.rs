//! The CRM's domain: entities, value types that carry the business rules, the repository
//! traits a store implements, and the use-case services built on them.
//!
//! This crate knows nothing of databases or HTTP. Its rules are types: a [`Progress`] cannot
//! hold 101, a [`Money`] cannot be negative, an [`ActivityMetadata`] cannot carry an unknown
//! key, and a [`DealMove`] can only be built for a stage the user owns.

pub mod activity;
pub mod calendar;
pub mod company;
pub mod contact;
pub mod deal;
pub mod error;
pub mod import;
pub mod money;
pub mod page;
pub mod repo;
pub mod service;
pub mod spend;
pub mod stage;
pub mod task;
pub mod text;
pub mod user;

pub use activity::{
    Activity, ActivityInput, ActivityMetadata, ActivityPatch, ActivityQuery, ActivityType,
    NewActivity, Sentiment,
};
pub use company::{Company, CompanyChoice, CompanyPatch, CompanySummary, NewCompany};
pub use contact::{
    Contact, ContactInput, ContactPatch, ContactQuery, ContactSort, ContactSummary,
    ContactWithCompany, LeadSource, LeadStatus, NewContact,
};
pub use deal::{
    BoardColumn, BoardQuery, ColumnPage, Deal, DealDetail, DealInput, DealMove, DealPatch, NewDeal,
    Priority, Progress, StageChange,
};
pub use error::{DomainError, FieldErrors, Result};
pub use import::{ImportColumns, ImportOptions, ImportReport, ImportRow, OnDuplicate, RowError};
pub use money::Money;
pub use page::{Cursor, Page, PageRequest};
pub use service::{Repositories, Services};
pub use spend::{MarketingSpend, NewMarketingSpend};
pub use stage::{NewStage, PipelineStage, Probability, StageKind, StagePatch, StageRef};
pub use task::{TaskQuery, TaskStatus};
pub use user::{NewUser, Tenant, User, UserCredentials, UserSummary};

/// Declares a closed set of snake_case strings as an enum with `as_str`, `FromStr`,
/// `Display`, serde and an `ALL` list, so every stored spelling is written once.
#[macro_export]
macro_rules! string_enum {
    ($(#[$meta:meta])* $name:ident, $field:literal { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        pub enum $name {
            $(
                #[doc = $text]
                #[serde(rename = $text)]
                $variant,
            )+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stored and wire spelling.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)+
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::DomainError;

            fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
                match s {
                    $($text => Ok($name::$variant),)+
                    _ => Err($crate::DomainError::field(
                        $field,
                        concat!("must be one of: ", $($text, " "),+).trim_end().to_owned(),
                    )),
                }
            }
        }
    };
}
