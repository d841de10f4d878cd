//! The seam between the commands and the engine that holds the archive
//! (REVIEW.md, "A second engine"): the local tantivy index in a folder, or
//! an index on an OpenSearch cluster ([`crate::cluster`]). A command opens
//! an [`Engine`] once and asks it; each method names the engine once, and
//! the commands none.

use crate::app::{Outcome, plural};
use crate::cli::IndexArgs;
use crate::cluster::{Cluster, search::Failure};
use crate::index::Archive;
use crate::index::stats::Stats;
use crate::item::Item;
use crate::search::facets::{Interval, Trend};
use crate::search::{self, Hits, Request};
use anyhow::Result;
use std::path::Path;
use std::sync::Arc;
use tantivy::Searcher;

/// Where the archive is.
pub enum Engine {
    /// The local index at one reader generation.
    Local {
        /// The index.
        archive: Arc<Archive>,
        /// What it holds now.
        searcher: Searcher,
    },
    /// An index on a cluster, with an in-memory archive for the schema
    /// and German analysis.
    Cluster {
        /// The cluster's index.
        cluster: Cluster,
        /// The schema and analyzers.
        archive: Arc<Archive>,
    },
}

impl Engine {
    /// The cluster's index that `opensearch` names (checked for its
    /// schema version), or else the local index in `dir`.
    pub fn open(dir: &Path, opensearch: Option<&str>) -> Result<Engine> {
        if let Some(cluster) = Cluster::from_flag(opensearch)? {
            let archive = Arc::new(Archive::in_memory()?);
            cluster.check_version(u64::from(archive.schema.version))?;
            return Ok(Engine::Cluster { cluster, archive });
        }
        let archive = Arc::new(Archive::open(dir)?);
        let searcher = archive.reader()?.searcher();
        Ok(Engine::Local { archive, searcher })
    }

    /// Run a search: the requested page of hits with items and snippets.
    pub fn search(&self, req: &Request) -> Result<Hits> {
        Ok(match self {
            Engine::Local { archive, searcher } => search::search(archive, searcher, req)?,
            Engine::Cluster { cluster, archive } => {
                crate::cluster::search::search(cluster, archive, req).map_err(lift)?
            }
        })
    }

    /// Run a search for ids and scores only, best first: what evaluation
    /// needs. A wrong query is [`Failure::Search`], so that a caller can
    /// tell it from a failing engine.
    pub fn search_ids(&self, req: &Request) -> Result<Vec<(f32, String)>, Failure> {
        match self {
            Engine::Local { archive, searcher } => Ok(search::search_ids(archive, searcher, req)?),
            Engine::Cluster { cluster, archive } => {
                let req = Request {
                    snippets: 0,
                    ..req.clone()
                };
                let hits = crate::cluster::search::search(cluster, archive, &req)?;
                Ok(hits
                    .hits
                    .into_iter()
                    .map(|h| (h.score.unwrap_or(0.0), h.item.id))
                    .collect())
            }
        }
    }

    /// The item with id `id`, if the archive has it.
    pub fn find(&self, id: &str) -> Result<Option<Item>> {
        Ok(match self {
            Engine::Local { archive, searcher } => archive.find(searcher, id)?,
            Engine::Cluster { cluster, .. } => crate::cluster::search::find(cluster, id)?,
        })
    }

    /// How often `req` matches, by period.
    pub fn trend(&self, req: &Request, by: Interval) -> Result<Trend> {
        match self {
            Engine::Local { archive, searcher } => {
                Ok(search::facets::trend(archive, searcher, req, by)?)
            }
            Engine::Cluster { cluster, archive } => {
                crate::cluster::search::trend(cluster, archive, req, by).map_err(lift)
            }
        }
    }

