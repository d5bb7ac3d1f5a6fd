//! `fargate-sim new --from EXPORT`: a scenario that replays an account's
//! own export (ECS tasks or Kubernetes pods) on the platforms the tasks ran
//! on (the baseline, first) and on the alternatives (Fargate, Fargate Spot
//! where allowed, an ECS cluster with managed scaling, EKS with Karpenter),
//! with the start-up calibrated from the same export.

use super::calibrate::{LaunchFit, calibrate, keys, read_export, skipped_text};
use super::new::relative_to;
use crate::Error;
use crate::io::files::write_atomic;
use crate::pricing::catalog::Catalog;
use crate::workload::formats::lifecycle::{Export, Launch};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// General-purpose types, smallest first: the ECS cluster takes the first
/// that holds the largest task twice over.
const ECS_TYPES: [&str; 4] = ["m5.large", "m5.xlarge", "m5.2xlarge", "m5.4xlarge"];

/// Types Karpenter may choose among (those in the catalog are kept).
const KARPENTER_TYPES: [&str; 9] = [
    "m5.large",
    "m5.xlarge",
    "m5.2xlarge",
    "m5.4xlarge",
    "c5.xlarge",
    "c5.2xlarge",
    "r5.large",
    "r5.xlarge",
    "r5.2xlarge",
];

/// Writes the scenario to `file` (replacing it only with `force`).
pub fn new_from(
    file: &Path,
    export_path: &Path,
    nodes: Option<&Path>,
    usage: Option<&Path>,
    force: bool,
) -> Result<String, Error> {
    if file.is_dir() {
        return Err(Error::BadInput(format!(
            "{} is a folder; name the scenario file to write, such as {}",
            file.display(),
            file.join("scenario.toml").display()
        )));
    }
    if file.exists() && !force {
        return Err(Error::BadInput(format!(
            "{} exists; choose another name or add --force to replace it",
            file.display()
        )));
    }
    let (export, skipped) = read_export(export_path, nodes, false)?;
    let fits = calibrate(&export);
    // The usage file is read now, so a bad one fails here rather than at
    // the first run, and the message says how many tasks it covers.
    let usage_said = match usage {
        None => None,
        Some(u) => {
            let perf = crate::workload::formats::container_insights::read(
                u,
                export.pods,
                crate::workload::formats::OnBadRow::Error,
                &Default::default(),
            )
            .map_err(|e| {
                Error::BadInput(format!(
                    "--usage {}: {e} (--usage takes the Container Insights performance events as JSON lines: README, \"What the tasks used, for right-sizing\")",
                    u.display()
                ))
            })?;
            let matched = export
                .lives
                .iter()
                .filter(|l| perf.usage.contains_key(&l.id))
                .count();
            Some((u, matched))
        }
    };
    let base = file
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map(|p| p.to_path_buf())
        .unwrap_or_else(|| PathBuf::from("."));
    let rel = relative_to(export_path, &base);
    let name = file
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "scenario".into());
    let usage_rel = usage_said.map(|(u, _)| {
        relative_to(u, &base)
            .display()
            .to_string()
            .replace('\\', "/")
    });
    let text = scenario_text(
        &name,
        &rel.display().to_string().replace('\\', "/"),
        &export,
        &fits,
        skipped.total() > 0,
        usage_rel.as_deref(),
        &Catalog::builtin(),
    );
    write_atomic(file, text.as_bytes())?;
    let what = if export.pods { "pods" } else { "tasks" };
    Ok(format!(
        "wrote {} from {} ({} {what}{}{}); run it with `fargate-sim run {}`\n",
        file.display(),
        export_path.display(),
        export.lives.len(),
        skipped_text(&skipped),
        match usage_said {
            None => String::new(),
            Some((u, n)) => format!(
                "; usage for {n} of them from {}, with a right-sized Fargate alternative",
                u.display()
            ),
        },
        file.display()
    ))
}

/// One `[[platforms]]` block.
fn block(out: &mut String, comment: &str, lines: &[String]) {
    let _ = writeln!(out, "\n# {comment}\n[[platforms]]");
    for l in lines {
        let _ = writeln!(out, "{l}");
    }
}

