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
        (Destination::File(path), Some(interface)) => {
            // TOML text: a Windows path's backslashes would be escapes there.
            let toml_path = |p: &std::path::Path| p.to_string_lossy().replace('\\', "/");
            let name = crate::value::for_terminal(interface);
            let name_property = authored
                .name_property
                .as_deref()
                .map(|h| format!("\n  name_property = \"{}\"", crate::value::for_terminal(h)))
                .unwrap_or_default();
            crate::errln!(
                "relsync: wrote {}; check it. Its relations to this sheet's own rows are checked and sent in a \
                 project: write these lines in a project file (relsync.toml; put in your workspace's URL and \
                 interface names), then run: relsync check relsync.toml\n  \
                 [workspace]\n  url = \"https://YOUR-ENV.relatics.com/api/v1/workspaces/YOUR-WORKSPACE-ID\"\n  \
                 [[interface]]\n  name = \"{name}\"\n  input = \"{}\"\n  template = \"{}\"\n  \
                 endpoint = \"synchronizing/{name}\"  # the synchronizing interface in Relatics\n  \
                 ids = \"providing/{name}\"  # a providing interface answering each element's ID and name{name_property}",
                path.display(),
                toml_path(&command.init.input.path),
                toml_path(path),
            )
        }
        _ => {}
    }
    Ok(Exit::Success)
}
