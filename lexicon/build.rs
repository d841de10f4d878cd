//! Builds the built-in German lexicon (`lexicon/de.tsv`, term and number of
//! speeches) into an FST that the binary embeds (`src/analysis/lexicon.rs`).

use std::path::PathBuf;

fn main() {
    println!("cargo::rerun-if-changed=lexicon/de.tsv");
    let tsv = std::fs::read_to_string("lexicon/de.tsv").expect("lexicon/de.tsv is readable");
    let mut entries: Vec<(&str, u64)> = Vec::new();
    for (n, line) in tsv.lines().enumerate() {
        if line.starts_with('#') || line.is_empty() {
            continue;
        }
        let (term, count) = line
            .split_once('\t')
            .unwrap_or_else(|| panic!("lexicon/de.tsv:{}: expected TERM<TAB>COUNT", n + 1));
        let count: u64 = count
            .parse()
            .unwrap_or_else(|_| panic!("lexicon/de.tsv:{}: bad count {count:?}", n + 1));
        entries.push((term, count));
    }
    entries.sort_unstable();
    entries.dedup_by(|a, b| a.0 == b.0);
    let mut builder = tantivy_fst::MapBuilder::memory();
    for (term, count) in entries {
        builder.insert(term, count).expect("sorted, unique terms");
    }
    let bytes = builder.into_inner().expect("an FST in memory");
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    std::fs::write(out.join("lexicon.fst"), bytes).expect("OUT_DIR is writable");
}
