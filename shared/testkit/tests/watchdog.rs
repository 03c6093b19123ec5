//! Children of a fixture die with the test process even when `Drop` never runs.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use flux_testkit::process::Supervisor;

const DIR_ENV: &str = "FLUX_TESTKIT_WATCHDOG_DIR";

/// Run as a child by `children_die_with_the_test_process`: starts `sleep`, reports its pid, then
/// aborts, so no destructor runs.
#[test]
#[ignore = "helper, run as a child process by children_die_with_the_test_process"]
fn watchdog_helper() {
    let dir = std::path::PathBuf::from(std::env::var_os(DIR_ENV).unwrap());
    let work = dir.join("work");
    std::fs::create_dir_all(&work).unwrap();
    let mut sup = Supervisor::new(dir.join("pids"), &[&work]).unwrap();
    let mut cmd = Command::new("sleep");
    cmd.arg("300");
    let pid = sup
        .spawn("sleep", cmd, dir.join("sleep.log"))
        .unwrap()
        .pid();
    println!("\nWATCHDOG-PID={pid}");
    std::io::stdout().flush().unwrap();
    std::process::abort();
}

#[test]
fn children_die_with_the_test_process() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--ignored",
            "--exact",
            "watchdog_helper",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(DIR_ENV, dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = BufReader::new(child.stdout.take().unwrap());
    let pid: u32 = stdout
        .lines()
        .map_while(Result::ok)
        .find_map(|l| {
            l.split_once("WATCHDOG-PID=")
                .map(|(_, p)| p.trim().parse().unwrap())
        })
        .expect("the helper printed no PID");
    let status = child.wait().unwrap();
    assert!(!status.success(), "the helper should have aborted");

    let deadline = Instant::now() + Duration::from_secs(20);
    while process_exists(pid) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(
        !process_exists(pid),
        "sleep {pid} outlived its test process"
    );
    while dir.path().join("work").exists() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(
        !dir.path().join("work").exists(),
        "the watchdog did not remove the cleanup directory"
    );
}

/// Whether `pid` is a live (non-zombie) process.
fn process_exists(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => !stat
            .rsplit_once(')')
            .is_some_and(|(_, rest)| rest.trim_start().starts_with('Z')),
        Err(_) => false,
    }
}
