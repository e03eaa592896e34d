//! Report data → xlsx / JSON.

pub mod assets;
pub mod county;
pub mod county_levels;
pub mod docx;
pub mod forms;
pub mod json;
pub mod monitor;
pub mod monthly;
pub mod notice;
pub mod reading;
pub mod report;
pub mod sheet;
pub mod template;
pub mod xlsx;
