//! Trace adapters against real trace samples (expected counts computed
//! independently of the adapters, from the files), and against small
//! fixtures written by hand from the published schemas where no sample
//! exists (said at each test). Also: bad-row policies, ordering, windows,
//! sampling, time scaling, gzip and CRLF, and `trace convert`.
//!
//! Each sample test runs twice: `_excerpt` on the excerpts shipped in
//! tests/data/traces (always), `_full` on the full samples when they are
//! present (see `common::full_traces`; skipped with a line on stderr
//! otherwise). The expected numbers of each were counted from its files with
//! awk, python and zcat, not with this tool.

use crate::common::{Case, bin, excerpt_traces, full_traces};
use fargate_sim::scenario::{LoadOptions, load_str};
use fargate_sim::workload::Task;
use std::collections::BTreeMap;
use std::path::Path;

/// Reads a case's whole workload: (tasks, skipped rows by reason, notes).
fn read(case: &Case, overrides: &[&str]) -> (Vec<Task>, BTreeMap<String, u64>, Vec<String>) {
    let options = LoadOptions {
        overrides: overrides.iter().map(|s| s.to_string()).collect(),
        ..Default::default()
    };
    let (scenario, _) =
        load_str(&case.text, &case.path, &options).unwrap_or_else(|e| panic!("{e}"));
    let (notes, stream, skipped) = scenario.workload.open_counted(scenario.seed).unwrap();
    let tasks: Vec<Task> = stream
        .collect::<Result<_, _>>()
        .unwrap_or_else(|e| panic!("{e}"));
    (tasks, skipped.counts(), notes)
}

fn read_err(case: &Case, overrides: &[&str]) -> String {
    let options = LoadOptions {
        overrides: overrides.iter().map(|s| s.to_string()).collect(),
        ..Default::default()
    };
    let (scenario, _) = match load_str(&case.text, &case.path, &options) {
        Ok(s) => s,
        Err(e) => return e.to_string(),
    };
    let (_, stream, _) = match scenario.workload.open_counted(scenario.seed) {
        Ok(s) => s,
        Err(e) => return e.to_string(),
    };
    match stream.collect::<Result<Vec<_>, _>>() {
        Ok(v) => panic!("expected an error, read {} tasks", v.len()),
        Err(e) => e.to_string(),
    }
}

fn scenario_for(trace: &Path, extra: &str) -> String {
    format!(
        "name = \"t\"\n[workload]\ntrace = {:?}\n{extra}\n[[platforms]]\nname = \"f\"\nkind = \"fargate\"\n",
        trace.to_string_lossy()
    )
}

fn sorted(tasks: &[Task]) -> bool {
    tasks.windows(2).all(|w| w[0].submit <= w[1].submit)
}

#[test]
fn swf_nasa_ipsc_log_excerpt() {
    // The first 1,000 jobs after the 32 comment lines, gzipped again.
    swf_nasa_ipsc_log(&excerpt_traces(), 1_000);
}

#[test]
fn swf_nasa_ipsc_log_full() {
    if let Some(root) = full_traces("traces::swf_nasa_ipsc_log_full") {
        // 18,239 jobs after 32 comment lines.
        swf_nasa_ipsc_log(&root, 18_239);
    }
}

/// The NASA iPSC log holding `jobs` jobs, none with a -1 run time.
fn swf_nasa_ipsc_log(root: &Path, jobs: usize) {
    let path = root.join("swf-nasa-ipsc/NASA-iPSC-1993-3.1-cln.swf.gz");
    let case = Case::new(&scenario_for(&path, ""), None);
    let (tasks, skipped, _) = read(&case, &[]);
    assert_eq!(tasks.len(), jobs);
    assert!(skipped.is_empty());
    assert!(sorted(&tasks));
    // Job 1: submit 0, run 1451 s, 128 processors, no memory in the log:
    // 128 × 1 vCPU and 128 × 2 GiB (the documented defaults).
    let t = &tasks[0];
    assert_eq!((t.submit, t.duration), (0, 1_451_000_000));
    assert_eq!((t.cpu_milli, t.memory_mib), (128_000, 128 * 2048));
    assert_eq!(t.label.as_deref(), Some("1"));
    // Job 57 (line 6 of the jobs): submitted at 25574 s on 1 processor, 10 s.
    let j = tasks
        .iter()
        .find(|t| t.label.as_deref() == Some("57"))
        .unwrap();
    assert_eq!(
        (j.submit, j.duration, j.cpu_milli),
        (25_574_000_000, 10_000_000, 1000)
    );
    // Processors scale with the option; the gzip is told by its bytes, not its name.
    let plain = case.dir().join("log.swf");
    std::fs::copy(&path, &plain).unwrap();
    let case2 = Case::new(
        &scenario_for(
            &plain,
            "format = \"swf\"\noptions = { vcpu_per_processor = 0.5 }",
        ),
        None,
    );
    let (t2, _, _) = read(&case2, &[]);
    assert_eq!(t2[0].cpu_milli, 64_000);
}

