//! Holds a backend tree for the Wine lane's orphan check
//! (`scripts/wine-lane.sh`): `hold_tree <stand-in executable>`.
//!
//! Spawns both stand-in roles through `contract::process` (on Windows each
//! in its own kill-on-close Job Object) with `STAND_IN_STUBBORN=1`, so the
//! lifeline closing does not end them: only the job can. Prints
//! `HOLDING <pid>…` (roles and grandchildren), then waits to be killed.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use contract::process::Spawner;

fn main() {
    let Some(stand_in) = std::env::args_os().nth(1) else {
        eprintln!("usage: hold_tree <stand-in executable>");
        std::process::exit(2);
    };
    let spawner = Spawner::new();
    let mut trees = Vec::new();
    let mut pids = Vec::new();
    for role in ["desktop_serve", "desktop_worker"] {
        let mut cmd = Command::new(&stand_in);
        cmd.args(["manage.py", role])
            .env("DESKTOP_DJANGO_AUTH_TOKEN", "hold-tree-token")
            .env("STAND_IN_STUBBORN", "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        let mut tree = spawner.spawn(cmd).expect("cannot spawn the stand-in");
        let stdout = tree.child_mut().stdout.take().expect("piped stdout");
        let mut lines = BufReader::new(stdout).lines();
        let report = lines
            .by_ref()
            .map_while(Result::ok)
            .find_map(|l| l.strip_prefix("STAND_IN_TREE ").map(str::to_owned))
            .expect("no STAND_IN_TREE line");
        // Keep reading: a closed pipe would fail the stand-in's next print.
        std::thread::spawn(move || lines.for_each(drop));
        let report: serde_json::Value = serde_json::from_str(&report).expect("STAND_IN_TREE JSON");
        pids.extend([&report["pid"], &report["grandchild"]].map(|p| p.to_string()));
        trees.push(tree);
    }
    println!("HOLDING {}", pids.join(" "));
    loop {
        std::thread::sleep(Duration::from_secs(3600));
    }
}
