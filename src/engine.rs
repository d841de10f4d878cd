//! The seam between the commands and the engine that holds the archive
//! (REVIEW.md, "A second engine"): the local tantivy index in a folder, or
//! an index on an OpenSearch cluster ([`crate::cluster`]). A command opens
//! an [`Engine`] once and asks it; only what one engine cannot do yet
//! ([`Engine::local`]) names the engine.

use crate::app::{Outcome, plural};
use crate::cli::IndexArgs;
use crate::cluster::{Cluster, search::Failure};
use crate::index::Archive;
use crate::search::{self, Hits, Request};
use anyhow::Result;
use std::path::Path;
use tantivy::Searcher;

/// Where the archive is.
pub enum Engine {
    /// The local index at one reader generation.
    Local {
        /// The index.
        archive: Archive,
        /// What it holds now.
        searcher: Searcher,
    },
    /// An index on a cluster, with an in-memory archive for the schema
    /// and German analysis.
    Cluster {
        /// The cluster's index.
        cluster: Cluster,
        /// The schema and analyzers.
        archive: Archive,
    },
}

impl Engine {
    /// The cluster's index that `opensearch` names (checked for its
    /// schema version), or else the local index in `dir`.
    pub fn open(dir: &Path, opensearch: Option<&str>) -> Result<Engine> {
        if let Some(cluster) = Cluster::from_flag(opensearch)? {
            let archive = Archive::in_memory()?;
            cluster.check_version(u64::from(archive.schema.version))?;
            return Ok(Engine::Cluster { cluster, archive });
        }
        let archive = Archive::open(dir)?;
        let searcher = archive.reader()?.searcher();
        Ok(Engine::Local { archive, searcher })
    }

    /// Run a search: the requested page of hits with items and snippets.
    pub fn search(&self, req: &Request) -> Result<Hits> {
        Ok(match self {
            Engine::Local { archive, searcher } => search::search(archive, searcher, req)?,
            Engine::Cluster { cluster, archive } => {
                match crate::cluster::search::search(cluster, archive, req) {
                    Ok(h) => h,
                    Err(Failure::Search(e)) => return Err(e.into()),
                    Err(Failure::Cluster(e)) => return Err(e.into()),
                }
            }
        })
    }

    /// The local index, for what only it can do yet (`what` names the
    /// option, for the error on a cluster).
    pub fn local(&self, what: &str) -> Result<(&Archive, &Searcher)> {
        match self {
            Engine::Local { archive, searcher } => Ok((archive, searcher)),
            Engine::Cluster { cluster, .. } => anyhow::bail!(
                "{what} works on the local index only, not yet with --opensearch ({}/{})",
                cluster.url,
                cluster.index
            ),
        }
    }
}

/// `archivar index PATHS --opensearch URL/INDEX`.
pub fn index_cluster(cluster: &Cluster, a: IndexArgs) -> Result<Outcome> {
    if a.prune {
        anyhow::bail!(
            "--prune works on the local index only, not yet with --opensearch ({}/{})",
            cluster.url,
            cluster.index
        );
    }
    let started = std::time::Instant::now();
    let given = crate::ingest::Meta {
        date: a.date,
        program: a.program.clone().filter(|p| !p.trim().is_empty()),
        title: None,
        media: None,
    };
    let bar = crate::app::progress_bar(0, a.quiet);
    let loaded = crate::cluster::load::load(
        cluster,
        &a.paths,
        &given,
        a.rebuild,
        a.quiet,
        &bar,
        &mut |line| crate::report!("{line}"),
    );
    bar.finish_and_clear();
    let t = loaded?;
    if !a.quiet {
        let mut line = format!(
            "indexed {} ({} new, {} replaced) from {} in {:.1} s into {}/{} ({} in all)",
            plural(t.new + t.replaced, "item"),
            t.new,
            t.replaced,
            plural(t.files, "file"),
            started.elapsed().as_secs_f64(),
            cluster.url,
            cluster.index,
            plural(t.count, "item"),
        );
        if t.failed > 0 {
            line.push_str(&format!(
                "; {} not indexed (see above)",
                plural(t.failed, "file or item")
            ));
        }
        if t.warnings > 0 {
            line.push_str(&format!(", {}", plural(t.warnings, "warning")));
        }
        crate::report!("{line}");
    }
    Ok(if t.failed > 0 {
        Outcome::Failed
    } else {
        Outcome::Success
    })
}
