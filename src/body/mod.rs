//! Writing bodies, element by element: the JSON and XML of Relatics' synchronizing interface
//! ([`BodyWriter`]), and Relatics' Excel sync format for uploading by hand ([`XlsxBody`]).
//! Both are [`Encoder`]s, which is all the pipeline knows of them. [`read`] reads a JSON or XML
//! body back, element by element.

mod encoder;
mod format;
pub mod read;
mod text;
mod xlsx;

pub use encoder::Encoder;
pub use format::BodyFormat;
pub use text::{BodyWriter, json_string, xml_escape};
pub use xlsx::XlsxBody;
