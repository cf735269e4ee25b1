//! Records the git commit for the `nflreadpy_betting_build_info` metric. No git, or no
//! checkout (a source tarball), gives "unknown"; `NFLREADPY_BETTING_GIT_SHA` set in the
//! environment wins (packagers building outside git).

use std::path::PathBuf;
use std::process::Command;

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    if !out.status.success() {
        return None;
    }
    let s = String::from_utf8(out.stdout).ok()?.trim().to_string();
    (!s.is_empty()).then_some(s)
}

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=NFLREADPY_BETTING_GIT_SHA");
    let sha = std::env::var("NFLREADPY_BETTING_GIT_SHA")
        .ok()
        .filter(|s| !s.trim().is_empty())
        .or_else(|| git(&["rev-parse", "--short=12", "HEAD"]))
        .filter(|s| s.chars().all(|c| c.is_ascii_alphanumeric()))
        .unwrap_or_else(|| "unknown".to_string());
    println!("cargo:rustc-env=NFLREADPY_BETTING_GIT_SHA={sha}");
    // Rebuild when HEAD moves: the HEAD file (a branch switch) and the branch's ref (a commit).
    // Only paths that exist are named; a missing one would rerun this script on every build.
    let mut watch: Vec<PathBuf> = Vec::new();
    if let Some(p) = git(&["rev-parse", "--git-path", "HEAD"]) {
        watch.push(PathBuf::from(p));
    }
    if let Some(r) = git(&["symbolic-ref", "-q", "HEAD"]) {
        if let Some(p) = git(&["rev-parse", "--git-path", &r]) {
            watch.push(PathBuf::from(p));
        }
    }
    if let Some(p) = git(&["rev-parse", "--git-path", "packed-refs"]) {
        watch.push(PathBuf::from(p));
    }
    for p in watch.into_iter().filter(|p| p.exists()) {
        println!("cargo:rerun-if-changed={}", p.display());
    }
}
