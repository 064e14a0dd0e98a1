//! `relsync template init`: a template made from an export, to standard output or a file.

use std::io::Write;

use super::settings::InitCommand;
use crate::exit::Exit;
use crate::output::{Destination, Staged};

pub fn init(command: &InitCommand) -> anyhow::Result<Exit> {
    let authored = crate::authoring::init(&command.init)?;
    for note in &authored.notes {
        // Notes quote headers and names from the files.
        crate::errln!("relsync: {}", crate::value::for_terminal(note));
    }
    let mut staged = Staged::new(command.output.clone())?;
    staged.writer().write_all(authored.toml.as_bytes())?;
    staged.commit()?;
    if let Destination::File(path) = &command.output {
        crate::errln!(
            "relsync: wrote {}; check it, then: relsync check {} -t {}",
            path.display(),
            command.init.input.path.display(),
            path.display()
        );
    }
    Ok(Exit::Success)
}
