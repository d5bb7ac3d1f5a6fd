//! Sizes and rates written by people: `512MiB`, `2GiB`, `20/s`, `600/min`.
//!
//! Memory is kept in whole MiB and CPU in milli-vCPU (1/1000 of a vCPU)
//! everywhere in the simulator, so sizes compare and multiply exactly.

/// A Kubernetes CPU quantity (`"500m"`, `"1"`, `"0.5"`) in milli-vCPU,
/// rounded up. Shared by the pod specs of `new --from` and the pod exports.
pub fn k8s_cpu_milli(s: &str) -> Result<u64, String> {
    let bad = || format!("`{s}`: expected a CPU quantity such as \"500m\" or \"1\"");
    let (number, factor) = match s.strip_suffix('m') {
        Some(m) => (m, 1.0),
        None => (s, 1000.0),
    };
    number
        .parse::<f64>()
        .ok()
        .filter(|x| *x >= 0.0 && x.is_finite() && *x * factor < 1e12)
        .map(|x| (x * factor).ceil() as u64)
        .ok_or_else(bad)
}

/// A Kubernetes memory quantity in MiB, rounded up: binary suffixes (Ki,
/// Mi, Gi, Ti), decimal ones (k, M, G, T) or plain bytes.
pub fn k8s_memory_mib(s: &str) -> Result<u64, String> {
    let bad = || format!("`{s}`: expected a memory quantity such as \"512Mi\", \"2Gi\" or \"1G\"");
    let units: [(&str, f64); 8] = [
        ("Ki", 1024.0),
        ("Mi", 1024.0 * 1024.0),
        ("Gi", 1024.0 * 1024.0 * 1024.0),
        ("Ti", 1024.0f64.powi(4)),
        ("k", 1e3),
        ("M", 1e6),
        ("G", 1e9),
        ("T", 1e12),
    ];
    let (number, factor) = units
        .iter()
        .find_map(|(suffix, f)| s.strip_suffix(suffix).map(|n| (n, *f)))
        .unwrap_or((s, 1.0));
    let bytes = number
        .parse::<f64>()
        .ok()
        .filter(|x| *x >= 0.0 && x.is_finite())
        .ok_or_else(bad)?
        * factor;
    let mib = (bytes / (1024.0 * 1024.0)).ceil();
    if mib > 1e12 {
        return Err(bad());
    }
    Ok(mib as u64)
}

/// Parses a memory size into MiB: `512MiB`, `2GiB`, `0.5GiB`, or a bare
/// number of MiB. Decimal units (`GB`, `MB`) are refused with advice, because
/// AWS's Fargate pages use "GB" to mean GiB and the ambiguity costs money.
pub fn parse_memory_mib(text: &str) -> Result<u32, String> {
    let t = text.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let value: f64 = number
        .parse()
        .map_err(|_| format!("`{t}` does not start with a number"))?;
    let factor = match unit.trim() {
        "" | "MiB" | "Mi" => 1.0,
        "GiB" | "Gi" => 1024.0,
        "TiB" | "Ti" => 1024.0 * 1024.0,
        "GB" | "MB" | "G" | "M" => {
            return Err(format!(
                "`{t}`: write binary units (MiB or GiB); AWS's Fargate pages use GB to mean GiB"
            ));
        }
        other => {
            return Err(format!(
                "unknown memory unit `{other}` in `{t}`; use MiB or GiB"
            ));
        }
    };
    let mib = value * factor;
    if !mib.is_finite() || mib <= 0.0 || mib > u32::MAX as f64 {
        return Err(format!("`{t}` is not a positive memory size"));
    }
    if mib.fract() != 0.0 {
        return Err(format!("`{t}` is not a whole number of MiB"));
    }
    Ok(mib as u32)
}

/// Parses a rate into events per second: `20/s`, `600/min`, `100/h`, `5/d`,
/// or a bare number meaning per second.
pub fn parse_rate_per_second(text: &str) -> Result<f64, String> {
    let t = text.trim();
    let (number, per) = match t.split_once('/') {
        Some((n, p)) => (n.trim(), p.trim()),
        None => (t, "s"),
    };
    let value: f64 = number
        .parse()
        .map_err(|_| format!("`{t}` is not a rate; write it as `20/s`, `600/min` or `100/h`"))?;
    let seconds = match per {
        "s" | "sec" => 1.0,
        "min" | "m" => 60.0,
        "h" => 3600.0,
        "d" => 86_400.0,
        other => {
            return Err(format!(
                "unknown rate unit `/{other}` in `{t}`; use /s, /min, /h or /d"
            ));
        }
    };
    let rate = value / seconds;
    if !rate.is_finite() || rate < 0.0 {
        return Err(format!("`{t}` is not a non-negative rate"));
    }
    Ok(rate)
}

/// Converts vCPU (a float from a trace or scenario) to milli-vCPU, rounding
/// up so a task never gets less CPU than it asked for.
pub fn vcpu_to_milli(vcpu: f64) -> Option<u32> {
    if !vcpu.is_finite() || vcpu <= 0.0 || vcpu > 1_000_000.0 {
        return None;
    }
    // Tolerate float noise such as 0.30000000000000004 before rounding up.
    let milli = (vcpu * 1000.0 - 1e-6).ceil();
    Some(milli.max(1.0) as u32)
}

/// Formats milli-vCPU as vCPU: `250` → `0.25`.
pub fn format_vcpu(milli: u32) -> String {
    let whole = milli / 1000;
    let frac = milli % 1000;
    if frac == 0 {
        format!("{whole}")
    } else {
        let s = format!("{whole}.{frac:03}");
        s.trim_end_matches('0').to_string()
    }
}

/// Formats MiB as GiB when whole or half, else as MiB: `2048` → `2 GiB`.
pub fn format_memory(mib: u32) -> String {
    if mib.is_multiple_of(512) {
        let gib = mib as f64 / 1024.0;
        format!("{gib} GiB")
    } else {
        format!("{mib} MiB")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_units() {
        assert_eq!(parse_memory_mib("512MiB"), Ok(512));
        assert_eq!(parse_memory_mib("2GiB"), Ok(2048));
        assert_eq!(parse_memory_mib("0.5GiB"), Ok(512));
        assert_eq!(parse_memory_mib("3072"), Ok(3072));
        assert!(parse_memory_mib("2GB").unwrap_err().contains("GiB"));
        assert!(parse_memory_mib("0MiB").is_err());
    }

    #[test]
    fn rates() {
        assert_eq!(parse_rate_per_second("20/s"), Ok(20.0));
        assert_eq!(parse_rate_per_second("600/min"), Ok(10.0));
        assert_eq!(parse_rate_per_second("3600/h"), Ok(1.0));
        assert!(parse_rate_per_second("fast").is_err());
    }

    #[test]
    fn vcpu_rounds_up_to_the_milli() {
        assert_eq!(vcpu_to_milli(0.25), Some(250));
        assert_eq!(vcpu_to_milli(0.1 + 0.2), Some(300));
        assert_eq!(vcpu_to_milli(0.0001), Some(1));
        assert_eq!(vcpu_to_milli(0.0), None);
        assert_eq!(format_vcpu(250), "0.25");
        assert_eq!(format_vcpu(2000), "2");
    }
}
