//! What every command returns: success, or a failure with the exit code it maps to
//! (0 ok, 1 runtime failure, 2 usage or configuration error). `app` turns it into the process's
//! exit code; the commands build it.

/// A failure with the exit code it maps to.
#[derive(Debug)]
pub enum Failure {
    /// Bad usage or configuration: exit 2.
    Usage(String),
    /// Something failed while running: exit 1.
    Runtime(anyhow::Error),
    /// The command ran and wants a specific exit code (monitors, health checks).
    Code(u8),
}

impl From<anyhow::Error> for Failure {
    fn from(e: anyhow::Error) -> Self {
        Failure::Runtime(e)
    }
}

pub type Outcome = Result<(), Failure>;