    /// How often each of `reqs` matches over the same periods, with
    /// `per` also as shares of all items that pass the filters.
    pub fn trend_table(
        &self,
        reqs: &[Request],
        by: Interval,
        per: Option<u32>,
    ) -> Result<search::share::Table> {
        match self {
            Engine::Local { archive, searcher } => {
                Ok(search::share::table(archive, searcher, reqs, by, per)?)
            }
            Engine::Cluster { cluster, archive } => {
                crate::cluster::search::trend_table(cluster, archive, reqs, by, per).map_err(lift)
            }
        }
    }

    /// Why each of `hits` (a page of `req`) is a hit.
    pub fn explain(&self, req: &Request, hits: &mut Hits) -> Result<()> {
        match self {
            Engine::Local { archive, searcher } => {
                Ok(search::explain::explain_hits(archive, searcher, req, hits)?)
            }
            Engine::Cluster { cluster, archive } => {
                crate::cluster::search::explain(cluster, archive, req, hits).map_err(lift)
            }
        }
    }

    /// The keyword-in-context lines of `req`.
    pub fn kwic(
        &self,
        req: &Request,
        opts: search::kwic::Options,
    ) -> Result<search::kwic::Concordance> {
        match self {
            Engine::Local { archive, searcher } => {
                Ok(search::kwic::kwic(archive, searcher, req, opts)?)
            }
            Engine::Cluster { cluster, archive } => {
                crate::cluster::search::kwic(cluster, archive, req, opts).map_err(lift)
            }
        }
    }

    /// Items, dates, programmes, speakers and size of the archive.
    pub fn stats(&self) -> Result<Stats> {
        match self {
            Engine::Local { archive, searcher } => {
                Ok(crate::index::stats::stats(archive, searcher)?)
            }
            Engine::Cluster { cluster, archive } => {
                crate::cluster::search::stats(cluster, archive).map_err(lift)
            }
        }
    }

    /// Items in the archive.
    pub fn count(&self) -> Result<u64> {
        Ok(match self {
            Engine::Local { searcher, .. } => searcher.num_docs(),
            Engine::Cluster { cluster, .. } => cluster.count()?,
        })
    }

    /// What a hit of `req` marks, for showing an item with the words of
    /// a search highlighted.
    pub fn marks(&self, req: &Request) -> Result<search::snippet::Marks> {
        match self {
            Engine::Local { archive, searcher } => {
                Ok(search::prepare(archive, searcher, req)?.marks)
            }
            Engine::Cluster { cluster, archive } => {
                crate::cluster::search::marks(cluster, archive, req).map_err(lift)
            }
        }
    }

    /// Where the archive is, for messages: the index folder or URL/INDEX.
    pub fn place(&self) -> String {
        match self {
            Engine::Local { archive, .. } => archive.dir.display().to_string(),
            Engine::Cluster { cluster, .. } => format!("{}/{}", cluster.url, cluster.index),
        }
    }
}

/// The error inside a failure, so that callers find the
/// [`crate::search::SearchError`] or [`crate::cluster::ClusterError`].
fn lift(f: Failure) -> anyhow::Error {
    match f {
        Failure::Search(e) => e.into(),
        Failure::Cluster(e) => e.into(),
    }
}

/// `archivar index PATHS --opensearch URL/INDEX`.
pub fn index_cluster(cluster: &Cluster, a: IndexArgs) -> Result<Outcome> {
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
        crate::cluster::load::Options {
            rebuild: a.rebuild,
            force: a.force,
            prune: a.prune,
        },
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
            plural(t.files - t.unchanged_files, "file"),
            started.elapsed().as_secs_f64(),
            cluster.url,
            cluster.index,
            plural(t.count, "item"),
        );
        crate::app::push_file_changes(
            &mut line,
            (t.unchanged_items, t.unchanged_files),
            (t.removed_items, t.removed_files),
            a.prune,
        );
        if !a.prune && t.removed_items > 0 {
            line.push_str(&format!(
                "; {} taken out of changed files removed",
                plural(t.removed_items, "item")
            ));
        }
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