#[test]
fn azure_llm_2023_requests_excerpt() {
    // The first 1,000 requests of each service.
    azure_llm_2023_requests(&excerpt_traces(), 1_000, 1_000);
}

#[test]
fn azure_llm_2023_requests_full() {
    if let Some(root) = full_traces("traces::azure_llm_2023_requests_full") {
        azure_llm_2023_requests(&root, 8_819, 19_366);
    }
}

/// The code and conversation traces, of `code` and `conv` requests; both
/// have CRLF line endings and no newline after the last row.
fn azure_llm_2023_requests(root: &Path, code: usize, conv: usize) {
    let path = root.join("azure-llm-2023/AzureLLMInferenceTrace_code.csv");
    let extra = "options = { llm_overhead = \"50ms\", llm_prefill_per_token = \"0.25ms\", llm_decode_per_token = \"25ms\", request_cpu = 2, request_memory = \"4GiB\" }";
    let case = Case::new(&scenario_for(&path, extra), None);
    let (tasks, skipped, _) = read(&case, &[]);
    assert_eq!(tasks.len(), code);
    assert!(skipped.is_empty());
    // First rows: 18:17:03.9799600 (4808, 10) and 18:17:04.0319600 (3180, 8).
    assert_eq!(tasks[0].submit, 0);
    assert_eq!(tasks[1].submit, 52_000);
    // 50 ms + 4808 × 0.25 ms + 10 × 25 ms = 1502 ms.
    assert_eq!(tasks[0].duration, 1_502_000);
    assert_eq!(tasks[1].duration, 50_000 + 3180 * 250 + 8 * 25_000);
    assert_eq!((tasks[0].cpu_milli, tasks[0].memory_mib), (2000, 4096));
    let conv_path = root.join("azure-llm-2023/AzureLLMInferenceTrace_conv.csv");
    let case = Case::new(&scenario_for(&conv_path, ""), None);
    assert_eq!(read(&case, &[]).0.len(), conv);
}

/// The GPU pod list read independently: (usable pods, never scheduled, zero size).
fn gpu_expected(path: &Path) -> (usize, u64, u64) {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |n: &str| header.iter().position(|h| *h == n).unwrap();
    let (cpu, mem, sched) = (col("cpu_milli"), col("memory_mib"), col("scheduled_time"));
    let (mut ok, mut unscheduled, mut zero) = (0, 0, 0);
    for l in lines {
        let f: Vec<&str> = l.split(',').collect();
        if f[sched].is_empty() {
            unscheduled += 1;
        } else if f[cpu] == "0" || f[mem] == "0" {
            zero += 1;
        } else {
            ok += 1;
        }
    }
    (ok, unscheduled, zero)
}

#[test]
fn alibaba_gpu_2023_pods_excerpt() {
    // The first 2,000 pods: 158 never scheduled, one (openb-pod-1523) of 0 MiB.
    alibaba_gpu_2023_pods(&excerpt_traces(), (1_841, 158, 1));
}

#[test]
fn alibaba_gpu_2023_pods_full() {
    if let Some(root) = full_traces("traces::alibaba_gpu_2023_pods_full") {
        alibaba_gpu_2023_pods(&root, (7_254, 897, 1));
    }
}

