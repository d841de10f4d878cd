//! Typed errors of the library. Each names the place it comes from
//! (`Location` prints as `data/x.jsonl:17`), what is wrong and what to do.

use crate::output::safe::SafePath;
use std::fmt;
use std::path::{Path, PathBuf};

/// A place in an input: a file and, where there is one, a line (1-based).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The file as the user named it (or as found below a folder they named).
    pub path: PathBuf,
    /// 1-based line number, where the problem has one.
    pub line: Option<u64>,
}

impl Location {
    /// A whole file.
    pub fn file(path: &Path) -> Location {
        Location {
            path: path.to_path_buf(),
            line: None,
        }
    }

    /// One line of a file.
    pub fn line(path: &Path, line: u64) -> Location {
        Location {
            path: path.to_path_buf(),
            line: Some(line),
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{}", SafePath(&self.path), line),
            None => write!(f, "{}", SafePath(&self.path)),
        }
    }
}

/// Why an input file or item could not be read. The item (or file) is
/// reported and skipped; the run goes on.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// The file could not be opened or read.
    #[error("{loc}: cannot read ({source}); check that the file exists and is readable")]
    Io {
        /// Where.
        loc: Location,
        /// The OS error.
        source: std::io::Error,
    },
    /// The file holds binary data (NUL bytes).
    #[error(
        "{loc}: binary data (NUL bytes), not text; skipped. Convert it to UTF-8 text or leave it out"
    )]
    Binary {
        /// Where.
        loc: Location,
    },
    /// The file is empty or holds only white space.
    #[error("{loc}: empty file, no item in it")]
    Empty {
        /// Where.
        loc: Location,
    },
    /// A JSON Lines line is not valid JSON, or not of the item shape.
    #[error(
        "{loc}: bad JSON ({detail}); each line must be one item as in schema/item.v1.schema.json"
    )]
    Json {
        /// Where.
        loc: Location,
        /// What serde said.
        detail: String,
    },
    /// A field has the wrong type or value.
    #[error("{loc}: field \"{field}\": {detail}")]
    Field {
        /// Where.
        loc: Location,
        /// The field's name.
        field: &'static str,
        /// What is wrong and what is expected.
        detail: String,
    },
    /// A date that does not exist or cannot be read.
    #[error("{loc}: impossible date \"{text}\" ({detail}); expected YYYY-MM-DD or DD.MM.YYYY")]
    Date {
        /// Where.
        loc: Location,
        /// The date as written.
        text: String,
        /// Why it is not a date.
        detail: String,
    },
    /// An item without any text to search.
    #[error("{loc}: item has no body text; give it a non-empty \"body\"")]
    MissingBody {
        /// Where.
        loc: Location,
    },
    /// An item larger than an item may be.
    #[error(
        "{loc}: item of {:.1} MB, more than the {:.0} MB an item may have; skipped. Split it into several items",
        *bytes as f64 / 1_048_576.0,
        *max as f64 / 1_048_576.0
    )]
    TooLarge {
        /// Where.
        loc: Location,
        /// Its bytes of text.
        bytes: usize,
        /// The most an item may have.
        max: usize,
    },
    /// A path that is no regular file: a FIFO, a device, a socket.
    #[error("{loc}: {kind}, not a regular file; skipped. Name a file or a folder of files")]
    NotRegular {
        /// Where.
        loc: Location,
        /// What it is ("a FIFO (named pipe)", "a device").
        kind: &'static str,
    },
    /// A file of one item larger than such a file may be.
    #[error(
        "{loc}: larger than the {} a file of one item may have; skipped. Split it into several items",
        Size(*max)
    )]
    FileTooLarge {
        /// Where.
        loc: Location,
        /// The most such a file may have.
        max: u64,
    },
    /// A line longer than a line may be; it is not read whole.
    #[error(
        "{loc}: line longer than the {} a line may have{hint}; skipped",
        Size(*max as u64)
    )]
    LineTooLong {
        /// Where.
        loc: Location,
        /// The most a line may have.
        max: usize,
        /// Why, and what to do.
        hint: &'static str,
    },
    /// A compressed file that ends early or is damaged.
    #[error(
        "{loc}: the compressed file is truncated or corrupt ({detail}); the items before this line were read. Compress it anew from the original"
    )]
    Corrupt {
        /// Where.
        loc: Location,
        /// What the decompressor said.
        detail: String,
    },
    /// An item whose text format is not recognised.
    #[error("{loc}: {detail}")]
    Format {
        /// Where.
        loc: Location,
        /// What is wrong.
        detail: String,
    },
}

impl IngestError {
    /// The place the error refers to.
    pub fn location(&self) -> &Location {
        match self {
            IngestError::Io { loc, .. }
            | IngestError::Binary { loc }
            | IngestError::Empty { loc }
            | IngestError::Json { loc, .. }
            | IngestError::Field { loc, .. }
            | IngestError::Date { loc, .. }
            | IngestError::MissingBody { loc }
            | IngestError::TooLarge { loc, .. }
            | IngestError::NotRegular { loc, .. }
            | IngestError::FileTooLarge { loc, .. }
            | IngestError::LineTooLong { loc, .. }
            | IngestError::Corrupt { loc, .. }
            | IngestError::Format { loc, .. } => loc,
        }
    }
}

/// A size in bytes for a message: "64 MB", "4 KB", "20 bytes" (binary units).
struct Size(u64);

impl fmt::Display for Size {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            b if b >= 1 << 20 && b % (1 << 20) == 0 => write!(f, "{} MB", b >> 20),
            b if b >= 1 << 20 => write!(f, "{:.1} MB", b as f64 / 1_048_576.0),
            b if b >= 1 << 10 && b % (1 << 10) == 0 => write!(f, "{} KB", b >> 10),
            b => write!(f, "{b} bytes"),
        }
    }
}

