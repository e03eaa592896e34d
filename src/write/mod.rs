//! Report data → xlsx / JSON.

pub mod json;
pub mod report;
pub mod sheet;
pub mod template;
pub mod xlsx;
