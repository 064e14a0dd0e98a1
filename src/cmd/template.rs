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
    match (&command.output, &authored.interface) {
        (Destination::File(path), None) => crate::errln!(
            "relsync: wrote {}; check it, then: relsync check {} -t {}",
            path.display(),
            command.init.input.path.display(),
            path.display()
        ),
        (Destination::File(path), Some(interface)) => crate::errln!(
            "relsync: wrote {}; check it, then name it in a project file (relsync.toml) as [[interface]] name = \"{}\", \
             input = \"{}\", template = \"{}\", and run: relsync check relsync.toml",
            path.display(),
            crate::value::for_terminal(interface),
            // TOML text: a Windows path's backslashes would be escapes there.
            command.init.input.path.to_string_lossy().replace('\\', "/"),
            path.to_string_lossy().replace('\\', "/")
        ),
        _ => {}
    }
    Ok(Exit::Success)
}