/// Errors of opening, building or reading an index.
#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    /// No index at the place given.
    #[error(
        "no archivar index in {dir}; run `archivar index PATH…` first (or point --index / ARCHIVAR_INDEX at one)"
    )]
    Missing {
        /// The index folder.
        dir: PathBuf,
    },
    /// The index was built by another schema version.
    #[error(
        "the index in {dir} was built with schema version {found}, this archivar uses version {expected}; rebuild it with `archivar index --rebuild PATH…`"
    )]
    SchemaVersion {
        /// The index folder.
        dir: PathBuf,
        /// The version the index has.
        found: String,
        /// The version this binary has.
        expected: u32,
    },
    /// Another process holds the index writer lock.
    #[error(
        "the index in {dir} is being written by {holder}; wait until it ends and try again, or add --wait"
    )]
    Locked {
        /// The index folder.
        dir: PathBuf,
        /// Who holds the lock ("archivar process 4711 (`archivar index data/`, …)").
        holder: String,
    },
    /// The index folder cannot be written: a full disk, a read-only folder.
    #[error(
        "cannot write the index in {dir} ({cause}); {hint}. The index stays as of its last commit"
    )]
    Unwritable {
        /// The index folder.
        dir: PathBuf,
        /// The OS error.
        cause: std::sync::Arc<std::io::Error>,
        /// What to do.
        hint: &'static str,
    },
    /// tantivy failed.
    #[error("index in {dir}: {source}")]
    Tantivy {
        /// The index folder.
        dir: PathBuf,
        /// tantivy's error.
        source: tantivy::TantivyError,
    },
    /// A file of the index could not be read or written.
    #[error("index in {dir}: {source}")]
    Io {
        /// The index folder.
        dir: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// The embedded schema file is broken (a bug in the build).
    #[error("schema/index.v5.toml: {0}")]
    Schema(String),
    /// A stored item could not be read back.
    #[error(
        "index in {dir}: stored item {id} is unreadable ({detail}); rebuild with `archivar index --rebuild PATH…`"
    )]
    Stored {
        /// The index folder.
        dir: PathBuf,
        /// The item's id, as far as known.
        id: String,
        /// What went wrong.
        detail: String,
    },
}

impl IndexError {
    /// The error of a write to the index folder that failed with `cause`.
    pub fn unwritable(dir: &Path, cause: std::sync::Arc<std::io::Error>) -> IndexError {
        use std::io::ErrorKind as K;
        let hint = match cause.kind() {
            K::StorageFull | K::QuotaExceeded | K::FileTooLarge => {
                "the disk is full; free space there, or name a folder on another disk with --index, and run `archivar index` again"
            }
            K::ReadOnlyFilesystem | K::PermissionDenied => {
                "the folder is read-only to you; make it writable, or name another folder with --index"
            }
            _ => "check the disk and run `archivar index` again",
        };
        IndexError::Unwritable {
            dir: dir.to_path_buf(),
            cause,
            hint,
        }
    }
}

/// A query the user wrote that cannot be run.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum QueryError {
    /// The query is empty (or only white space).
    #[error("empty query; give one or more words, e.g. archivar search \"Selenskyj Rohstoffe\"")]
    Empty,
    /// A quote is not closed.
    #[error(
        "unclosed quote at column {col}: {query}\n{marker}^ add the closing \" or remove this one"
    )]
    UnclosedQuote {
        /// 1-based column of the opening quote.
        col: usize,
        /// The query.
        query: String,
        /// Spaces up to the column.
        marker: String,
    },
    /// A parenthesis is not closed or not opened.
    #[error("unbalanced parenthesis at column {col}: {query}\n{marker}^ {hint}")]
    Paren {
        /// 1-based column.
        col: usize,
        /// The query.
        query: String,
        /// Spaces up to the column.
        marker: String,
        /// What to do.
        hint: &'static str,
    },
    /// An operator without an operand.
    #[error("\"{op}\" at column {col} has nothing to apply to; {hint}")]
    Dangling {
        /// The operator.
        op: String,
        /// 1-based column.
        col: usize,
        /// What to do.
        hint: &'static str,
    },
    /// Parentheses or prefix operators nested too deep.
    #[error(
        "the query nests more than {max} levels deep at column {col} (parentheses, -, +, NOT); simplify it"
    )]
    TooDeep {
        /// 1-based column where the limit was passed.
        col: usize,
        /// The limit.
        max: usize,
    },
    /// A field prefix with nothing after it (`title:`, `speaker:()`).
    #[error(
        "\"{field}:\" at column {col} has nothing to search; write {field}:Wort, {field}:\"zwei Wörter\" or {field}:(a OR b)"
    )]
    EmptyField {
        /// The field as written.
        field: String,
        /// 1-based column.
        col: usize,
    },
    /// Only exclusions: nothing to search for.
    #[error("the query only excludes (-word); add a word to search for")]
    OnlyExclusions,
    /// Nothing left to search but a word too long to be indexed.
    #[error(
        "the word \"{start}…\" has {bytes} bytes, more than the {max} bytes a word is indexed with; no item can hold it"
    )]
    WordTooLong {
        /// Its first characters.
        start: String,
        /// Its bytes.
        bytes: usize,
        /// The most a word may have.
        max: usize,
    },
    /// Nothing left after analysis (only stopwords or punctuation).
    #[error(
        "the query has only stopwords or punctuation (\"{query}\"); add a content word, or quote a phrase"
    )]
    NothingToSearch {
        /// The query.
        query: String,
    },
}
