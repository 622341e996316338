//! Reading this process's memory from `/proc/self/status`.

use crate::informer::InformerBenchError;

/// Resident memory of a process, in bytes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Memory {
    /// `VmHWM`: the peak resident set so far.
    pub peak: u64,
    /// `VmRSS`: the resident set now.
    pub current: u64,
}

/// Parses `VmHWM` and `VmRSS` (reported in kB) out of a `/proc/<pid>/status` text.
pub fn parse(status: &str) -> Result<Memory, InformerBenchError> {
    let field = |name: &str| -> Result<u64, InformerBenchError> {
        let line = status
            .lines()
            .find_map(|l| l.strip_prefix(name)?.strip_prefix(':'))
            .ok_or_else(|| InformerBenchError::Protocol(format!("no {name} in /proc status")))?;
        let mut words = line.split_whitespace();
        let value: u64 = words
            .next()
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| InformerBenchError::Protocol(format!("{name}: bad value {line:?}")))?;
        match words.next() {
            Some("kB") => Ok(value * 1024),
            other => Err(InformerBenchError::Protocol(format!(
                "{name}: unit {other:?}, want kB"
            ))),
        }
    };
    Ok(Memory {
        peak: field("VmHWM")?,
        current: field("VmRSS")?,
    })
}

/// This process's memory now.
pub fn current() -> Result<Memory, InformerBenchError> {
    parse(&std::fs::read_to_string("/proc/self/status")?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_peak_and_current_in_bytes() {
        let status =
            "Name:\tinformer\nVmPeak:\t  999 kB\nVmHWM:\t    2048 kB\nVmRSS:\t    1024 kB\n";
        assert_eq!(
            parse(status).unwrap(),
            Memory {
                peak: 2 * 1024 * 1024,
                current: 1024 * 1024
            }
        );
    }

    #[test]
    fn missing_or_odd_fields_are_errors() {
        assert!(parse("VmRSS:\t1 kB\n").is_err());
        assert!(parse("VmHWM:\tx kB\nVmRSS:\t1 kB\n").is_err());
        assert!(parse("VmHWM:\t1 MB\nVmRSS:\t1 kB\n").is_err());
    }

    #[test]
    fn this_process_has_memory() {
        let mem = current().unwrap();
        assert!(mem.current > 0 && mem.peak >= mem.current, "{mem:?}");
    }
}
