//! One module per widget of `analytics.md`: each owns its statements (so `EXPLAIN` can be run
//! on exactly what is executed) and the arithmetic that turns their rows into the answer.

pub(crate) mod acquisition;
pub(crate) mod active;
pub(crate) mod deal;
pub(crate) mod feedback;
pub(crate) mod funnel;
pub(crate) mod kpis;
pub(crate) mod lead_sources;
pub(crate) mod lifetime;
pub(crate) mod revenue;