/// The scenario's text.
pub fn scenario_text(
    name: &str,
    trace: &str,
    export: &Export,
    fits: &[LaunchFit],
    skip_bad: bool,
    usage: Option<&str>,
    catalog: &Catalog,
) -> String {
    let what = if export.pods { "pods" } else { "tasks" };
    let format = if export.pods {
        "kubernetes-pods"
    } else {
        "ecs-tasks"
    };
    let mut counts: BTreeMap<Launch, usize> = BTreeMap::new();
    for l in &export.lives {
        *counts.entry(l.launch.clone()).or_default() += 1;
    }
    let fit_of = |pred: &dyn Fn(&Launch) -> bool| -> Option<&LaunchFit> {
        fits.iter()
            .filter(|f| pred(&f.launch))
            .max_by_key(|f| f.tasks)
    };
    let windows = export.lives.iter().filter(|l| l.windows).count() * 2 > export.lives.len();
    let (max_cpu, max_mem) = export.lives.iter().fold((0u32, 0u32), |(c, m), l| {
        (c.max(l.cpu_milli), m.max(l.memory_mib))
    });
    let fargate_fit = fit_of(&|l| l.is_fargate());
    let ec2_fit = fit_of(&|l| !l.is_fargate());
    let fargate_startup = fargate_fit.and_then(keys).map(|k| {
        format!(
            "{k}   # measured on {} {what} ({})",
            fargate_fit.map_or(0, |f| f.tasks),
            fargate_fit.map_or(String::new(), |f| f.launch.name())
        )
    });
    let ec2_startup = ec2_fit.and_then(keys).map(|k| {
        format!(
            "{k}   # measured on {} {what} ({})",
            ec2_fit.map_or(0, |f| f.tasks),
            ec2_fit.map_or(String::new(), |f| f.launch.name())
        )
    });
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# Replays {trace}: {} {what} from {} to {} (UTC){}.",
        export.lives.len(),
        crate::workload::formats::json_export::format_utc(export.start()),
        crate::workload::formats::json_export::format_utc(export.end),
        match export.still_running() {
            0 => String::new(),
            n => format!("; {n} still running at its end, cut there"),
        }
    );
    let _ = writeln!(
        out,
        "# The first platform(s), `baseline-…`, are where the {what} ran; the others\n# are the alternatives. Start-up is calibrated from the same export\n# (`fargate-sim calibrate {trace}` shows the fits and their Q-Q charts).\n# Run it with `fargate-sim run {name}.toml`."
    );
    let _ = writeln!(
        out,
        "name = \"{name}\"\ndescription = \"What the {what} of {trace} cost where they ran, and would cost elsewhere\"\nseed = 1\n\n[workload]\ntrace = \"{trace}\"\nformat = \"{format}\""
    );
    if let Some(u) = usage {
        let _ = writeln!(
            out,
            "# The {what}' usage (Container Insights performance events), for right-sizing:\nusage = \"{u}\""
        );
    }
    if skip_bad {
        let _ = writeln!(
            out,
            "# Some records cannot be replayed (see `fargate-sim trace inspect {trace}`):\non_bad_row = \"skip\""
        );
    }
    let fargate_lines = |plat: &str, spot: bool| -> Vec<String> {
        let mut v = vec![format!("name = \"{plat}\""), "kind = \"fargate\"".into()];
        if export.pods {
            v.push("launch_type = \"eks\"".into());
        }
        if windows && !export.pods {
            v.push("os = \"windows\"".into());
        }
        if spot {
            v.push("capacity = \"spot\"".into());
        }
        match &fargate_startup {
            Some(s) => v.push(s.clone()),
            None => v.push(format!(
                "# no {what} ran on Fargate in the export: the default start-up (data/defaults.toml)"
            )),
        }
        v
    };
    let container_start = |v: &mut Vec<String>| {
        match &ec2_startup {
        Some(s) => v.push(s.clone()),
        None => v.push(format!(
            "# no {what} ran on instances in the export: the default container start (data/defaults.toml)"
        )),
    }
    };
    let ecs_type = ECS_TYPES
        .iter()
        .find(|t| {
            catalog.instance_type(t).is_ok_and(|it| {
                it.cpu_milli >= max_cpu.saturating_mul(2)
                    && it.memory_mib >= max_mem.saturating_mul(2)
            })
        })
        .copied()
        .unwrap_or("m5.4xlarge");
    let karpenter: Vec<String> = KARPENTER_TYPES
        .iter()
        .filter(|t| catalog.instance_type(t).is_ok())
        .map(|t| format!("\"{t}\""))
        .collect();
    // The baseline: every launch type the export used, most used first.
    let mut launches: Vec<(&Launch, &usize)> = counts.iter().collect();
    launches.sort_by(|a, b| b.1.cmp(a.1).then_with(|| a.0.cmp(b.0)));
    let total = export.lives.len();
    let mut have = std::collections::BTreeSet::new();
    for (launch, n) in &launches {
        let said = format!(
            "Baseline: {n} of the {total} {what} ran on {} (each platform replays all of them).",
            launch.name()
        );
        match launch {
            Launch::Fargate | Launch::EksFargate => {
                have.insert("fargate");
                block(&mut out, &said, &fargate_lines("baseline-fargate", false));
            }
            Launch::FargateSpot => {
                have.insert("fargate-spot");
                block(
                    &mut out,
                    &said,
                    &fargate_lines("baseline-fargate-spot", true),
                );
            }
            Launch::Ec2 => {
                have.insert("ecs");
                let mut v = vec![
                    "name = \"baseline-ecs-ec2\"".to_string(),
                    "kind = \"ec2\"".into(),
                    "# An ECS task export does not name the instance type; set your cluster's."
                        .into(),
                    format!("instance_types = [\"{ecs_type}\"]"),
                    "autoscaler = \"ecs_managed\"".into(),
                ];
                container_start(&mut v);
                block(&mut out, &said, &v);
            }
            Launch::EksNode(_) => {
                if !have.insert("eks") {
                    continue;
                }
                let mut types: Vec<String> = counts
                    .keys()
                    .filter_map(|l| match l {
                        Launch::EksNode(Some(t)) if catalog.instance_type(t).is_ok() => {
                            Some(format!("\"{t}\""))
                        }
                        _ => None,
                    })
                    .collect();
                let mut v = vec![
                    "name = \"baseline-eks-nodes\"".to_string(),
                    "kind = \"ec2\"".into(),
                    "orchestrator = \"eks\"".into(),
                ];
                if types.is_empty() {
                    v.push("# The nodes' instance types are unknown here (give --nodes with `kubectl get nodes -o json`, or set yours).".into());
                    types = karpenter.clone();
                }
                v.push(format!("instance_types = [{}]", types.join(", ")));
                v.push("autoscaler = \"karpenter\"".into());
                container_start(&mut v);
                let said = format!(
                    "Baseline: {} of the {total} {what} ran on EKS nodes (each platform replays all of them).",
                    counts
                        .iter()
                        .filter(|(l, _)| matches!(l, Launch::EksNode(_)))
                        .map(|(_, n)| n)
                        .sum::<usize>()
                );
                block(&mut out, &said, &v);
            }
            Launch::OtherEcs(kind) => {
                let _ = writeln!(
                    out,
                    "\n# {n} {what} ran on {kind}, which the simulator has no model of; they are replayed on the platforms below."
                );
            }
        }
    }
    if !have.contains("fargate") {
        block(
            &mut out,
            "Alternative: Fargate on demand.",
            &fargate_lines("fargate", false),
        );
    }
    if !have.contains("fargate-spot") {
        if export.pods {
            let _ = writeln!(
                out,
                "\n# No Fargate Spot alternative: EKS pods cannot run on Fargate Spot."
            );
        } else if windows {
            let _ = writeln!(
                out,
                "\n# No Fargate Spot alternative: Fargate Spot runs Linux tasks only."
            );
        } else {
            block(
                &mut out,
                "Alternative: Fargate Spot (interruptions with a 2-minute notice; retried).",
                &fargate_lines("fargate-spot", true),
            );
        }
    }
    if !have.contains("ecs") {
        let mut v = vec![
            "name = \"ecs-managed\"".to_string(),
            "kind = \"ec2\"".into(),
            format!("instance_types = [\"{ecs_type}\"]   # holds the largest task twice over"),
            "autoscaler = \"ecs_managed\"".into(),
        ];
        container_start(&mut v);
        block(
            &mut out,
            "Alternative: an ECS cluster of EC2 instances with managed scaling.",
            &v,
        );
    }
    if !have.contains("eks") {
        let mut v = vec![
            "name = \"eks-karpenter\"".to_string(),
            "kind = \"ec2\"".into(),
            "orchestrator = \"eks\"".into(),
            format!("instance_types = [{}]", karpenter.join(", ")),
            "autoscaler = \"karpenter\"".into(),
        ];
        container_start(&mut v);
        block(
            &mut out,
            "Alternative: EKS with Karpenter choosing among general, compute and memory types.",
            &v,
        );
    }
    if usage.is_some() {
        let mut v = fargate_lines("fargate-rightsized", false);
        v.push(format!("# The {what} with usage sized per group as a recommender would (VPA's defaults): CPU at the p90 of the group's average use, memory at the p90 of its peaks, + 15 %; the others as they asked. `fargate-sim rightsize RUN_DIR` prints the sizes:"));
        v.push("rightsizing = \"usage\"".into());
        block(
            &mut out,
            "Alternative: Fargate with each task group right-sized from its measured usage.",
            &v,
        );
    }
    out
}
