//! The controllers run by the demo, as child processes logging to files.

use std::fs::File;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use anyhow::Context;

/// A running controller process; killed when dropped.
pub struct Controller {
    /// Binary name.
    pub name: &'static str,
    /// Where its log goes.
    pub log: PathBuf,
    child: Child,
}

impl Controller {
    /// Starts `name` from `bin_dir` against the kubeconfig, with extra flags.
    pub fn start(
        bin_dir: &Path,
        name: &'static str,
        kubeconfig: &Path,
        work_dir: &Path,
        extra: &[String],
    ) -> anyhow::Result<Controller> {
        let bin = bin_dir.join(name);
        anyhow::ensure!(
            bin.exists(),
            "{} not found; build it with `cargo build --bins`",
            bin.display()
        );
        let log = work_dir.join(format!("{name}.log"));
        let out = File::create(&log).with_context(|| format!("creating {}", log.display()))?;
        let err = out.try_clone()?;
        let child = Command::new(&bin)
            .arg(format!("--kubeconfig={}", kubeconfig.display()))
            .arg(format!("--health-addr=127.0.0.1:{}", free_port()?))
            .arg(format!("--metrics-addr=127.0.0.1:{}", free_port()?))
            .arg("--log-encoding=console")
            .args(extra)
            .env("RUNTIME_NAMESPACE", "flux-system")
            .stdout(Stdio::from(out))
            .stderr(Stdio::from(err))
            .spawn()
            .with_context(|| format!("starting {}", bin.display()))?;
        Ok(Controller { name, log, child })
    }

    /// Fails when the process has exited, pointing at its log.
    pub fn check_running(&mut self) -> anyhow::Result<()> {
        if let Some(status) = self.child.try_wait()? {
            anyhow::bail!(
                "{} exited with {status}; see {}",
                self.name,
                self.log.display()
            );
        }
        Ok(())
    }
}

impl Drop for Controller {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status();
        let _ = self.child.wait();
    }
}

/// A free loopback port.
pub fn free_port() -> anyhow::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}
