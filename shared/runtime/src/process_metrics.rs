//! Process metrics read from `/proc` at scrape time, named as Prometheus' Go and
//! process collectors name them, so Flux dashboards keep working:
//! `process_resident_memory_bytes`, `process_cpu_seconds_total`,
//! `process_start_time_seconds`, `process_open_fds`.

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric};
use prometheus_client::metrics::counter::ConstCounter;
use prometheus_client::metrics::gauge::ConstGauge;

/// Reads this process's figures from `/proc/self` on every scrape.
#[derive(Debug, Default)]
pub struct ProcessCollector;

/// A snapshot of the process's resource use.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ProcessStats {
    /// Resident set size in bytes.
    pub resident_memory_bytes: u64,
    /// User plus system CPU time in seconds.
    pub cpu_seconds: f64,
    /// Start time in seconds since the Unix epoch.
    pub start_time_seconds: f64,
    /// Number of open file descriptors.
    pub open_fds: u64,
}

impl ProcessStats {
    /// Reads `/proc/self`; `None` where `/proc` is not available.
    pub fn read() -> Option<ProcessStats> {
        let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
        let status = std::fs::read_to_string("/proc/self/status").ok()?;
        let boot_stat = std::fs::read_to_string("/proc/stat").ok()?;
        let open_fds = std::fs::read_dir("/proc/self/fd")
            .map(|d| d.count() as u64)
            .unwrap_or(0);
        parse(&stat, &status, &boot_stat, open_fds)
    }
}

/// Clock ticks per second: 100 on every Linux architecture Kubernetes runs on.
const CLOCK_TICKS: f64 = 100.0;

fn parse(stat: &str, status: &str, proc_stat: &str, open_fds: u64) -> Option<ProcessStats> {
    // Fields after the command name, which is in parentheses and may contain spaces.
    let after = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = after.split_whitespace().collect();
    // after ')' : state(0) ppid(1) ... utime(11) stime(12) ... starttime(19)
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    let start_ticks: f64 = fields.get(19)?.parse().ok()?;
    let rss_kib: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let boot_time: f64 = proc_stat
        .lines()
        .find_map(|l| l.strip_prefix("btime "))
        .and_then(|v| v.trim().parse().ok())?;
    Some(ProcessStats {
        resident_memory_bytes: rss_kib * 1024,
        cpu_seconds: (utime + stime) / CLOCK_TICKS,
        start_time_seconds: boot_time + start_ticks / CLOCK_TICKS,
        open_fds,
    })
}

impl Collector for ProcessCollector {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let Some(stats) = ProcessStats::read() else {
            return Ok(());
        };
        let rss = ConstGauge::new(stats.resident_memory_bytes as i64);
        rss.encode(encoder.encode_descriptor(
            "process_resident_memory_bytes",
            "Resident memory size in bytes.",
            None,
            rss.metric_type(),
        )?)?;
        let cpu = ConstCounter::new(stats.cpu_seconds);
        cpu.encode(encoder.encode_descriptor(
            "process_cpu_seconds",
            "Total user and system CPU time spent in seconds.",
            None,
            cpu.metric_type(),
        )?)?;
        let start = ConstGauge::new(stats.start_time_seconds);
        start.encode(encoder.encode_descriptor(
            "process_start_time_seconds",
            "Start time of the process since unix epoch in seconds.",
            None,
            start.metric_type(),
        )?)?;
        let fds = ConstGauge::new(stats.open_fds as i64);
        fds.encode(encoder.encode_descriptor(
            "process_open_fds",
            "Number of open file descriptors.",
            None,
            fds.metric_type(),
        )?)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_proc_files_including_spaces_in_the_command() {
        let stat = "1234 (source controller) S 1 1234 1234 0 -1 4194560 500 0 0 0 250 50 0 0 20 0 4 0 1000 123456 789 18446744073709551615";
        let status = "Name:\tx\nVmRSS:\t   12345 kB\n";
        let proc_stat = "cpu 1 2 3\nbtime 1700000000\n";
        let s = parse(stat, status, proc_stat, 7).unwrap();
        assert_eq!(s.resident_memory_bytes, 12345 * 1024);
        assert!((s.cpu_seconds - 3.0).abs() < 1e-9);
        assert!((s.start_time_seconds - 1_700_000_010.0).abs() < 1e-6);
        assert_eq!(s.open_fds, 7);
    }

    #[test]
    fn reads_this_process() {
        let s = ProcessStats::read().unwrap();
        assert!(s.resident_memory_bytes > 0);
        assert!(s.start_time_seconds > 1_600_000_000.0);
    }
}
