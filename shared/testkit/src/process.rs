//! Child processes of the fixtures, with a watchdog that kills them when the test process dies.
//!
//! Statics are never dropped and a panicking or killed test binary never runs `Drop`, so
//! killing children in `Drop` alone leaves orphan etcd/apiservers behind. Each
//! [`Supervisor`] therefore starts a small `sh` watchdog whose stdin is a pipe from this
//! process: when this process exits for any reason the kernel closes the pipe, the watchdog
//! reads EOF and kills every recorded process group. Each child runs in its own process group
//! (`process_group(0)`, no unsafe code needed) so that helpers it forks die with it.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::{Duration, Instant};

use std::os::unix::process::CommandExt;

use crate::TestkitError;

const WATCHDOG: &str = r#"
pidfile="$1"; shift
# "stop" is a clean shutdown by the owner; EOF alone means the owner died.
IFS= read -r cmd || true
# dash's kill takes no "--": "-$p" addresses the process group.
pids=$(cat "$pidfile" 2>/dev/null)
for p in $pids; do kill -TERM "-$p" 2>/dev/null; done
i=0
while [ "$i" -lt 30 ]; do
  alive=
  for p in $pids; do kill -0 "-$p" 2>/dev/null && alive=1; done
  [ -z "$alive" ] && break
  sleep 0.1; i=$((i+1))
done
for p in $pids; do kill -KILL "-$p" 2>/dev/null; done
[ "$cmd" = stop ] || for d in "$@"; do rm -rf -- "$d"; done
"#;

/// How long children get between SIGTERM and SIGKILL (the watchdog uses the same 3 s).
const SHUTDOWN_GRACE: Duration = Duration::from_secs(3);

/// Owns a fixture's child processes and the watchdog that outlives this process.
///
/// Usable for any extra process a test starts (e.g. an upstream controller binary).
pub struct Supervisor {
    pid_file: PathBuf,
    watchdog: Option<Child>,
    watchdog_stdin: Option<ChildStdin>,
    children: Vec<ManagedProcess>,
}

/// One running child process with its log file.
pub struct ManagedProcess {
    name: String,
    log: PathBuf,
    child: Child,
}

impl Supervisor {
    /// Starts the watchdog. `pid_file` records child process groups; `cleanup` directories are
    /// removed by the watchdog after the children are dead, only when this process died without
    /// calling [`shutdown`](Self::shutdown) (on a clean shutdown their owner removes them).
    pub fn new(pid_file: PathBuf, cleanup: &[&Path]) -> Result<Supervisor, TestkitError> {
        File::create(&pid_file)
            .map_err(TestkitError::io(format!("creating {}", pid_file.display())))?;
        let mut cmd = Command::new("sh");
        cmd.arg("-c")
            .arg(WATCHDOG)
            .arg("flux-testkit-watchdog")
            .arg(&pid_file)
            .args(cleanup)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            // Own group: a Ctrl-C sent to the test's process group must not kill the watchdog
            // before it has cleaned up.
            .process_group(0);
        let mut watchdog = cmd
            .spawn()
            .map_err(TestkitError::io("starting the watchdog (sh)"))?;
        let stdin = watchdog.stdin.take();
        Ok(Supervisor {
            pid_file,
            watchdog: Some(watchdog),
            watchdog_stdin: stdin,
            children: Vec::new(),
        })
    }

