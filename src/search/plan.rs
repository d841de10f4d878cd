//! The query plan: what a search asks of an engine, between the query
//! language ([`super::parse`]) and an engine's own queries. The model is
//! tantivy's `LogicalAst` and the `bool` query of Elasticsearch and
//! OpenSearch: terms and phrases of analysed fields, combined with must,
//! should and must-not clauses, boosts and filters that do not score.
//!
//! [`Plan::to_tantivy`] lowers a plan to tantivy queries (the local
//! index); another engine lowers the same plan to its own query language,
//! so that the German analysis, compound splitting and name variants that
//! build the plan are shared.

use tantivy::Term;
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, ConstScoreQuery, EmptyQuery, Occur as TantivyOccur,
    PhraseQuery, Query, RangeQuery, TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption};

/// How a clause takes part in a [`Plan::Bool`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Occur {
    /// Must match; scores.
    Must,
    /// May match; scores (see `min_should`).
    Should,
    /// Must not match.
    MustNot,
}

/// A query, engine-neutral. Fields are the schema's ([`crate::index::schema`]).
#[derive(Debug, Clone, PartialEq)]
pub enum Plan {
    /// An analysed term of a text field, scored by BM25.
    Term {
        /// The field.
        field: Field,
        /// The analysed term (a stem).
        text: String,
    },
    /// An exact value of a keyword field (programme, speaker), not scored.
    Keyword {
        /// The field.
        field: Field,
        /// The value as indexed.
        value: String,
    },
    /// Terms at these positions relative to each other, up to `slop`
    /// positions apart in all.
    Phrase {
        /// The field.
        field: Field,
        /// Relative positions and terms, the first at 0.
        terms: Vec<(usize, String)>,
        /// Positions the terms may stand apart beyond their offsets.
        slop: u32,
    },
    /// Clauses: all `Must` clauses, none of the `MustNot` ones and, when
    /// there are no `Must` clauses or `min_should` is above 0, at least
    /// `min_should` (at least one when 0 and no `Must`) of the `Should` ones.
    Bool {
        /// The clauses.
        clauses: Vec<(Occur, Plan)>,
        /// Should clauses that must match; 0: the engine's default.
        min_should: usize,
    },
    /// A plan whose score is multiplied by a factor.
    Boost(Box<Plan>, f32),
    /// A plan that matches with a constant score of 0: a filter.
    Filter(Box<Plan>),
    /// Days (since 1970-01-01) of a date field within bounds, both included.
    Days {
        /// The field.
        field: Field,
        /// First day, if bounded.
        from: Option<i64>,
        /// Last day, if bounded.
        to: Option<i64>,
    },
    /// Every item.
    All,
    /// No item.
    Nothing,
}

impl Plan {
    /// A term of a text field.
    pub fn term(field: Field, text: &str) -> Plan {
        Plan::Term {
            field,
            text: text.to_string(),
        }
    }

    /// Clauses without a bound on the should clauses.
    pub fn bool(clauses: Vec<(Occur, Plan)>) -> Plan {
        Plan::Bool {
            clauses,
            min_should: 0,
        }
    }

    /// Any of these plans, scores summed.
    pub fn any(plans: Vec<Plan>) -> Plan {
        Plan::bool(plans.into_iter().map(|p| (Occur::Should, p)).collect())
    }

    /// This plan with its score times `factor`.
    pub fn boost(self, factor: f32) -> Plan {
        Plan::Boost(Box::new(self), factor)
    }

    /// This plan as a filter that adds nothing to the score.
    pub fn filter(self) -> Plan {
        Plan::Filter(Box::new(self))
    }

    /// The plan as a tantivy query.
    pub fn to_tantivy(&self) -> Box<dyn Query> {
        match self {
            Plan::Term { field, text } => Box::new(TermQuery::new(
                Term::from_field_text(*field, text),
                IndexRecordOption::WithFreqs,
            )),
            Plan::Keyword { field, value } => Box::new(TermQuery::new(
                Term::from_field_text(*field, value),
                IndexRecordOption::Basic,
            )),
            Plan::Phrase { field, terms, slop } => {
                let terms = terms
                    .iter()
                    .map(|(p, t)| (*p, Term::from_field_text(*field, t)))
                    .collect();
                let mut q = PhraseQuery::new_with_offset(terms);
                if *slop > 0 {
                    q.set_slop(*slop);
                }
                Box::new(q)
            }
            Plan::Bool {
                clauses,
                min_should,
            } => {
                let mut q = BooleanQuery::new(
                    clauses
                        .iter()
                        .map(|(o, p)| {
                            let o = match o {
                                Occur::Must => TantivyOccur::Must,
                                Occur::Should => TantivyOccur::Should,
                                Occur::MustNot => TantivyOccur::MustNot,
                            };
                            (o, p.to_tantivy())
                        })
                        .collect(),
                );
                if *min_should > 1 {
                    q.set_minimum_number_should_match(*min_should);
                }
                Box::new(q)
            }
            Plan::Boost(p, factor) => Box::new(BoostQuery::new(p.to_tantivy(), *factor)),
            Plan::Filter(p) => Box::new(ConstScoreQuery::new(p.to_tantivy(), 0.0)),
            Plan::Days { field, from, to } => {
                use std::ops::Bound;
                let bound = |d: &Option<i64>| {
                    d.map_or(Bound::Unbounded, |d| {
                        Bound::Included(Term::from_field_i64(*field, d))
                    })
                };
                Box::new(RangeQuery::new(bound(from), bound(to)))
            }
            Plan::All => Box::new(AllQuery),
            Plan::Nothing => Box::new(EmptyQuery),
        }
    }