/// The pod list, with `expected` (usable pods, never scheduled, zero size)
/// as counted by awk.
fn alibaba_gpu_2023_pods(root: &Path, expected: (usize, u64, u64)) {
    let path = root.join("alibaba-gpu-v2023/openb_pod_list_default.csv");
    let case = Case::new(&scenario_for(&path, "on_bad_row = \"skip\""), None);
    let (tasks, skipped, _) = read(&case, &[]);
    let (ok, unscheduled, zero) = gpu_expected(&path);
    assert_eq!(tasks.len(), ok);
    assert_eq!((ok, unscheduled, zero), expected);
    assert_eq!(skipped.values().sum::<u64>(), unscheduled + zero);
    assert!(sorted(&tasks), "the adapter sorts pods by creation time");
    // openb-pod-0001: created 427061, scheduled 427061, deleted 12902960.
    let p = tasks
        .iter()
        .find(|t| t.label.as_deref() == Some("openb-pod-0001"))
        .unwrap();
    assert_eq!(
        (p.submit, p.duration),
        (427_061_000_000, (12_902_960 - 427_061) * 1_000_000)
    );
    assert_eq!((p.cpu_milli, p.memory_mib), (6000, 12288));
    // Without skipping, the first unusable pod stops the run with its line
    // (line 63, openb-pod-0061, never scheduled).
    let case = Case::new(&scenario_for(&path, ""), None);
    let e = read_err(&case, &[]);
    assert!(e.contains("line 63") && e.contains("on_bad_row"), "{e}");
}

/// Accepted rows of the 2017 batch tasks created before `until` seconds,
/// read independently: (rows, instances).
fn alibaba_2017_expected(path: &Path, until: f64) -> (usize, u64) {
    let text = std::fs::read_to_string(path).unwrap();
    let (mut rows, mut instances) = (0, 0);
    for l in text.lines().skip(1) {
        let f: Vec<&str> = l.split(',').map(str::trim).collect();
        let (create, end): (f64, f64) = (f[0].parse().unwrap(), f[1].parse().unwrap());
        let ended = f[5] == "Terminated" || f[5] == "Failed";
        if !ended || f[6].is_empty() || end <= 0.0 || end < create {
            continue;
        }
        if create.max(0.0) < until {
            rows += 1;
            instances += f[4].parse::<u64>().unwrap();
        }
    }
    (rows, instances)
}

#[test]
fn alibaba_2017_batch_tasks_excerpt() {
    // The first 1,500 rows and three whole jobs further on: 6168 (created
    // before the trace, 8 of its tasks ending before it too), 8561 (no
    // plan_cpu, one task ending before it starts) and 4656 (Running, and a
    // Failed task with no plan_cpu).
    alibaba_2017_batch_tasks(&excerpt_traces(), (1_327, [59, 132, 8, 1, 10]));
}

#[test]
fn alibaba_2017_batch_tasks_full() {
    if let Some(root) = full_traces("traces::alibaba_2017_batch_tasks_full") {
        alibaba_2017_batch_tasks(&root, (68_011, [8_847, 3_567, 117, 1, 10]));
    }
}

/// The batch tasks, with `expected`: the rows accepted over the whole file
/// and the rows skipped for each reason (Waiting, Running, ended before the
/// trace, ended before created, no plan_cpu), as counted by awk.
fn alibaba_2017_batch_tasks(root: &Path, expected: (usize, [u64; 5])) {
    let path = root.join("alibaba-v2017/batch_task.csv");
    // The whole file: every bad row counted under its reason.
    let case = Case::new(
        &scenario_for(
            &path,
            "on_bad_row = \"skip\"\noptions = { expand_instances = false }",
        ),
        None,
    );
    let (tasks, skipped, _) = read(&case, &[]);
    let (rows, reasons) = expected;
    assert_eq!(tasks.len(), rows);
    assert_eq!(alibaba_2017_expected(&path, f64::INFINITY).0, rows);
    let want: BTreeMap<String, u64> = [
        "never ran (status Waiting)",
        "still running when the trace ends (status Running): no end time",
        "ended before the trace window",
        "ends before it starts",
        "plan_cpu: not a number",
    ]
    .into_iter()
    .map(String::from)
    .zip(reasons)
    .collect();
    assert_eq!(skipped, want);
    // Job 6168 task 37200, created 60 s before the trace and ended at 110 s:
    // submitted at 0.
    let t = tasks
        .iter()
        .find(|t| t.label.as_deref() == Some("6168/37200"))
        .unwrap();
    assert_eq!((t.submit, t.duration), (0, 110_000_000));
    // The first two hours.
    let case = Case::new(
        &scenario_for(
            &path,
            "on_bad_row = \"skip\"\nuntil = \"2h\"\noptions = { expand_instances = false, machine_memory = \"64GiB\" }",
        ),
        None,
    );
    let (tasks, skipped, _) = read(&case, &[]);
    let (rows, instances) = alibaba_2017_expected(&path, 7200.0);
    assert_eq!(tasks.len(), rows);
    assert!(sorted(&tasks));
    assert!(
        skipped.contains_key("never ran (status Waiting)"),
        "{skipped:?}"
    );
    assert!(
        skipped.contains_key("still running when the trace ends (status Running): no end time"),
        "{skipped:?}"
    );
    // Row 2 of the file: job 3 task 4, 6459 → 6524, 15740 instances of
    // 0.5 core and 0.007956928 of a 64 GiB machine.
    let t = tasks
        .iter()
        .find(|t| t.label.as_deref() == Some("3/4"))
        .unwrap();
    assert_eq!((t.submit, t.duration), (6_459_000_000, 65_000_000));
    assert_eq!(t.cpu_milli, 500);
    assert_eq!(t.memory_mib, (0.007956928f64 * 65536.0).ceil() as u32);
    // Expanded, each instance is a task.
    let (expanded, _, _) = read(&case, &["workload.options.expand_instances=true"]);
    assert_eq!(expanded.len() as u64, instances);
    assert_eq!(
        expanded
            .iter()
            .filter(|t| t.label.as_deref().is_some_and(|l| l.starts_with("3/4#")))
            .count(),
        15_740
    );
}

