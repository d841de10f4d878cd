//! The German analyzer as a tantivy `Tokenizer`, with memoised stems.

use super::{Analyzer, TokenOf};
use rustc_hash::FxHashMap;

/// Stems are memoised per tokenizer (tantivy clones one per indexing
/// thread); past this many entries the memo starts afresh, which bounds
/// its memory at a few tens of MB.
const MEMO_LIMIT: usize = 200_000;

/// tantivy tokenizer running [`Analyzer`].
#[derive(Clone, Default)]
pub struct GermanTokenizer {
    analyzer: Analyzer,
    /// A word's term, as an index into `terms` (`None`: no term).
    memo: FxHashMap<Box<str>, Option<u32>>,
    terms: Vec<Box<str>>,
    tokens: Vec<TokenOf<u32>>,
}

impl GermanTokenizer {
    /// A tokenizer over the shared analyzer.
    pub fn new() -> GermanTokenizer {
        GermanTokenizer::default()
    }
}

/// The token stream of one text.
pub struct GermanTokenStream<'a> {
    tokens: std::slice::Iter<'a, TokenOf<u32>>,
    terms: &'a [Box<str>],
    token: tantivy::tokenizer::Token,
}

impl tantivy::tokenizer::Tokenizer for GermanTokenizer {
    type TokenStream<'a> = GermanTokenStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> GermanTokenStream<'a> {
        self.tokens.clear();
        // Start afresh between texts only: the tokens point into `terms`.
        if self.memo.len() >= MEMO_LIMIT {
            self.memo.clear();
            self.terms.clear();
        }
        let analyzer = &self.analyzer;
        let (memo, terms) = (&mut self.memo, &mut self.terms);
        let mut norm = |w: &str| {
            if let Some(hit) = memo.get(w) {
                return *hit;
            }
            let n = analyzer.normalize(w).map(|t| {
                terms.push(t.into_boxed_str());
                (terms.len() - 1) as u32
            });
            memo.insert(w.into(), n);
            n
        };
        analyzer.analyze_into(text, &mut self.tokens, &mut norm);
        GermanTokenStream {
            tokens: self.tokens.iter(),
            terms: &self.terms,
            token: tantivy::tokenizer::Token::default(),
        }
    }
}

impl tantivy::tokenizer::TokenStream for GermanTokenStream<'_> {
    fn advance(&mut self) -> bool {
        match self.tokens.next() {
            Some(t) => {
                self.token.text.clear();
                self.token.text.push_str(&self.terms[t.text as usize]);
                self.token.offset_from = t.start;
                self.token.offset_to = t.end;
                self.token.position = t.position as usize;
                self.token.position_length = 1;
                true
            }
            None => false,
        }
    }

    fn token(&self) -> &tantivy::tokenizer::Token {
        &self.token
    }

    fn token_mut(&mut self) -> &mut tantivy::tokenizer::Token {
        &mut self.token
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tantivy::tokenizer::{TokenStream, Tokenizer};

    #[test]
    fn streams_what_the_analyzer_gives() {
        let mut tok = GermanTokenizer::new();
        let mut stream = tok.token_stream("Die Rohstoffe der Ukraine");
        let mut seen = Vec::new();
        while stream.advance() {
            let t = stream.token();
            seen.push((t.text.clone(), t.position));
        }
        assert_eq!(
            seen,
            vec![("rohstoff".to_string(), 1), ("ukrain".to_string(), 3)]
        );
    }
}
