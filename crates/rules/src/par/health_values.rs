//! What PAR003 reads of an ECS container `healthCheck`: what its command tests (an HTTP URL, a
//! gRPC health probe, only that the process runs, or something else) and its timings.

use lint_engine::doc::Node;

/// ECS `healthCheck.timeout` when unset (seconds).
pub const ECS_DEFAULT_TIMEOUT: i64 = 5;
/// Kubernetes probe `timeoutSeconds` when unset (seconds).
pub const K8S_DEFAULT_TIMEOUT: i64 = 1;

/// Kubernetes probe `periodSeconds` when unset (seconds).
pub const K8S_DEFAULT_PERIOD: i64 = 10;
/// Kubernetes probe `failureThreshold` when unset.
pub const K8S_DEFAULT_FAILURES: i64 = 3;

/// What an ECS health-check command tests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Check {
    /// An HTTP request (`curl`, `wget`) to a local URL: its port (when written) and path.
    Http { port: Option<i64>, path: String },
    /// A gRPC health probe (`grpc_health_probe`, `grpcurl`).
    Grpc,
    /// Only that the process is alive (`pgrep`, `pidof`, `kill -0`, `exit 0`).
    Process,
    /// Anything else (a script, a TCP check).
    Other,
}

/// The words of a health-check command without its `CMD`/`CMD-SHELL` marker.
pub fn command_text(command: &Node) -> Option<String> {
    let words: Vec<&str> = command.as_seq()?.iter().filter_map(Node::as_str).collect();
    let rest = match words.first() {
        Some(&"CMD") | Some(&"CMD-SHELL") => &words[1..],
        _ => &words[..],
    };
    (!rest.is_empty()).then(|| rest.join(" "))
}

/// What a command tests.
pub fn classify(text: &str) -> Check {
    let lower = text.to_ascii_lowercase();
    if ["grpc_health_probe", "grpc-health-probe", "grpcurl"]
        .iter()
        .any(|w| lower.contains(w))
    {
        return Check::Grpc;
    }
    if let Some(url) = text
        .split(|c: char| c.is_whitespace() || c == '"' || c == '\'')
        .find(|w| w.starts_with("http://") || w.starts_with("https://"))
    {
        let https = url.starts_with("https://");
        let rest = url.split_once("://").map_or("", |(_, r)| r);
        let (authority, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, "/"),
        };
        let path = path.split(['?', '#']).next().unwrap_or("/");
        let port = match authority.rsplit_once(':') {
            Some((_, p)) => p.parse().ok(),
            None => Some(if https { 443 } else { 80 }),
        };
        return Check::Http {
            port,
            path: if path.is_empty() { "/" } else { path }.to_string(),
        };
    }
    let first = lower.split_whitespace().next().unwrap_or("");
    let process_only = matches!(first, "pgrep" | "pidof" | "true")
        || lower.starts_with("kill -0")
        || lower.trim() == "exit 0"
        || lower.starts_with("ps ");
    if process_only {
        Check::Process
    } else {
        Check::Other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands() {
        assert_eq!(
            classify("curl -f http://localhost:8080/health || exit 1"),
            Check::Http {
                port: Some(8080),
                path: "/health".into()
            }
        );
        assert_eq!(
            classify("wget -qO- http://127.0.0.1/ready?full=1"),
            Check::Http {
                port: Some(80),
                path: "/ready".into()
            }
        );
        assert_eq!(
            classify("curl -sf \"http://localhost:$PORT\""),
            Check::Http {
                port: None,
                path: "/".into()
            }
        );
        assert_eq!(classify("grpc_health_probe -addr=:50051"), Check::Grpc);
        assert_eq!(classify("pgrep -f worker"), Check::Process);
        assert_eq!(classify("exit 0"), Check::Process);
        assert_eq!(classify("/app/check.sh"), Check::Other);
    }
}
