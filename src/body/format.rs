//! The body formats Relatics accepts, and what they are called and sent as.

/// The body formats Relatics accepts through the API.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BodyFormat {
    Json,
    Xml,
}

impl BodyFormat {
    /// The format a file name asks for, by extension.
    pub fn of_path(path: &std::path::Path) -> Option<BodyFormat> {
        match path.extension()?.to_str()?.to_ascii_lowercase().as_str() {
            "json" => Some(BodyFormat::Json),
            "xml" => Some(BodyFormat::Xml),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            BodyFormat::Json => "JSON",
            BodyFormat::Xml => "XML",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            BodyFormat::Json => "application/json; charset=utf-8",
            BodyFormat::Xml => "application/xml; charset=utf-8",
        }
    }
}
