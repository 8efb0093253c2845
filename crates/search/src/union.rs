//! A disjunction of a few clauses that scores like a `BooleanQuery` of `Should` clauses (the sum
//! of the scores of the clauses that match) but seeks cheaply.
//!
//! tantivy's buffered union refills a window of 4,096 documents from every clause when it is
//! sought past its window, which is what an intersection does to its non-leading clauses. The
//! compound parts and the words of multi-word synonyms are intersections of such unions; with
//! this union a seek only seeks the clauses. Meant for a handful of clauses (each step looks at
//! all of them).

use tantivy::query::{EmptyScorer, EnableScoring, Explanation, Query, Scorer, Weight};
use tantivy::schema::Term;
use tantivy::{DocId, DocSet, Score, SegmentReader, TERMINATED};

#[derive(Debug)]
pub(crate) struct SmallUnion {
    clauses: Vec<Box<dyn Query>>,
}

impl Clone for SmallUnion {
    fn clone(&self) -> Self {
        Self {
            clauses: self.clauses.iter().map(|c| c.box_clone()).collect(),
        }
    }
}

impl SmallUnion {
    pub(crate) fn new(clauses: Vec<Box<dyn Query>>) -> Self {
        Self { clauses }
    }
}

impl Query for SmallUnion {
    fn weight(&self, enable_scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        let weights = self
            .clauses
            .iter()
            .map(|c| c.weight(enable_scoring))
            .collect::<tantivy::Result<Vec<_>>>()?;
        Ok(Box::new(SmallUnionWeight { weights }))
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a Term, bool)) {
        for clause in &self.clauses {
            clause.query_terms(visitor);
        }
    }
}

struct SmallUnionWeight {
    weights: Vec<Box<dyn Weight>>,
}

impl Weight for SmallUnionWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        let mut scorers = Vec::with_capacity(self.weights.len());
        for weight in &self.weights {
            let scorer = weight.scorer(reader, boost)?;
            if scorer.doc() != TERMINATED {
                scorers.push(scorer);
            }
        }
        Ok(match scorers.len() {
            0 => Box::new(EmptyScorer),
            1 => scorers.remove(0),
            _ => {
                let mut union = SmallUnionScorer { scorers, doc: 0 };
                union.doc = union.min_doc();
                Box::new(union)
            }
        })
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        let mut scorer = self.scorer(reader, 1.0)?;
        if scorer.seek(doc) != doc {
            return Err(tantivy::TantivyError::InvalidArgument(format!(
                "document {doc} does not match"
            )));
        }
        let mut explanation = Explanation::new("sum of the matching clauses", scorer.score());
        for weight in &self.weights {
            if let Ok(child) = weight.explain(reader, doc) {
                explanation.add_detail(child);
            }
        }
        Ok(explanation)
    }
}

struct SmallUnionScorer {
    scorers: Vec<Box<dyn Scorer>>,
    doc: DocId,
}

impl SmallUnionScorer {
    fn min_doc(&self) -> DocId {
        self.scorers
            .iter()
            .map(|s| s.doc())
            .min()
            .unwrap_or(TERMINATED)
    }
}

impl DocSet for SmallUnionScorer {
    fn advance(&mut self) -> DocId {
        if self.doc == TERMINATED {
            return TERMINATED;
        }
        let current = self.doc;
        for scorer in &mut self.scorers {
            if scorer.doc() == current {
                scorer.advance();
            }
        }
        self.doc = self.min_doc();
        self.doc
    }

    fn seek(&mut self, target: DocId) -> DocId {
        if self.doc >= target {
            return self.doc;
        }
        for scorer in &mut self.scorers {
            if scorer.doc() < target {
                scorer.seek(target);
            }
        }
        self.doc = self.min_doc();
        self.doc
    }

    fn doc(&self) -> DocId {
        self.doc
    }

    fn size_hint(&self) -> u32 {
        self.scorers
            .iter()
            .map(|s| s.size_hint())
            .fold(0u32, u32::saturating_add)
    }

    fn cost(&self) -> u64 {
        self.scorers.iter().map(|s| s.cost()).sum()
    }
}

impl Scorer for SmallUnionScorer {
    fn score(&mut self) -> Score {
        let doc = self.doc;
        self.scorers
            .iter_mut()
            .filter(|s| s.doc() == doc)
            .map(|s| s.score())
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tantivy::collector::TopDocs;
    use tantivy::query::{BooleanQuery, Occur, TermQuery};
    use tantivy::schema::{IndexRecordOption, Schema, TEXT};
    use tantivy::{Index, IndexWriter, TantivyDocument, doc};

    /// Same matches and the same scores as a boolean query of `Should` clauses, also inside an
    /// intersection (where it is sought).
    #[test]
    fn scores_like_a_boolean_disjunction() {
        let mut builder = Schema::builder();
        let a = builder.add_text_field("a", TEXT);
        let b = builder.add_text_field("b", TEXT);
        let index = Index::create_in_ram(builder.build());
        let mut writer: IndexWriter = index.writer_with_num_threads(1, 15_000_000).unwrap();
        for i in 0..3000u32 {
            let mut document = TantivyDocument::default();
            let words = |n: u32| {
                let mut s = String::new();
                for (k, w) in ["kieli", "kahvila", "kerho", "ryhmä"].iter().enumerate() {
                    if (n / (k as u32 + 1)).is_multiple_of(k as u32 + 2) {
                        s.push_str(w);
                        s.push(' ');
                    }
                }
                s
            };
            document.add_text(a, words(i));
            document.add_text(b, words(i * 7 + 3));
            writer.add_document(document).unwrap();
        }
        writer.add_document(doc!(a => "kahvila")).unwrap();
        writer.commit().unwrap();
        let searcher = index.reader().unwrap().searcher();
        let term = |f, w: &str| -> Box<dyn Query> {
            Box::new(TermQuery::new(
                Term::from_field_text(f, w),
                IndexRecordOption::WithFreqs,
            ))
        };
        let part = |w: &str, small: bool| -> Box<dyn Query> {
            if small {
                Box::new(SmallUnion::new(vec![term(a, w), term(b, w)]))
            } else {
                Box::new(BooleanQuery::new(vec![
                    (Occur::Should, term(a, w)),
                    (Occur::Should, term(b, w)),
                ]))
            }
        };
        let run = |small: bool| {
            let query = BooleanQuery::new(vec![
                (Occur::Must, part("kieli", small)),
                (Occur::Must, part("kahvila", small)),
                (Occur::Should, part("kerho", small)),
            ]);
            searcher
                .search(&query, &TopDocs::with_limit(5000).order_by_score())
                .unwrap()
        };
        let (mut plain, mut small) = (run(false), run(true));
        plain.sort_by_key(|(_, d)| *d);
        small.sort_by_key(|(_, d)| *d);
        assert!(!plain.is_empty());
        assert_eq!(plain.len(), small.len());
        for ((s1, d1), (s2, d2)) in plain.iter().zip(&small) {
            assert_eq!(d1, d2);
            assert!((s1 - s2).abs() < 1e-4);
        }
    }
}
