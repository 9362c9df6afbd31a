//! Prints the area summary's facts query as psql can run it, with the parameters the service
//! binds, so that `scripts/bench-summary.sh` can time PostgreSQL alone on the very statement:
//!
//!     cargo run --example summary_facts_sql -- benchtown [LIST_LIMIT] | psql …

use plotline::db::analytics::facts_query;
use plotline::domain::summary::{failing_combinations, uncertified_combinations};
use plotline::domain::transit::{
    BRT_STOP_RADIUS_M, CYCLE_SUPERHIGHWAY_RADIUS_M, LARGE_OFFICE_FLOOR_AREA_M2,
    STATION_NEAR_RADIUS_M,
};

/// A text literal for SQL.
fn text(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

fn text_array(items: &[String]) -> String {
    let items: Vec<String> = items.iter().map(|s| text(s)).collect();
    format!("ARRAY[{}]::text[]", items.join(", "))
}

fn main() {
    let mut args = std::env::args().skip(1);
    let slug = args.next().unwrap_or_else(|| "kildedal".into());
    let list_limit: u32 = args.next().and_then(|n| n.parse().ok()).unwrap_or(100);
    println!(
        "PREPARE summary_facts(text, timestamptz, float8, float8, float8, float8, bigint, text[], text[], bigint) AS\n{};",
        facts_query(false).trim_end()
    );
    println!(
        "EXECUTE summary_facts({}, NULL, {BRT_STOP_RADIUS_M}, {STATION_NEAR_RADIUS_M}, {CYCLE_SUPERHIGHWAY_RADIUS_M}, {LARGE_OFFICE_FLOOR_AREA_M2}, {list_limit}, {}, {}, NULL);",
        text(&slug),
        text_array(&failing_combinations()),
        text_array(&uncertified_combinations()),
    );
}
