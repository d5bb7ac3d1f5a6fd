//! The validation suite (src/selfcheck.rs) as a test: every check passes.
//! `fargate-sim validate --self-check` prints the same table.

use std::path::Path;

#[test]
fn every_validation_check_passes() {
    let scenarios = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let checks = fargate_sim::selfcheck::run_all(Some(&scenarios)).unwrap();
    let table = fargate_sim::selfcheck::render(&checks);
    eprintln!("{table}");
    assert!(checks.iter().all(|c| c.passed), "{table}");
    let groups: Vec<&str> = checks.iter().map(|c| c.group).collect();
    for g in ["billing", "queueing", "scaling", "invariants"] {
        assert!(groups.contains(&g), "no {g} check");
    }
}
