//! `fargate-sim completions SHELL`: the shell's completion script.
//!
//! clap_complete's bash script names a command with a hyphen in two ways,
//! `fargate__sim` where it records the subcommand typed and
//! `fargate__subcmd__sim` where it looks up that subcommand's options, so
//! bash never completed a subcommand's options (clap-rs/clap issue 6421).
//! The script is mended here until clap_complete is.

use clap_complete::Shell;

/// The completion script for `shell`, for the command `cmd`.
pub fn script(shell: Shell, cmd: &mut clap::Command) -> String {
    let mut out = Vec::new();
    clap_complete::generate(shell, cmd, "fargate-sim", &mut out);
    let text = String::from_utf8_lossy(&out).into_owned();
    match shell {
        Shell::Bash => mend_bash(&text),
        _ => text,
    }
}

/// Gives the option lookups the name the subcommand tracking uses.
pub fn mend_bash(script: &str) -> String {
    script.replace("fargate__subcmd__sim", "fargate__sim")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bash_lookups_use_the_tracked_name() {
        let broken =
            "cmd=\"fargate__sim__subcmd__run\"\n        fargate__subcmd__sim__subcmd__run)\n";
        let mended = mend_bash(broken);
        assert_eq!(mended.matches("fargate__sim__subcmd__run").count(), 2);
        assert!(!mended.contains("fargate__subcmd__sim"));
    }
}