#[test]
fn alibaba_2017_without_a_header_as_the_original_files_are() {
    // Hand-made from the sample's first rows, header removed, CRLF.
    let case = Case::new(
        "name = \"t\"\n[workload]\ntrace = \"trace.csv\"\nformat = \"alibaba-2017\"\n[[platforms]]\nname = \"f\"\nkind = \"fargate\"\n",
        Some(
            "6459,6524,3,4,2,Terminated,50,0.007956928\r\n6457,6533,3,5,1,Terminated,100,0.004395206",
        ),
    );
    let (tasks, _, _) = read(&case, &[]);
    assert_eq!(tasks.len(), 3);
    assert_eq!(tasks[0].label.as_deref(), Some("3/5"));
    assert_eq!(tasks[1].label.as_deref(), Some("3/4#0"));
    assert_eq!(tasks[0].cpu_milli, 1000);
}

#[test]
fn alibaba_2018_fixture() {
    // Hand-made from the cluster-trace-v2018 schema (batch_task: task_name,
    // instance_num, job_name, task_type, status, start_time, end_time,
    // plan_cpu, plan_mem; no sample in tests/data/traces).
    let tasks_csv = "M1,2,j_1,1,Terminated,100,160,50,0.39\nR2_1,1,j_2,1,Terminated,90,100,200,1.5\nM3,1,j_3,1,Running,95,0,100,0.5\n";
    let case = Case::new(
        "name = \"t\"\n[workload]\ntrace = \"trace.csv\"\nformat = \"alibaba-2018\"\non_bad_row = \"skip\"\noptions = { machine_memory = \"100GiB\" }\n[[platforms]]\nname = \"f\"\nkind = \"fargate\"\n",
        Some(tasks_csv),
    );
    let (tasks, skipped, _) = read(&case, &[]);
    assert_eq!(tasks.len(), 3);
    assert_eq!(tasks[0].label.as_deref(), Some("j_2/R2_1"));
    assert_eq!(
        (tasks[0].submit, tasks[0].duration, tasks[0].cpu_milli),
        (90_000_000, 10_000_000, 2000)
    );
    assert_eq!(
        tasks[0].memory_mib,
        (1.5f64 / 100.0 * 102_400.0).ceil() as u32
    );
    assert_eq!(tasks[1].label.as_deref(), Some("j_1/M1#0"));
    assert_eq!(skipped.get("no end time (status Running)"), Some(&1));
    // batch_instance: instance, task, job, type, status, start, end, machine,
    // seq, total_seq, cpu_avg, cpu_max, mem_avg, mem_max.
    let inst = "i_1,M1,j_1,1,Terminated,100,150,m_1,1,1,40,80,0.2,0.3\n";
    let case = Case::new(
        "name = \"t\"\n[workload]\ntrace = \"trace.csv\"\nformat = \"alibaba-2018-instances\"\noptions = { machine_memory = \"100GiB\" }\n[[platforms]]\nname = \"f\"\nkind = \"fargate\"\n",
        Some(inst),
    );
    let (tasks, _, _) = read(&case, &[]);
    assert_eq!((tasks[0].duration, tasks[0].cpu_milli), (50_000_000, 800));
    assert_eq!(
        tasks[0].memory_mib,
        (0.3f64 / 100.0 * 102_400.0).ceil() as u32
    );
}

