//! The CLI as a process.
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

/// The demo with a small population: the tests need its shape, not its size.
const DEMO: &[&str] = &["demo", "--persons", "2000", "--companies", "300"];

fn shuqiao(db: &str) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_shuqiao"));
    c.env("SHUQIAO_DATABASE", db).env_remove("SHUQIAO_LOG");
    c
}

fn run(db: &str, args: &[&str]) -> (bool, String, String) {
    let out = shuqiao(db).args(args).output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

/// `shuqiao serve` on a random port, with `extra` options: the child and its base URL.
fn serve(db: &str, extra: &[&str]) -> (std::process::Child, String) {
    let mut child = shuqiao(db)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap()
        .to_string();
    (child, url)
}

#[path = "cli/admin.rs"]
mod admin;
#[path = "cli/audit.rs"]
mod audit;
#[path = "cli/audit_log.rs"]
mod audit_log;
#[path = "cli/backup.rs"]
mod backup;
#[path = "cli/collect.rs"]
mod collect;
#[path = "cli/logs.rs"]
mod logs;
#[path = "cli/report.rs"]
mod report;
#[path = "cli/share.rs"]
mod share;
#[path = "cli/systems.rs"]
mod systems;
