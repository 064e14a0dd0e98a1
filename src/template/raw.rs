//! The template as TOML holds it: serde types that reject unknown keys, with the spans
//! that let errors name their line. `resolve` turns these into the checked types.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

use super::{Cardinality, EmptyPolicy, Ownership, Ragged};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub(super) enum RawPropertyType {
    Text,
    SingleLineText,
    Number,
    Date,
    List,
    Url,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawTemplate {
    pub(super) target: RawTarget,
    #[serde(default)]
    pub(super) source: RawSource,
    pub(super) external_id: RawExternalId,
    #[serde(default)]
    pub(super) property: Vec<Spanned<RawProperty>>,
    #[serde(default)]
    pub(super) relation: Vec<Spanned<RawRelation>>,
    #[serde(default)]
    pub(super) ignore: RawIgnore,
    #[serde(default)]
    pub(super) limits: RawLimits,
}

/// A size: bytes as a number, or text such as `"8 GiB"` or `"500 MB"`.
#[derive(Clone, Debug, Deserialize)]
#[serde(untagged)]
pub(super) enum RawSize {
    Bytes(i64),
    Text(String),
}

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawLimits {
    pub(super) max_part_size: Option<Spanned<RawSize>>,
    pub(super) max_shared_strings: Option<Spanned<RawSize>>,
    pub(super) max_columns: Option<Spanned<i64>>,
    pub(super) max_rows: Option<Spanned<i64>>,
    pub(super) max_cells: Option<Spanned<i64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawTarget {
    #[serde(rename = "type")]
    pub(super) type_name: Spanned<String>,
    pub(super) plural: Spanned<String>,
    pub(super) type_key: Option<Spanned<String>>,
    pub(super) plural_key: Option<Spanned<String>>,
    pub(super) endpoint: Option<Spanned<String>>,
    pub(super) token_url: Option<Spanned<String>>,
}

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSource {
    pub(super) sheet: Option<String>,
    pub(super) header_row: Option<Spanned<i64>>,
    pub(super) delimiter: Option<Spanned<String>>,
    pub(super) encoding: Option<Spanned<String>>,
    pub(super) decimal_comma: Option<bool>,
    pub(super) date_formats: Option<Vec<Spanned<String>>>,
    pub(super) empty: Option<EmptyPolicy>,
    pub(super) ragged: Option<Ragged>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawExternalId {
    pub(super) column: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawProperty {
    pub(super) name: Spanned<String>,
    pub(super) column: Spanned<String>,
    #[serde(rename = "type")]
    pub(super) property_type: RawPropertyType,
    #[serde(default)]
    pub(super) required: bool,
    pub(super) values: Option<Spanned<Vec<String>>>,
    pub(super) ownership: Option<Ownership>,
    pub(super) key: Option<Spanned<String>>,
    pub(super) empty: Option<EmptyPolicy>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawRelation {
    pub(super) role: Spanned<String>,
    pub(super) column: Spanned<String>,
    pub(super) target: Option<Spanned<String>>,
    pub(super) target_key: Option<Spanned<String>>,
    pub(super) targets: Option<Spanned<BTreeMap<String, String>>>,
    pub(super) cardinality: Option<Cardinality>,
    pub(super) separator: Option<Spanned<String>>,
    pub(super) lookup: Option<Spanned<String>>,
    pub(super) lookup_id: Option<Spanned<String>>,
    pub(super) lookup_name: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) required: bool,
    pub(super) ownership: Option<Ownership>,
    pub(super) key: Option<Spanned<String>>,
    pub(super) empty: Option<EmptyPolicy>,
}

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawIgnore {
    #[serde(default)]
    pub(super) columns: Vec<Spanned<String>>,
    #[serde(default)]
    pub(super) others: bool,
}