    /// Spawns `cmd` as component `name` in its own process group, stdout and stderr appended
    /// to `log`.
    pub fn spawn(
        &mut self,
        name: &str,
        mut cmd: Command,
        log: PathBuf,
    ) -> Result<&mut ManagedProcess, TestkitError> {
        let out = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log)
            .map_err(TestkitError::io(format!("creating log {}", log.display())))?;
        let err = out
            .try_clone()
            .map_err(TestkitError::io(format!("opening log {}", log.display())))?;
        cmd.stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .process_group(0);
        let child = cmd.spawn().map_err(|e| TestkitError::ComponentStart {
            component: name.to_owned(),
            reason: format!("cannot execute {:?}: {e}", cmd.get_program()),
            log: log.clone(),
            tail: String::new(),
        })?;
        let mut pids = OpenOptions::new()
            .append(true)
            .open(&self.pid_file)
            .map_err(TestkitError::io(format!(
                "opening {}",
                self.pid_file.display()
            )))?;
        writeln!(pids, "{}", child.id()).map_err(TestkitError::io(format!(
            "writing {}",
            self.pid_file.display()
        )))?;
        self.children.push(ManagedProcess {
            name: name.to_owned(),
            log,
            child,
        });
        let last = self.children.len() - 1;
        Ok(&mut self.children[last])
    }

    /// The first child that has exited, as a start error.
    pub fn check_alive(&mut self) -> Result<(), TestkitError> {
        for p in &mut self.children {
            p.check_alive()?;
        }
        Ok(())
    }

    /// A start error blaming child `component` (with its log), or a plain one if unknown.
    pub fn start_error(&self, component: &str, reason: String) -> TestkitError {
        match self.children.iter().find(|p| p.name == component) {
            Some(p) => p.start_error(reason),
            None => TestkitError::ComponentStart {
                component: component.to_owned(),
                reason,
                log: PathBuf::new(),
                tail: String::new(),
            },
        }
    }

    /// Stops all children: SIGTERM through the watchdog, reap, SIGKILL stragglers. The cleanup
    /// directories are left to their owner.
    pub fn shutdown(&mut self) {
        if let Some(mut stdin) = self.watchdog_stdin.take() {
            let _ = stdin.write_all(b"stop\n");
        }
        // SIGTERM comes from the watchdog; reap everything, then SIGKILL what is left.
        let deadline = Instant::now() + SHUTDOWN_GRACE;
        loop {
            self.children
                .retain_mut(|p| matches!(p.child.try_wait(), Ok(None)));
            if self.children.is_empty() || Instant::now() >= deadline {
                break;
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        for p in &mut self.children {
            let _ = p.child.kill();
            let _ = p.child.wait();
        }
        self.children.clear();
        if let Some(mut w) = self.watchdog.take() {
            let _ = w.wait();
        }
    }
}

impl Drop for Supervisor {
    fn drop(&mut self) {
        self.shutdown();
    }
}

impl ManagedProcess {
    /// The process id (also its process group id).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The component name given to [`Supervisor::spawn`].
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The log file receiving stdout and stderr.
    pub fn log(&self) -> &Path {
        &self.log
    }

    /// An error if the process has exited.
    pub fn check_alive(&mut self) -> Result<(), TestkitError> {
        match self.child.try_wait() {
            Ok(None) => Ok(()),
            Ok(Some(status)) => Err(self.start_error(format!("exited with {status}"))),
            Err(e) => Err(self.start_error(format!("cannot query process status: {e}"))),
        }
    }

    /// A start error for this component, with the tail of its log.
    pub fn start_error(&self, reason: String) -> TestkitError {
        TestkitError::ComponentStart {
            component: self.name.clone(),
            reason,
            log: self.log.clone(),
            tail: log_tail(&self.log, 20),
        }
    }
}

/// The last `lines` lines of a log file, indented, or a note why they are unavailable.
pub fn log_tail(path: &Path, lines: usize) -> String {
    let mut text = String::new();
    let read = File::open(path).and_then(|mut f| {
        let len = f.metadata()?.len();
        f.seek(SeekFrom::Start(len.saturating_sub(16 * 1024)))?;
        let mut buf = Vec::new();
        f.read_to_end(&mut buf)?;
        text = String::from_utf8_lossy(&buf).into_owned();
        Ok(())
    });
    if let Err(e) = read {
        return format!("    (cannot read {}: {e})", path.display());
    }
    let all: Vec<&str> = text.lines().collect();
    let start = all.len().saturating_sub(lines);
    all[start..]
        .iter()
        .map(|l| format!("    {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// `n` distinct free TCP ports on 127.0.0.1 (bound together, then released; the usual small
/// race with other processes is acceptable for tests).
pub fn free_ports(n: usize) -> Result<Vec<u16>, TestkitError> {
    let mut listeners = Vec::with_capacity(n);
    for _ in 0..n {
        listeners.push(
            std::net::TcpListener::bind("127.0.0.1:0")
                .map_err(TestkitError::io("binding a free loopback port"))?,
        );
    }
    listeners
        .iter()
        .map(|l| {
            l.local_addr()
                .map(|a| a.port())
                .map_err(TestkitError::io("reading a bound port"))
        })
        .collect()
}
