//! The subcommands called from the library, without the binary: each prints
//! what the binary prints, and fails with the error the binary renders.

use crate::common::bin;
use fargate_sim::commands;
use fargate_sim::pricing::listing::Section;
use fargate_sim::scenario::LoadOptions;
use std::path::Path;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn validate_describes_a_scenario_as_the_binary_prints_it() {
    let path = root().join("scenarios/daily-peak.toml");
    let text = commands::check::validate(&path, &LoadOptions::default()).unwrap();
    assert!(text.starts_with("scenario `"), "{text}");
    assert!(text.contains("\nplatform `"), "{text}");
    let (code, stdout, _) = bin(&["validate", path.to_str().unwrap()], root());
    assert_eq!(code, 0);
    assert_eq!(text, stdout);
}

#[test]
fn validate_fails_on_a_missing_file_with_the_bad_input_code() {
    let e = commands::check::validate(Path::new("/no/such/scenario.toml"), &LoadOptions::default())
        .unwrap_err();
    assert_eq!(e.exit_code(), 2);
    assert!(e.to_string().contains("/no/such/scenario.toml"), "{e}");
}

#[test]
fn prices_list_the_catalog_and_reject_an_unknown_region() {
    // The table wraps to a terminal's width, so this checks content, not bytes.
    let text = commands::prices::list(
        Section::Fargate,
        Some("us-east-1"),
        None,
        commands::Format::Table,
    )
    .unwrap();
    assert!(text.contains("us-east-1"), "{text}");
    assert!(!text.contains("eu-west-1"), "{text}");
    let e = commands::prices::list(
        Section::All,
        Some("mars-north-1"),
        None,
        commands::Format::Table,
    )
    .unwrap_err();
    assert_eq!(e.exit_code(), 2);
    assert!(e.to_string().contains("--region mars-north-1"), "{e}");
}

#[test]
fn new_writes_a_starter_that_validates() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("starter.toml");
    let said = commands::new::new(&file, None, false).unwrap();
    assert!(said.starts_with("wrote "), "{said}");
    commands::check::validate(&file, &LoadOptions::default()).unwrap();
    // A second time without --force refuses to replace it.
    assert_eq!(
        commands::new::new(&file, None, false)
            .unwrap_err()
            .exit_code(),
        2
    );
}

#[test]
fn relative_to_walks_up_to_the_common_folder() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a/x"), dir.path().join("b"));
    std::fs::create_dir_all(&a).unwrap();
    std::fs::create_dir_all(&b).unwrap();
    let trace = a.join("t.csv");
    std::fs::write(&trace, "").unwrap();
    assert_eq!(
        commands::new::relative_to(&trace, &b),
        Path::new("../a/x/t.csv")
    );
}
