//! The page: one HTML file, its script and its style, built into relsync (nothing is fetched
//! from elsewhere). The script builds every element from data with `textContent`, so text from
//! a sheet is never markup.

pub const INDEX: &str = include_str!("page/index.html");
pub const SCRIPT: &str = include_str!("page/page.js");
pub const STYLE: &str = include_str!("page/page.css");
pub const ICON: &str = include_str!("page/favicon.svg");