#[test]
fn google_2011_fixture() {
    // Hand-made from the clusterdata-2011-2 task_events schema (time µs,
    // missing, job, index, machine, type, user, class, priority, cpu, mem,
    // disk, constraint; no sample in tests/data/traces): job 7 task 0 runs
    // 600-700 s; task 1 was already running before the window (time 0) and
    // finishes at 650 s; task 2 is evicted at 800 s and resubmitted; task 3
    // is still running at the end.
    let events = "\
0,,7,1,m1,1,u,0,0,0.25,0.125,0,0
600000000,,7,0,,0,u,0,0,0.5,0.25,0,0
600000000,,7,2,,0,u,0,0,0.125,0.125,0,0
610000000,,7,0,m1,1,u,0,0,0.5,0.25,0,0
620000000,,7,2,m2,1,u,0,0,0.125,0.125,0,0
650000000,,7,1,m1,4,u,0,0,0.25,0.125,0,0
700000000,,7,0,m1,4,u,0,0,0.5,0.25,0,0
700000000,,7,3,,0,u,0,0,0.125,0.125,0,0
710000000,,7,3,m3,1,u,0,0,0.125,0.125,0,0
800000000,,7,2,m2,2,u,0,0,0.125,0.125,0,0
801000000,,7,2,,0,u,0,0,0.125,0.125,0,0
805000000,,7,2,m2,1,u,0,0,0.125,0.125,0,0
900000000,,7,2,m2,4,u,0,0,0.125,0.125,0,0
";
    let case = Case::new(
        "name = \"t\"\n[workload]\ntrace = \"trace.csv\"\nformat = \"google-2011\"\noptions = { machine_cpu = 32, machine_memory = \"128GiB\" }\n[[platforms]]\nname = \"f\"\nkind = \"fargate\"\n",
        Some(events),
    );
    let (tasks, _, _) = read(&case, &[]);
    let got: Vec<(String, u64, u64, u32, u32)> = tasks
        .iter()
        .map(|t| {
            (
                t.label.as_deref().unwrap().to_string(),
                t.submit / 1_000_000,
                t.duration / 1_000_000,
                t.cpu_milli,
                t.memory_mib,
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            ("7/1".to_string(), 0, 650, 8000, 16_384),
            ("7/0".to_string(), 600, 90, 16_000, 32_768),
            ("7/2".to_string(), 600, 180, 4000, 16_384),
            ("7/3".to_string(), 700, 190, 4000, 16_384),
            ("7/2".to_string(), 801, 95, 4000, 16_384),
        ]
    );
}

#[test]
fn google_2019_fixture() {
    // Hand-made from the ClusterData2019 instance_events schema, as a CSV
    // export with a header and event types by name (no sample in
    // tests/data/traces). 2^63-1 means "after the trace window".
    let events = "time,type,collection_id,instance_index,machine_id,resource_request.cpus,resource_request.memory
1000000,SUBMIT,42,0,,0.0625,0.03125
2000000,SCHEDULE,42,0,9,0.0625,0.03125
62000000,FINISH,42,0,9,0.0625,0.03125
5000000,0,43,1,,0.125,0.0625
6000000,3,43,1,9,0.125,0.0625
9223372036854775807,7,43,1,9,0.125,0.0625
";
    let case = Case::new(
        "name = \"t\"\n[workload]\ntrace = \"trace.csv\"\nformat = \"google-2019\"\norder = \"sort\"\noptions = { machine_cpu = 32, machine_memory = \"64GiB\" }\n[[platforms]]\nname = \"f\"\nkind = \"fargate\"\n",
        Some(events),
    );
    let (tasks, _, _) = read(&case, &[]);
    assert_eq!(tasks.len(), 2);
    assert_eq!(
        (
            tasks[0].submit,
            tasks[0].duration,
            tasks[0].cpu_milli,
            tasks[0].memory_mib
        ),
        (1_000_000, 60_000_000, 2000, 2048)
    );
    // Killed "after the window": replayed until the last time seen (62 s).
    assert_eq!(
        (tasks[1].submit, tasks[1].duration, tasks[1].cpu_milli),
        (5_000_000, 56_000_000, 4000)
    );
}

#[test]
fn azure_functions_fixtures() {
    // 2021 invocation trace, hand-made from its schema (app, func,
    // end_timestamp, duration in seconds; no sample in tests/data/traces),
    // out of submit order on purpose.
    let case = Case::new(
        "name = \"t\"\n[workload]\ntrace = \"trace.csv\"\n[[platforms]]\nname = \"f\"\nkind = \"fargate\"\n",
        Some("app,func,end_timestamp,duration\na1,f1,10.5,0.5\na1,f2,3.25,1.25\na2,f3,7,7\n"),
    );
    let (tasks, _, _) = read(&case, &[]);
    let got: Vec<(u64, u64)> = tasks.iter().map(|t| (t.submit, t.duration)).collect();
    assert_eq!(
        got,
        vec![
            (0, 7_000_000),
            (2_000_000, 1_250_000),
            (10_000_000, 500_000)
        ]
    );
    assert_eq!(tasks[0].group.as_deref(), Some("a2"));

    // 2019: per-minute counts, with the day's durations and memory files
    // (hand-made from the published column names, three minutes a day).
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("inv.csv"),
        "HashOwner,HashApp,HashFunction,Trigger,1,2,3\no,a,f,http,2,0,1\no,a,g,timer,0,1,0\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("dur.csv"),
        "HashOwner,HashApp,HashFunction,Average,Count,Minimum,Maximum\no,a,f,250,3,100,400\no,a,g,1000,1,1000,1000\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("mem.csv"),
        "HashOwner,HashApp,SampleCount,AverageAllocatedMb\no,a,10,300\n",
    )
    .unwrap();
    let text = "name = \"t\"\n[workload]\ntrace = \"inv.csv\"\noptions = { durations_file = \"dur.csv\", memory_file = \"mem.csv\" }\n[[platforms]]\nname = \"f\"\nkind = \"fargate\"\n";
    let path = dir.path().join("s.toml");
    std::fs::write(&path, text).unwrap();
    let (scenario, _) = load_str(text, &path, &LoadOptions::default()).unwrap();
    let tasks: Vec<Task> = scenario
        .workload
        .open(0)
        .unwrap()
        .1
        .collect::<Result<_, _>>()
        .unwrap();
    let got: Vec<(String, u64, u64, u32)> = tasks
        .iter()
        .map(|t| {
            (
                t.label.as_deref().unwrap().to_string(),
                t.submit,
                t.duration,
                t.memory_mib,
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            ("f".to_string(), 15_000_000, 250_000, 300),
            ("f".to_string(), 45_000_000, 250_000, 300),
            ("g".to_string(), 90_000_000, 1_000_000, 300),
            ("f".to_string(), 150_000_000, 250_000, 300),
        ]
    );
}

#[test]
fn bad_rows_stop_or_are_counted() {
    let trace = "task_id,submit_s,duration_s,cpu_vcpu,memory_mib\na,0,10,1,1024\nb,1,-5,1,1024\nc,2,10,0,1024\nd,3,x,1,1024\ne,4,10,1,1024\n";
    let case = Case::new(&scenario_for(Path::new("trace.csv"), ""), Some(trace));
    let e = read_err(&case, &[]);
    assert!(
        e.contains("line 3") && e.contains("duration_s") && e.contains("-5"),
        "{e}"
    );
    let (tasks, skipped, _) = read(&case, &["workload.on_bad_row=skip"]);
    assert_eq!(tasks.len(), 2);
    assert_eq!(skipped.values().sum::<u64>(), 3);
    assert_eq!(skipped.len(), 3, "{skipped:?}");
    // The summary lists them too.
    let (code, _, err) = bin(
        &[
            "run",
            "scenario.toml",
            "--out",
            "out",
            "-q",
            "--set",
            "workload.on_bad_row=skip",
        ],
        case.dir(),
    );
    assert_eq!(code, 0, "{err}");
    let s: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(case.dir().join("out/summary.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(
        s["skipped_rows"]
            .as_object()
            .unwrap()
            .values()
            .map(|v| v.as_u64().unwrap())
            .sum::<u64>(),
        3
    );
}

#[test]
fn order_window_sample_and_time_scale() {
    let mut trace = String::from("task_id,submit_s,duration_s,cpu_vcpu,memory_mib\n");
    for i in (0..100).rev() {
        trace.push_str(&format!("t{i},{i},10,1,1024\n"));
    }
    let case = Case::new(&scenario_for(Path::new("trace.csv"), ""), Some(&trace));
    let e = read_err(&case, &[]);
    assert!(
        e.contains("line 3") && e.contains("order = \"sort\""),
        "{e}"
    );
    let (tasks, _, _) = read(&case, &["workload.order=sort"]);
    assert_eq!(tasks.len(), 100);
    assert!(sorted(&tasks));
    assert_eq!(tasks[0].label.as_deref(), Some("t0"));
    let (w, _, _) = read(
        &case,
        &[
            "workload.order=sort",
            "workload.from=10s",
            "workload.until=20s",
            "workload.time_scale=2",
        ],
    );
    let times: Vec<u64> = w.iter().map(|t| t.submit / 1_000_000).collect();
    assert_eq!(times, (0..10).map(|i| 2 * i).collect::<Vec<_>>());
    let (s1, _, _) = read(&case, &["workload.order=sort", "workload.sample=0.5"]);
    let (s2, _, _) = read(&case, &["workload.order=sort", "workload.sample=0.5"]);
    assert_eq!(s1, s2, "sampling is seeded");
    assert!((30..70).contains(&s1.len()), "{}", s1.len());
}

#[test]
fn trace_convert_then_run_gives_the_same_bill_excerpt() {
    trace_convert_then_run_gives_the_same_bill(&excerpt_traces(), 1_000);
}

#[test]
fn trace_convert_then_run_gives_the_same_bill_full() {
    if let Some(root) = full_traces("traces::trace_convert_then_run_gives_the_same_bill_full") {
        trace_convert_then_run_gives_the_same_bill(&root, 8_819);
    }
}

/// The Azure LLM code trace of `requests` rows, converted to Parquet.
fn trace_convert_then_run_gives_the_same_bill(root: &Path, requests: usize) {
    let path = root.join("azure-llm-2023/AzureLLMInferenceTrace_code.csv");
    let d = tempfile::tempdir().unwrap();
    let (code, out, err) = bin(
        &[
            "trace",
            "convert",
            path.to_str().unwrap(),
            "--to",
            "llm.parquet",
        ],
        d.path(),
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains(&format!("{requests} task(s)")), "{out}");
    let (code, out, _) = bin(&["trace", "inspect", "llm.parquet"], d.path());
    assert_eq!(code, 0);
    assert!(
        out.contains(&format!("tasks: {requests}")) && out.contains("order: sorted"),
        "{out}"
    );
    let run = |trace: &str, dir: &str| {
        std::fs::write(
            d.path().join(format!("{dir}.toml")),
            scenario_for(Path::new(trace), ""),
        )
        .unwrap();
        let (code, _, err) = bin(
            &[
                "run",
                &format!("{dir}.toml"),
                "--out",
                dir,
                "-q",
                "--no-task-records",
            ],
            d.path(),
        );
        assert_eq!(code, 0, "{err}");
        let s: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(d.path().join(dir).join("summary.json")).unwrap(),
        )
        .unwrap();
        s["platforms"][0]["cost"]["total_usd"].as_f64().unwrap()
    };
    let a = run(path.to_str().unwrap(), "orig");
    let b = run("llm.parquet", "conv");
    assert_eq!(a, b);
    // A format that cannot be told from the file is asked for.
    std::fs::write(d.path().join("x.csv"), "1,2,3\n").unwrap();
    let (code, _, err) = bin(&["trace", "inspect", "x.csv"], d.path());
    assert_eq!(code, 2);
    assert!(
        err.contains("name it with --format, one of") && err.contains("alibaba-2017"),
        "{err}"
    );
}

#[test]
fn absurd_counts_in_a_row_are_bad_rows_not_a_hang() {
    // Regression (review): an instance count or per-minute invocation count
    // near 2^64 made the adapter try to build that many tasks.
    let case = Case::new(
        "name = \"t\"\n[workload]\ntrace = \"trace.csv\"\nformat = \"alibaba-2017\"\non_bad_row = \"skip\"\n[[platforms]]\nname = \"f\"\nkind = \"fargate\"\n",
        Some(
            "6459,6524,3,4,18446744073709551615,Terminated,50,0.0079\n6459,6524,3,5,2,Terminated,50,0.0079\n",
        ),
    );
    let (tasks, skipped, _) = read(&case, &[]);
    assert_eq!(tasks.len(), 2);
    assert_eq!(skipped.get("instance_num above 1,000,000"), Some(&1));
}
