//! The peer comparison (issue 24): runs `tools/peers.py` with this build's
//! binary, which generates the traces, builds the simcore peer with its own
//! target directory, installs SimPy if missing, and prints the ratios.
//!
//! Run: `cargo bench --bench peers` (arguments after `--` go to the script,
//! e.g. `-- --runs 3 --no-simpy`).

fn main() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let status = std::process::Command::new("python3")
        .arg(root.join("tools/peers.py"))
        .arg("--bin")
        .arg(env!("CARGO_BIN_EXE_fargate-sim"))
        .args(&args)
        .status();
    match status {
        Ok(s) if s.success() => {}
        Ok(s) => {
            eprintln!("tools/peers.py failed: {s}");
            std::process::exit(1);
        }
        Err(e) => {
            eprintln!("cannot run python3 tools/peers.py: {e}");
            std::process::exit(1);
        }
    }
}
