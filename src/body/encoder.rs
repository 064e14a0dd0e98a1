//! What the pipeline writes elements into: a body in one of the formats.

use std::io;

use crate::mapper::Element;

/// Takes checked elements one at a time and writes them in some format.
pub trait Encoder {
    /// Starts the body.
    fn begin(&mut self) -> io::Result<()>;
    fn element(&mut self, element: &Element) -> io::Result<()>;
    /// Completes the body.
    fn finish(&mut self) -> io::Result<()>;
    /// Throws away everything written, to start again (the reader starts over).
    fn rewind(&mut self) -> io::Result<()>;
    /// Elements written so far.
    fn count(&self) -> u64;
}
