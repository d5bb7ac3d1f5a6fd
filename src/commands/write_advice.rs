//! What to do when a subcommand cannot write its files, naming only what
//! that subcommand accepts: `commit` and `report` write into the run's own
//! folder and take no `--out`, so telling them to "choose a place" (or to
//! use `--out`) leaves the user stuck.

/// Every subcommand that writes files, as typed, for the tests that check
/// each advice against the subcommand's `--help`.
pub const WRITERS: [&str; 11] = [
    "run",
    "sweep",
    "merge",
    "batch",
    "breakeven",
    "calibrate",
    "commit",
    "report",
    "new",
    "prices import",
    "trace convert",
];

/// The advice after a write failure's reason (a read-only folder, no
/// permission) for `command`, its name as typed (`run`, `trace convert`);
/// None for a command with nothing better than the generic advice.
pub fn advice(command: &str) -> Option<&'static str> {
    Some(match command {
        "run" | "sweep" | "merge" | "batch" | "breakeven" | "calibrate" => {
            "choose a folder you can write to with --out DIR"
        }
        "commit" => {
            "`commit` writes into the run's folder: copy the folder to a place you can write to (cp -r RUN_DIR COPY) and run `fargate-sim commit COPY`"
        }
        "report" => {
            "`report` writes into the run's folder: copy the folder to a place you can write to (cp -r RUN_DIR COPY) and run `fargate-sim report COPY`"
        }
        "new" => "name a file in a folder you can write to, such as `fargate-sim new ~/my.toml`",
        "prices import" => "choose a file you can write to with --out FILE",
        "trace convert" => "choose a file you can write to with --to OUT",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_writer_has_advice() {
        for c in WRITERS {
            assert!(advice(c).is_some(), "{c}");
        }
        assert_eq!(advice("explain"), None);
    }
}
