//! `healthcheck`: one HTTP/1.0 GET of a probe such as `serve`'s `/healthz`, for a container's
//! HEALTHCHECK in an image that has no curl. Exit 0 when the answer's status is 200, 1 on any
//! other status, a refused connection or the timeout; 2 on a URL it cannot use. Loads no
//! configuration: the URL names the probe (default `http://127.0.0.1:8080/healthz`, the
//! image's `serve --bind 0.0.0.0:8080`).

use super::{Failure, Outcome};
use crate::cli::HealthcheckArgs;
use anyhow::{anyhow, Context};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

/// `http://HOST[:PORT][/PATH]` split into the address to connect to, the Host header and the
/// request target.
fn parse_url(url: &str) -> Result<(String, String), String> {
    let rest = url
        .strip_prefix("http://")
        .ok_or_else(|| format!("healthcheck: expected an http:// URL, got {url:?}"))?;
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    if authority.is_empty() || authority.contains('@') {
        return Err(format!(
            "healthcheck: expected http://HOST[:PORT]/PATH, got {url:?}"
        ));
    }
    let has_port = match authority.rfind(':') {
        Some(i) => !authority[i..].contains(']'),
        None => false,
    };
    let authority = if has_port {
        authority.to_string()
    } else {
        format!("{authority}:80")
    };
    Ok((authority, path.to_string()))
}

/// The status code of an HTTP status line (`HTTP/1.1 200 OK`).
fn status_code(head: &str) -> Option<u16> {
    let line = head.lines().next()?;
    let mut parts = line.split_whitespace();
    parts.next().filter(|v| v.starts_with("HTTP/"))?;
    parts.next()?.parse().ok()
}

fn probe(authority: &str, path: &str, timeout: Duration) -> anyhow::Result<u16> {
    let deadline = Instant::now() + timeout;
    let left = || {
        deadline
            .checked_duration_since(Instant::now())
            .filter(|d| !d.is_zero())
            .ok_or_else(|| anyhow!("timed out after {:.1}s", timeout.as_secs_f64()))
    };
    let addrs: Vec<SocketAddr> = authority
        .to_socket_addrs()
        .with_context(|| format!("resolving {authority}"))?
        .collect();
    let addr = addrs
        .first()
        .ok_or_else(|| anyhow!("{authority} resolves to no address"))?;
    let mut stream = TcpStream::connect_timeout(addr, left()?)
        .with_context(|| format!("connecting to {addr}"))?;
    stream.set_write_timeout(Some(left()?))?;
    let host = authority.strip_suffix(":80").unwrap_or(authority);
    write!(
        stream,
        "GET {path} HTTP/1.0\r\nHost: {host}\r\nUser-Agent: nflreadpy-betting-healthcheck\r\n\r\n"
    )
    .context("sending the request")?;
    // The status line is all that is needed; read until it is complete or the server closes.
    let mut head = Vec::new();
    let mut buf = [0u8; 512];
    while !head.contains(&b'\n') && head.len() < 8192 {
        stream.set_read_timeout(Some(left()?))?;
        let n = stream.read(&mut buf).context("reading the answer")?;
        if n == 0 {
            break;
        }
        head.extend_from_slice(&buf[..n]);
    }
    status_code(&String::from_utf8_lossy(&head))
        .ok_or_else(|| anyhow!("no HTTP status line in the answer"))
}

pub fn run(a: &HealthcheckArgs) -> Outcome {
    let (authority, path) = parse_url(&a.url).map_err(Failure::Usage)?;
    if !(a.timeout.is_finite() && a.timeout > 0.0 && a.timeout <= 3600.0) {
        return Err(Failure::Usage(format!(
            "healthcheck: --timeout must be between 0 and 3600 seconds, got {}",
            a.timeout
        )));
    }
    match probe(&authority, &path, Duration::from_secs_f64(a.timeout)) {
        Ok(200) => {
            println!("{} 200", a.url);
            Ok(())
        }
        Ok(code) => {
            crate::logging::stderr_line(format_args!("healthcheck: {} answered {code}", a.url));
            Err(Failure::Code(1))
        }
        Err(e) => {
            crate::logging::stderr_line(format_args!("healthcheck: {}: {e:#}", a.url));
            Err(Failure::Code(1))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    #[test]
    fn urls() {
        assert_eq!(
            parse_url("http://127.0.0.1:8080/healthz").unwrap(),
            ("127.0.0.1:8080".into(), "/healthz".into())
        );
        assert_eq!(
            parse_url("http://localhost").unwrap(),
            ("localhost:80".into(), "/".into())
        );
        assert_eq!(
            parse_url("http://[::1]:9/readyz?x=1").unwrap(),
            ("[::1]:9".into(), "/readyz?x=1".into())
        );
        assert_eq!(
            parse_url("http://[::1]/").unwrap(),
            ("[::1]:80".into(), "/".into())
        );
        for bad in [
            "https://127.0.0.1/healthz",
            "127.0.0.1:8080",
            "http:///x",
            "http://u@h/",
        ] {
            assert!(parse_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn status_lines() {
        assert_eq!(status_code("HTTP/1.1 200 OK\r\n"), Some(200));
        assert_eq!(
            status_code("HTTP/1.0 503 Service Unavailable\r\n"),
            Some(503)
        );
        assert_eq!(status_code("SSH-2.0-OpenSSH\r\n"), None);
        assert_eq!(status_code(""), None);
    }

    /// A one-connection server answering `answer`; returns the port.
    fn serve_once(answer: &'static str) -> u16 {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        std::thread::spawn(move || {
            let (mut s, _) = l.accept().unwrap();
            let mut req = [0u8; 1024];
            let _ = s.read(&mut req);
            let _ = s.write_all(answer.as_bytes());
        });
        port
    }

    #[test]
    fn probes() {
        let t = Duration::from_secs(5);
        let port = serve_once("HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok");
        assert_eq!(
            probe(&format!("127.0.0.1:{port}"), "/healthz", t).unwrap(),
            200
        );
        let port = serve_once("HTTP/1.1 503 Service Unavailable\r\n\r\n");
        assert_eq!(
            probe(&format!("127.0.0.1:{port}"), "/readyz", t).unwrap(),
            503
        );
        // Nothing listening: refused, an error (exit 1), not a hang.
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        assert!(probe(&format!("127.0.0.1:{port}"), "/healthz", t).is_err());
    }

    #[test]
    fn a_silent_server_times_out() {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        let start = Instant::now();
        let err = probe(
            &format!("127.0.0.1:{port}"),
            "/healthz",
            Duration::from_millis(300),
        );
        assert!(err.is_err());
        assert!(start.elapsed() < Duration::from_secs(5));
        drop(l);
    }
}
