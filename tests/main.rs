//! The one integration-test crate. Each module covers one area; `common` has shared helpers.
//! Real-data tests read `../shared/data` (or `$LNROUTE_DATA_DIR`); they skip when it is absent
//! unless `LNROUTE_REQUIRE_DATA=1`, which makes them fail instead (CI sets it).

mod bad_input;
mod common;
mod flow;
mod graph_file;
mod ingest_json;
mod ingest_signed;
mod ldk;
mod router;
mod router_real;
mod simulate;
mod spec_check;
