//! Parallel batch routing: answers in input order, one [`SearchState`] per worker thread.

use std::cell::RefCell;

use rayon::prelude::*;

use super::{Answer, Query, Router, SearchState};

thread_local! {
    static STATE: RefCell<SearchState> = RefCell::new(SearchState::new());
}

/// Runs `f` with this thread's reusable search state.
pub fn with_state<T>(f: impl FnOnce(&mut SearchState) -> T) -> T {
    STATE.with(|s| f(&mut s.borrow_mut()))
}

/// Answers `queries` in parallel on the current rayon pool; the result is in input order.
pub fn route_batch(router: &Router, queries: &[Query]) -> Vec<Answer> {
    queries
        .par_iter()
        .map(|q| with_state(|st| router.route(q, st)))
        .collect()
}

/// Parses one JSONL line into a query; a bad line becomes an `error` answer carrying the
/// line's `id` when one can be read.
#[allow(clippy::result_large_err)] // the error is the answer to write, not propagated further
pub fn parse_query_line(line: &str) -> Result<Query, Answer> {
    let v: serde_json::Value =
        serde_json::from_str(line).map_err(|e| Answer::error(None, format!("bad JSON: {e}")))?;
    let id = v.get("id").cloned();
    serde_json::from_value::<Query>(v).map_err(|e| Answer::error(id, format!("bad query: {e}")))
}
