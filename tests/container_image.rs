//! The container image (`deploy/container/`) built and run with podman:
//!
//! - `deploy/container/build.sh` stages the context from the test's own binary (the debug build
//!   cargo made for this test run, stripped: building a release binary here would add minutes
//!   to CI) and `podman build`s the Containerfile, FROM scratch, with no registry;
//! - the image's configuration: non-root user 10001, the store volume, `serve` as the default
//!   command, the HEALTHCHECK, the working directory the Kubernetes manifests use, and the
//!   manifests name the tag `build.sh` gives the image by default;
//! - in containers sharing one named volume: `validate-config` exits 0, `ingest --interval 0`
//!   (the bundled replay source, no network) writes the SQLite store into the volume as UID
//!   10001, then the default command (`serve --bind 0.0.0.0:8080`) answers `/healthz` and
//!   `/readyz` on a port published on 127.0.0.1 of the host, the image's HEALTHCHECK passes
//!   (`podman healthcheck run`), the process runs as 10001 and `podman stop` (SIGTERM) ends it
//!   with exit 0;
//! - without `NFLREADPY_API_TOKEN` the default command refuses to listen on 0.0.0.0.
//!
//! podman, buildah and runc are Debian packages `.ci/run` installs (with the
//! `/etc/containers/containers.conf` it needs on these machines); missing or unable to run a
//! container, the test skips with a message outside CI and fails under `CI`. Every container,
//! volume and image it makes is removed when it ends, pass or fail. Nothing leaves loopback:
//! the containers reach no network and the host talks to 127.0.0.1 only.

mod common;

use common::{http, wait_for};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_nflreadpy-betting");
const VOLUME_DIR: &str = "/var/lib/nflreadpy";
const STORE_FILE: &str = "/var/lib/nflreadpy/odds.sqlite3";
const WORKDIR: &str = "/usr/share/nflreadpy-betting";
const TOKEN: &str = "container-test-token";

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// `podman ARGS`, killed after `secs` (coreutils `timeout`), output captured.
fn podman(args: &[&str], secs: u64) -> Output {
    Command::new("timeout")
        .args(["--kill-after=10", &secs.to_string(), "podman"])
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("running podman {args:?}: {e}"))
}

/// `podman ARGS` must exit 0; returns its stdout.
fn podman_ok(args: &[&str], secs: u64) -> String {
    let o = podman(args, secs);
    assert!(
        o.status.success(),
        "podman {} exited {:?}:\n{}",
        args.join(" "),
        o.status.code(),
        text(&o)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn refs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

/// Skip (outside CI) or fail (under `CI`) with `why`.
fn unavailable(why: &str) {
    assert!(
        std::env::var_os("CI").is_none(),
        "CI is set but {why}: .ci/run must install Debian's podman, buildah and runc and write \
         /etc/containers/containers.conf"
    );
    println!("SKIPPED: {why} (apt-get install podman buildah runc; see deploy/README.md)");
}

/// podman is installed and runs a container here (`podman info` answers).
fn podman_usable() -> bool {
    match Command::new("podman")
        .args(["info", "--format", "{{.Host.OCIRuntime.Name}}"])
        .stdin(Stdio::null())
        .output()
    {
        Err(_) => {
            unavailable("podman is not installed");
            false
        }
        Ok(o) if !o.status.success() => {
            unavailable(&format!("podman info failed:\n{}", text(&o)));
            false
        }
        Ok(_) => true,
    }
}

/// Removes what the test made, whatever happens to it.
struct Cleanup {
    image: String,
    volume: String,
    containers: Vec<String>,
    context: PathBuf,
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        for c in &self.containers {
            let _ = podman(&["rm", "--force", "--time", "5", c], 60);
        }
        let _ = podman(&["volume", "rm", "--force", &self.volume], 60);
        let _ = podman(&["rmi", "--force", &self.image], 60);
        let _ = std::fs::remove_dir_all(&self.context);
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("binding a loopback port")
        .local_addr()
        .unwrap()
        .port()
}

/// The manifests' image references (`image:` values).
fn manifest_images() -> Vec<String> {
    let mut out = Vec::new();
    for f in ["serve.yaml", "ingest.yaml"] {
        let body = std::fs::read_to_string(repo().join("deploy/kubernetes").join(f)).unwrap();
        for line in body.lines() {
            if let Some(v) = line.trim().strip_prefix("image:") {
                out.push(v.trim().to_string());
            }
        }
    }
    out
}

/// The UID a process runs as on the host, from /proc (rootful podman: no user namespace).
fn host_uid(pid: &str) -> Option<String> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))
        .and_then(|v| v.split_whitespace().next().map(str::to_string))
}

