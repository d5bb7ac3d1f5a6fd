//! A platform's kind as the comparison tables print it, in the terminal and
//! in report.html alike.

use super::summary::PlatformSummary;

/// A platform's kind as the tables print it (terminal and report.html):
/// on demand is the default, said once in the note under the table; a
/// function platform is named by its profile; a strategy over FARGATE and
/// FARGATE_SPOT is a "mix" (its shares are listed under the table).
pub fn kind_label(p: &PlatformSummary) -> String {
    match (p.kind.as_str(), p.options.get("capacity")) {
        ("function", _) => p
            .options
            .get("profile")
            .map_or_else(|| p.kind.clone(), String::clone),
        (_, None) => p.kind.clone(),
        (_, Some(c)) if c == "on_demand" => p.kind.clone(),
        (kind, _) if p.capacity_providers.len() > 1 => format!("{kind} mix"),
        (kind, Some(c)) => format!("{kind} {c}"),
    }
}
