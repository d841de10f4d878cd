//! A [`Plan`] as OpenSearch (and Elasticsearch) query DSL, for an index
//! whose text fields hold archivar's own analysed terms (issue 14's first
//! route: archivar analyses, the cluster stores and retrieves).
//!
//! | plan | DSL |
//! |---|---|
//! | `Term` | `term` (scored by the field's BM25) |
//! | `Keyword` | `term` on the keyword field |
//! | `Phrase` | `span_near` of `span_term`s, in order, slop plus the gaps |
//! | `Bool` | `bool` with `must`, `should`, `must_not`, `minimum_should_match` |
//! | `Boost` | `bool` with one `must` clause and a `boost` |
//! | `Filter` | `bool` with one `filter` clause (scores 0) |
//! | `Days` | `range` with `gte` and `lte` on the day number |
//! | `All`, `Nothing` | `match_all`, `match_none` |

use super::plan::{Occur, Plan};
use serde_json::{Value, json};
use tantivy::schema::Field;

/// The plan as a query object; `name` gives a field's name in the index.
pub fn query(plan: &Plan, name: &dyn Fn(Field) -> String) -> Value {
    match plan {
        Plan::Term { field, text } => json!({ "term": { name(*field): { "value": text } } }),
        Plan::Keyword { field, value } => json!({ "term": { name(*field): { "value": value } } }),
        Plan::Phrase { field, terms, slop } => {
            let field = name(*field);
            if let [(_, only)] = terms.as_slice() {
                return json!({ "term": { field: { "value": only } } });
            }
            // span_near has no offsets: the gaps the offsets leave (words
            // the analyzer dropped) are added to the slop.
            let gaps: usize = terms
                .windows(2)
                .map(|w| w[1].0.saturating_sub(w[0].0 + 1))
                .sum();
            let clauses: Vec<Value> = terms
                .iter()
                .map(|(_, t)| json!({ "span_term": { field.clone(): t } }))
                .collect();
            json!({ "span_near": {
                "clauses": clauses,
                "slop": *slop as usize + gaps,
                "in_order": true,
            }})
        }
        Plan::Bool {
            clauses,
            min_should,
        } => {
            let mut must = Vec::new();
            let mut should = Vec::new();
            let mut must_not = Vec::new();
            for (occur, p) in clauses {
                let q = query(p, name);
                match occur {
                    Occur::Must => must.push(q),
                    Occur::Should => should.push(q),
                    Occur::MustNot => must_not.push(q),
                }
            }
            let mut b = serde_json::Map::new();
            if !must.is_empty() {
                b.insert("must".into(), Value::Array(must));
            }
            if !should.is_empty() {
                // tantivy: without must clauses one should clause must
                // match, with them none need to; OpenSearch alike, but a
                // bool of must_not clauses alone matches everything else.
                let min = if *min_should > 0 {
                    *min_should
                } else if b.contains_key("must") {
                    0
                } else {
                    1
                };
                b.insert("should".into(), Value::Array(should));
                if min > 0 {
                    b.insert("minimum_should_match".into(), json!(min));
                }
            }
            if !must_not.is_empty() {
                b.insert("must_not".into(), Value::Array(must_not));
            }
            json!({ "bool": b })
        }
        Plan::Boost(p, factor) => json!({ "bool": { "must": [query(p, name)], "boost": factor } }),
        Plan::Filter(p) => json!({ "bool": { "filter": [query(p, name)] } }),
        Plan::Days { field, from, to } => {
            let mut r = serde_json::Map::new();
            if let Some(d) = from {
                r.insert("gte".into(), json!(d));
            }
            if let Some(d) = to {
                r.insert("lte".into(), json!(d));
            }
            json!({ "range": { name(*field): r } })
        }
        Plan::All => json!({ "match_all": {} }),
        Plan::Nothing => json!({ "match_none": {} }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(f: Field) -> String {
        ["text", "program_facet", "date"][f.field_id() as usize].to_string()
    }

    const TEXT: Field = Field::from_field_id(0);
    const PROGRAM: Field = Field::from_field_id(1);
    const DATE: Field = Field::from_field_id(2);

    #[test]
    fn a_search_for_selenskyj_rohstoffe_in_deutschlandfunk() {
        let plan = Plan::bool(vec![
            (
                Occur::Must,
                Plan::any(vec![
                    Plan::term(TEXT, "selenskyj"),
                    Plan::term(TEXT, "rohstoff").boost(0.5),
                ]),
            ),
            (
                Occur::Must,
                Plan::Keyword {
                    field: PROGRAM,
                    value: "Deutschlandfunk".into(),
                }
                .filter(),
            ),
            (
                Occur::Must,
                Plan::Days {
                    field: DATE,
                    from: Some(20_120),
                    to: None,
                }
                .filter(),
            ),
        ]);
        assert_eq!(
            query(&plan, &names),
            json!({ "bool": { "must": [
                { "bool": {
                    "should": [
                        { "term": { "text": { "value": "selenskyj" } } },
                        { "bool": { "must": [{ "term": { "text": { "value": "rohstoff" } } }], "boost": 0.5 } },
                    ],
                    "minimum_should_match": 1,
                }},
                { "bool": { "filter": [{ "term": { "program_facet": { "value": "Deutschlandfunk" } } }] } },
                { "bool": { "filter": [{ "range": { "date": { "gte": 20_120 } } }] } },
            ]}})
        );
    }

    #[test]
    fn phrases_keep_their_gaps_as_slop() {
        // "Verhandlungen über den Frieden": two stopwords between.
        let plan = Plan::Phrase {
            field: TEXT,
            terms: vec![(0, "verhandlung".into()), (3, "fried".into())],
            slop: 0,
        };
        assert_eq!(
            query(&plan, &names),
            json!({ "span_near": {
                "clauses": [{ "span_term": { "text": "verhandlung" } }, { "span_term": { "text": "fried" } }],
                "slop": 2,
                "in_order": true,
            }})
        );
    }

    #[test]
    fn exclusions_and_a_share_of_words() {
        let plan = Plan::Bool {
            clauses: vec![
                (Occur::Should, Plan::term(TEXT, "zoll")),
                (Occur::Should, Plan::term(TEXT, "handel")),
                (Occur::Should, Plan::term(TEXT, "usa")),
                (Occur::MustNot, Plan::term(TEXT, "china")),
            ],
            min_should: 2,
        };
        let q = query(&plan, &names);
        assert_eq!(q["bool"]["minimum_should_match"], 2);
        assert_eq!(q["bool"]["must_not"][0]["term"]["text"]["value"], "china");
        assert_eq!(q["bool"]["should"].as_array().unwrap().len(), 3);
    }
}