#[test]
fn image_builds_and_runs_validate_ingest_and_serve() {
    if !podman_usable() {
        return;
    }
    let id = format!(
        "{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos()
    );
    let mut guard = Cleanup {
        image: format!("localhost/nflreadpy-betting-test:{id}"),
        volume: format!("nflreadpy-betting-test-{id}"),
        containers: Vec::new(),
        context: std::env::temp_dir().join(format!("nflreadpy-betting-image-{id}")),
    };
    let image = guard.image.clone();
    let volume = guard.volume.clone();
    let mount = format!("{volume}:{VOLUME_DIR}");

    // --- build ---------------------------------------------------------------------------
    let started = std::time::Instant::now();
    let build = Command::new("timeout")
        .arg("900")
        .arg(repo().join("deploy/container/build.sh"))
        .args([
            "--engine",
            "podman",
            "--binary",
            BIN,
            "--tag",
            &image,
            "--context",
        ])
        .arg(&guard.context)
        .stdin(Stdio::null())
        .output()
        .expect("running deploy/container/build.sh");
    assert!(
        build.status.success(),
        "build.sh exited {:?}:\n{}",
        build.status.code(),
        text(&build)
    );
    let size = podman_ok(&["image", "inspect", "--format", "{{.Size}}", &image], 60);
    println!(
        "built {image} from the test binary in {:.1}s: {} bytes",
        started.elapsed().as_secs_f64(),
        size.trim()
    );

    // --- what the image declares ---------------------------------------------------------
    let inspect = podman_ok(&["image", "inspect", &image], 60);
    let inspect: serde_json::Value = serde_json::from_str(&inspect).expect("inspect JSON");
    let cfg = &inspect[0]["Config"];
    assert_eq!(cfg["User"], "10001:10001", "{cfg:#}");
    assert!(cfg["Volumes"].get(VOLUME_DIR).is_some(), "{cfg:#}");
    assert_eq!(cfg["WorkingDir"], WORKDIR, "{cfg:#}");
    assert_eq!(
        cfg["Entrypoint"],
        serde_json::json!(["/usr/local/bin/nflreadpy-betting"])
    );
    assert_eq!(
        cfg["Cmd"],
        serde_json::json!(["serve", "--bind", "0.0.0.0:8080"])
    );
    let health = inspect[0]["Healthcheck"]["Test"].to_string();
    assert!(
        health.contains("healthcheck") && health.contains("/healthz"),
        "HEALTHCHECK (podman keeps it with --format docker): {health}"
    );
    let version = env!("CARGO_PKG_VERSION");
    for reference in manifest_images() {
        assert_eq!(
            reference,
            format!("nflreadpy-betting:{version}"),
            "deploy/kubernetes names the tag deploy/container/build.sh builds"
        );
    }

    podman_ok(&["volume", "create", &volume], 60);
    // Every container is named, so the guard removes it even when a timeout kills `podman run`.
    let names: Vec<String> = ["validate", "ingest", "no-token", "serve"]
        .iter()
        .map(|what| format!("nflreadpy-betting-test-{what}-{id}"))
        .collect();
    guard.containers.extend(names.iter().cloned());
    let run_once = |name: &str| {
        vec![
            "run".to_string(),
            "--rm".into(),
            "--name".into(),
            name.into(),
            "--network".into(),
            "none".into(),
            "-v".into(),
            mount.clone(),
            image.clone(),
        ]
    };
    let with = |mut base: Vec<String>, more: &[&str]| {
        base.extend(more.iter().map(|s| s.to_string()));
        base
    };

    // --- validate-config and a single-shot ingest into the volume -------------------------
    let args = with(run_once(&names[0]), &["validate-config"]);
    let out = podman_ok(&refs(&args), 300);
    println!("validate-config: {}", out.trim());
    let args = with(run_once(&names[1]), &["ingest", "--interval", "0"]);
    let ingest = podman(&refs(&args), 600);
    assert!(
        ingest.status.success(),
        "ingest --interval 0 in the container exited {:?}:\n{}",
        ingest.status.code(),
        text(&ingest)
    );
    let mountpoint = podman_ok(
        &["volume", "inspect", "--format", "{{.Mountpoint}}", &volume],
        60,
    );
    let store = Path::new(mountpoint.trim()).join("odds.sqlite3");
    match std::fs::metadata(&store) {
        Ok(meta) => {
            use std::os::unix::fs::MetadataExt;
            assert!(meta.len() > 0, "{} is empty", store.display());
            println!(
                "ingest wrote {} ({} bytes, owner {})",
                store.display(),
                meta.len(),
                meta.uid()
            );
            // Rootful podman maps no user namespace: the file's owner is the image's user.
            if mountpoint.starts_with("/var/lib/containers/") {
                assert_eq!(meta.uid(), 10001, "the store belongs to the image's user");
            }
        }
        Err(e) => panic!(
            "{STORE_FILE} is not in the volume ({}: {e})",
            store.display()
        ),
    }

    // --- no token: the default command refuses to listen on every interface -------------
    let refused = podman(&refs(&run_once(&names[2])), 300);
    assert!(
        !refused.status.success() && text(&refused).contains("token"),
        "serve on 0.0.0.0 without NFLREADPY_API_TOKEN must refuse to start:\n{}",
        text(&refused)
    );

    // --- the default command: serve, reached from the host on 127.0.0.1 ------------------
    let port = free_port();
    let name = names[3].clone();
    let publish = format!("127.0.0.1:{port}:8080");
    let token_env = format!("NFLREADPY_API_TOKEN={TOKEN}");
    let run = podman(
        &[
            "run", "--detach", "--name", &name, "-p", &publish, "-e", &token_env, "-v", &mount,
            &image,
        ],
        300,
    );
    assert!(
        run.status.success(),
        "podman run (serve, port {publish}) exited {:?}:\n{}",
        run.status.code(),
        text(&run)
    );
    let base = format!("http://127.0.0.1:{port}");
    let logs = || text(&podman(&["logs", &name], 60));
    let healthz = wait_for("/healthz from the host", Duration::from_secs(180), || {
        let running = podman_ok(&["inspect", "--format", "{{.State.Running}}", &name], 60);
        assert!(
            running.trim() == "true",
            "the serve container stopped; its log:\n{}",
            logs()
        );
        http("GET", &format!("{base}/healthz")).filter(|(s, _)| *s == 200)
    });
    assert!(healthz.1.contains("ok"), "/healthz body: {}", healthz.1);
    println!("GET {base}/healthz -> 200 {}", healthz.1.trim());
    // Ready means the replay ingested into the volume's store and the engine priced it.
    let ready = wait_for("/readyz 200", Duration::from_secs(300), || {
        http("GET", &format!("{base}/readyz")).filter(|(s, _)| *s == 200)
    });
    println!("GET {base}/readyz -> 200 {}", ready.1.trim());

    // The image's HEALTHCHECK, run the way the engine runs it (inside the container).
    let hc = podman(&["healthcheck", "run", &name], 120);
    assert!(
        hc.status.success(),
        "podman healthcheck run exited {:?}:\n{}\n{}",
        hc.status.code(),
        text(&hc),
        logs()
    );

    let pid = podman_ok(&["inspect", "--format", "{{.State.Pid}}", &name], 60);
    if let Some(uid) = host_uid(pid.trim()) {
        // Rootful: the host sees the container's UID; rootless maps it into a subordinate range.
        let rootful = Command::new("id")
            .arg("-u")
            .output()
            .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
        if rootful {
            assert_eq!(uid, "10001", "serve runs as the image's non-root user");
        }
        println!("serve runs as host UID {uid}");
    }

    // SIGTERM (podman stop) shuts serve down cleanly.
    podman_ok(&["stop", "--time", "60", &name], 120);
    let code = podman_ok(&["inspect", "--format", "{{.State.ExitCode}}", &name], 60);
    assert_eq!(
        code.trim(),
        "0",
        "serve's exit code after SIGTERM; its log:\n{}",
        logs()
    );
    drop(guard);
}