    /// Every term of text fields the plan names, with its field.
    pub fn terms(&self) -> Vec<(Field, &str)> {
        let mut out = Vec::new();
        self.visit(&mut |p| match p {
            Plan::Term { field, text } => out.push((*field, text.as_str())),
            Plan::Phrase { field, terms, .. } => {
                out.extend(terms.iter().map(|(_, t)| (*field, t.as_str())));
            }
            _ => {}
        });
        out
    }

    fn visit<'a>(&'a self, f: &mut dyn FnMut(&'a Plan)) {
        f(self);
        match self {
            Plan::Bool { clauses, .. } => clauses.iter().for_each(|(_, p)| p.visit(f)),
            Plan::Boost(p, _) | Plan::Filter(p) => p.visit(f),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tantivy::collector::Count;
    use tantivy::schema::{INDEXED, STRING, Schema, TEXT};
    use tantivy::{Index, doc};

    /// A tiny index of three German sentences, with a text, a keyword and
    /// a date field.
    fn index() -> (Index, Field, Field, Field) {
        let mut b = Schema::builder();
        let text = b.add_text_field("text", TEXT);
        let program = b.add_text_field("program", STRING);
        let day = b.add_i64_field("day", INDEXED);
        let index = Index::create_in_ram(b.build());
        let mut w = index.writer(15_000_000).unwrap();
        w.add_document(doc!(text => "selenskyj fordert rohstoffabkommen", program => "Deutschlandfunk", day => 20_132i64))
            .unwrap();
        w.add_document(doc!(text => "verhandlungen über einen frieden", program => "tagesschau", day => 20_100i64))
            .unwrap();
        w.add_document(doc!(text => "frieden durch verhandlungen", program => "Deutschlandfunk", day => 19_000i64))
            .unwrap();
        w.commit().unwrap();
        (index, text, program, day)
    }

    fn count(index: &Index, plan: &Plan) -> usize {
        let searcher = index.reader().unwrap().searcher();
        searcher.search(plan.to_tantivy().as_ref(), &Count).unwrap()
    }

    #[test]
    fn plans_lower_to_tantivy_with_their_meaning() {
        let (index, text, program, day) = index();
        assert_eq!(count(&index, &Plan::term(text, "frieden")), 2);
        let near = |slop| Plan::Phrase {
            field: text,
            terms: vec![(0, "verhandlungen".into()), (1, "frieden".into())],
            slop,
        };
        assert_eq!(count(&index, &near(0)), 0);
        assert_eq!(count(&index, &near(2)), 1);
        let both = Plan::Bool {
            clauses: vec![
                (Occur::Should, Plan::term(text, "frieden")),
                (Occur::Should, Plan::term(text, "verhandlungen")),
                (Occur::Should, Plan::term(text, "selenskyj")),
            ],
            min_should: 2,
        };
        assert_eq!(count(&index, &both), 2);
        let dlf = Plan::Keyword {
            field: program,
            value: "Deutschlandfunk".into(),
        };
        let recent = Plan::Days {
            field: day,
            from: Some(20_000),
            to: None,
        };
        let q = Plan::bool(vec![
            (Occur::Must, dlf.filter()),
            (Occur::Must, recent.filter()),
        ]);
        assert_eq!(count(&index, &q), 1);
        let not = Plan::bool(vec![
            (Occur::Must, Plan::All),
            (Occur::MustNot, Plan::term(text, "frieden")),
        ]);
        assert_eq!(count(&index, &not), 1);
        assert_eq!(count(&index, &Plan::Nothing), 0);
    }

    #[test]
    fn terms_lists_text_terms_only() {
        let (_, text, program, _) = index();
        let p = Plan::bool(vec![
            (Occur::Must, Plan::term(text, "frieden").boost(0.5)),
            (
                Occur::Must,
                Plan::Keyword {
                    field: program,
                    value: "tagesschau".into(),
                }
                .filter(),
            ),
        ]);
        assert_eq!(p.terms(), vec![(text, "frieden")]);
    }
}
