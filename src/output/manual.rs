//! Shell completions (clap_complete) and man pages (clap_mangen), both made
//! from the command line's clap definition, so that they name the same
//! subcommands and options as `--help`.

use crate::cli::Cli;
use clap::CommandFactory;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Errors of `archivar man`.
#[derive(Debug, thiserror::Error)]
pub enum ManError {
    /// No such subcommand.
    #[error("no subcommand \"{name}\"; the pages are: {}", known.join(", "))]
    Unknown {
        /// What was asked for.
        name: String,
        /// The subcommands there are.
        known: Vec<String>,
    },
    /// The folder could not be written.
    #[error("cannot write man pages into {}: {source}", dir.display())]
    Write {
        /// The folder.
        dir: PathBuf,
        /// Why.
        source: io::Error,
    },
    /// Writing to stdout failed.
    #[error(transparent)]
    Io(#[from] io::Error),
}

/// The command line as clap builds it, with subcommand names such as
/// `archivar-search`, as man pages want them.
fn command() -> clap::Command {
    let mut cmd = Cli::command().disable_help_subcommand(true);
    cmd.build();
    cmd
}

/// Write the completion script of `shell` to `out`.
pub fn completions(shell: clap_complete::Shell, out: &mut dyn Write) -> io::Result<()> {
    let mut cmd = Cli::command();
    // Into memory first: clap_complete panics when its writer fails, and
    // `archivar completions bash | head` closes the pipe.
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut cmd, "archivar", &mut script);
    out.write_all(&script)?;
    out.flush()
}

/// Write the man page of archivar (`None`) or of one subcommand to `out`.
pub fn man_page(sub: Option<&str>, out: &mut dyn Write) -> Result<(), ManError> {
    let cmd = command();
    let page = match sub {
        None => cmd,
        Some(name) => cmd
            .get_subcommands()
            .find(|c| c.get_name() == name)
            .cloned()
            .ok_or_else(|| ManError::Unknown {
                name: name.to_string(),
                known: cmd
                    .get_subcommands()
                    .map(|c| c.get_name().to_string())
                    .collect(),
            })?,
    };
    clap_mangen::Man::new(page).render(out)?;
    out.flush()?;
    Ok(())
}

/// Write archivar.1 and archivar-COMMAND.1 for every subcommand into
/// `dir` (created if need be); returns the files written.
pub fn man_pages_into(dir: &Path) -> Result<Vec<PathBuf>, ManError> {
    let fail = |source| ManError::Write {
        dir: dir.to_path_buf(),
        source,
    };
    std::fs::create_dir_all(dir).map_err(fail)?;
    let cmd = command();
    let mut written = Vec::new();
    for page in std::iter::once(cmd.clone()).chain(cmd.get_subcommands().cloned()) {
        written.push(clap_mangen::Man::new(page).generate_to(dir).map_err(fail)?);
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn man_page_is_roff_with_every_subcommand() {
        let mut out = Vec::new();
        man_page(None, &mut out).unwrap();
        let roff = String::from_utf8(out).unwrap();
        assert!(roff.starts_with(".ie \\n(.g .ds Aq"), "{}", &roff[..80]);
        assert!(roff.contains(".TH archivar 1"), "{roff}");
        for sub in ["index", "search", "show", "trend", "stats", "eval"] {
            assert!(roff.contains(sub), "{sub} missing");
        }
        let mut out = Vec::new();
        man_page(Some("search"), &mut out).unwrap();
        let roff = String::from_utf8(out).unwrap();
        assert!(roff.contains(".TH archivar-search 1"), "{roff}");
        assert!(roff.contains("\\-\\-from"), "{roff}");
    }

    #[test]
    fn an_unknown_page_names_the_known_ones() {
        let e = man_page(Some("suche"), &mut Vec::new()).unwrap_err();
        let msg = e.to_string();
        assert!(msg.contains("\"suche\""), "{msg}");
        assert!(msg.contains("index, search, show"), "{msg}");
    }
}
