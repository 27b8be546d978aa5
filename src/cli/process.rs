//! What the operating system knows about this process: peak resident memory and CPU
//! time, read from `/proc` (Linux). Elsewhere both are `None`.

/// Peak resident set size in bytes (`VmHWM` of `/proc/self/status`).
pub fn peak_rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    parse_vm_hwm(&status)
}

fn parse_vm_hwm(status: &str) -> Option<u64> {
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let mut parts = line["VmHWM:".len()..].split_whitespace();
    let value: u64 = parts.next()?.parse().ok()?;
    match parts.next() {
        Some("kB") => Some(value * 1024),
        _ => None,
    }
}

/// Memory the kernel says is available for new allocations without swapping
/// (`MemAvailable` of `/proc/meminfo`), in bytes.
pub fn available_memory_bytes() -> Option<u64> {
    let info = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = info.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let mut parts = line["MemAvailable:".len()..].split_whitespace();
    let value: u64 = parts.next()?.parse().ok()?;
    (parts.next() == Some("kB")).then_some(value * 1024)
}

/// Why a run whose memory estimate is `e` would not fit, or `None` when it fits (or
/// the machine does not say how much it has). The message carries the estimate by part.
pub fn memory_refusal(e: &synfire_graphs::MemoryEstimate, duration: synfire_graphs::Time) -> Option<String> {
    use synfire_graphs::estimate::format_bytes;
    let available = available_memory_bytes()? as f64;
    (e.total() > available).then(|| {
        format!(
            "a run of {duration} needs about {} of memory ({}) and the machine has {} available",
            format_bytes(e.total()),
            e.parts(),
            format_bytes(available)
        )
    })
}

/// User plus system CPU time of the whole process (every thread, living or not), in
/// seconds, from fields 14 and 15 of `/proc/self/stat`.
///
/// The fields count clock ticks of `USER_HZ`, which the kernel fixes at 100 on every
/// architecture we build for; the resolution is therefore 10 ms.
pub fn cpu_secs() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    parse_cpu_ticks(&stat).map(|ticks| ticks as f64 / USER_HZ)
}

const USER_HZ: f64 = 100.0;

fn parse_cpu_ticks(stat: &str) -> Option<u64> {
    // The command name (field 2) is in parentheses and may hold spaces; field 3 is
    // the first one after the last `)`.
    let rest = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: u64 = fields.get(14 - 3)?.parse().ok()?;
    let stime: u64 = fields.get(15 - 3)?.parse().ok()?;
    Some(utime + stime)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn vm_hwm_is_read_in_bytes() {
        let status = "Name:\tsynfire\nVmPeak:\t  200 kB\nVmHWM:\t   1234 kB\nVmRSS:\t 1000 kB\n";
        assert_eq!(parse_vm_hwm(status), Some(1234 * 1024));
        assert_eq!(parse_vm_hwm("VmRSS: 1 kB\n"), None);
    }

    #[test]
    fn cpu_ticks_skip_a_command_name_with_spaces() {
        let stat = "4242 (my prog) S 1 2 3 4 5 6 7 8 9 10 70 30 0 0 20 0 3 0";
        assert_eq!(parse_cpu_ticks(stat), Some(100));
    }

    #[test]
    fn this_process_has_figures() {
        if cfg!(target_os = "linux") {
            assert!(peak_rss_bytes().is_some_and(|b| b > 0));
            assert!(cpu_secs().is_some());
        }
    }
}
