//! The project file as TOML holds it: serde types that reject unknown keys, with the spans
//! that let errors name their line. `super::load` turns these into the checked [`super::Project`].

use serde::Deserialize;
use toml::Spanned;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawProject {
    #[serde(default)]
    pub(super) workspace: RawWorkspace,
    #[serde(default)]
    pub(super) interface: Vec<Spanned<RawInterface>>,
}

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawWorkspace {
    pub(super) url: Option<Spanned<String>>,
    pub(super) token_url: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawInterface {
    pub(super) name: Spanned<String>,
    pub(super) input: Spanned<String>,
    pub(super) template: Spanned<String>,
    pub(super) endpoint: Option<Spanned<String>>,
    pub(super) ids: Option<Spanned<String>>,
    pub(super) name_property: Option<Spanned<String>>,
    pub(super) sheet: Option<Spanned<String>>,
}
