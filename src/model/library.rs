//! An indicator library (指标库): the 绩效指标 a kind of project usually has,
//! used to draft targets for a project that has none. The bundled ones are
//! in `templates/indicators/`; a county may keep its own folder.

use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
pub struct LibraryEntry {
    pub level1: String,
    pub level2: String,
    pub name: String,
    pub target: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Library {
    pub name: String,
    pub keywords: Vec<String>,
    #[serde(rename = "indicator")]
    pub indicators: Vec<LibraryEntry>,
}
