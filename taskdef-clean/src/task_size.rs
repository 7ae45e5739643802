//! Task-level `cpu` and `memory`: the forms RegisterTaskDefinition takes, and the pairs
//! Fargate runs (from the botocore documentation of RegisterTaskDefinitionRequest, the model
//! this tool is generated from).
//!
//! - cpu: CPU units as an integer string (`"1024"`), or vCPUs (`"1 vCPU"`, `"1 vcpu"`,
//!   `"0.5 vCPU"`, `".25 vCPU"`), 1 vCPU being 1024 units; from 128 units (0.125 vCPU) to
//!   196608 (192 vCPU).
//! - memory: MiB as an integer string (`"2048"`), or GB (`"2 GB"`, `"2GB"`, `"0.5 GB"`), 1 GB
//!   being 1024 MiB.

/// The fewest and most CPU units a task can have.
pub const CPU_RANGE: (u64, u64) = (128, 196_608);

/// What the task-level cpu and memory must be, without any value: `[cpu, memory]`.
pub const FORMS: [&str; 2] = [
    "not a cpu the API takes: CPU units (\"256\", \"1024\") or vCPUs (\"0.25 vCPU\", \"1 vCPU\"), \
     128 to 196608 units",
    "not a memory the API takes: MiB (\"512\", \"2048\") or GB (\"0.5 GB\", \"2 GB\"), more than 0",
];

/// `--cpu` and the task's `cpu`: the CPU units it stands for, or what is wrong.
pub fn cpu_units(text: &str) -> Result<u64, String> {
    let units = match split_unit(text, "vcpu") {
        Some(number) => match scaled(number) {
            Scaled::Whole(units) => units,
            Scaled::NotWhole => {
                return Err(format!(
                    "{text:?} is not a whole number of CPU units (1 vCPU is 1024 units)"
                ));
            }
            Scaled::NotANumber => {
                return Err(format!(
                    "{text:?} is not a cpu the API takes: a number of vCPUs, such as \"1 vCPU\" \
                     or \"0.5 vCPU\""
                ));
            }
        },
        None if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) => {
            text.parse::<u64>().map_err(|_| {
                format!(
                    "{text:?} is more than {} CPU units, the most a task takes",
                    CPU_RANGE.1
                )
            })?
        }
        None => {
            let hint = match scaled(text) {
                Scaled::Whole(units) => {
                    format!("; {text} vCPU is written \"{text} vCPU\" or {units}")
                }
                _ => String::new(),
            };
            return Err(format!(
                "{text:?} is not a cpu the API takes: CPU units (\"256\", \"1024\") or vCPUs \
                 (\"0.25 vCPU\", \"1 vCPU\"){hint}"
            ));
        }
    };
    if units < CPU_RANGE.0 || units > CPU_RANGE.1 {
        return Err(format!(
            "{text:?} is {units} CPU units; a task takes {} to {} (0.125 to 192 vCPU)",
            CPU_RANGE.0, CPU_RANGE.1
        ));
    }
    Ok(units)
}

/// `--memory` and the task's `memory`: the MiB it stands for, or what is wrong.
pub fn memory_mib(text: &str) -> Result<u64, String> {
    let mib = match split_unit(text, "gb") {
        Some(number) => match scaled(number) {
            Scaled::Whole(mib) => mib,
            Scaled::NotWhole => {
                return Err(format!(
                    "{text:?} is not a whole number of MiB (1 GB is 1024 MiB)"
                ));
            }
            Scaled::NotANumber => {
                return Err(format!(
                    "{text:?} is not a memory the API takes: a number of GB, such as \"2 GB\" \
                     or \"0.5 GB\""
                ));
            }
        },
        None if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) => text
            .parse::<u64>()
            .map_err(|_| format!("{text:?} is too large"))?,
        None => {
            return Err(format!(
                "{text:?} is not a memory the API takes: MiB (\"512\", \"2048\") or GB \
                 (\"0.5 GB\", \"2 GB\")"
            ));
        }
    };
    if mib == 0 {
        return Err(format!("{text:?} is no memory at all"));
    }
    Ok(mib)
}

/// The number before a unit (`"1 vCPU"`, `"1vcpu"` with unit `vcpu`), case-insensitive.
fn split_unit<'t>(text: &'t str, unit: &str) -> Option<&'t str> {
    let cut = text.len().checked_sub(unit.len())?;
    let (number, suffix) = (text.get(..cut)?, text.get(cut..)?);
    suffix
        .eq_ignore_ascii_case(unit)
        .then(|| number.strip_suffix(' ').unwrap_or(number))
}

/// A decimal times 1024.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scaled {
    Whole(u64),
    /// A decimal, but the product has a fraction (`0.1 vCPU`).
    NotWhole,
    /// Not a decimal (`x`, `1e3`, `-1`).
    NotANumber,
}

/// `number` (`1`, `0.5`, `.25`) times 1024.
#[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
fn scaled(number: &str) -> Scaled {
    let (int, frac) = number.split_once('.').unwrap_or((number, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if int.len() + frac.len() == 0
        || !digits(int)
        || !digits(frac)
        || (number.contains('.') && frac.is_empty())
        || int.len() > 9
        || frac.len() > 10
    {
        return Scaled::NotANumber;
    }
    let Ok(value) = format!("0{number}").parse::<f64>() else {
        return Scaled::NotANumber;
    };
    let product = value * 1024.0;
    // Exact: at most 9 integer digits, and a fraction of 10 digits or fewer that is a
    // multiple of 1/1024 is exact in binary.
    if product.fract() == 0.0 {
        Scaled::Whole(product as u64)
    } else {
        Scaled::NotWhole
    }
}

/// The memory (MiB) Fargate runs with `cpu` units, or `None` when Fargate has no such cpu.
pub fn fargate_memory(cpu: u64) -> Option<Vec<u64>> {
    let (low, high, step) = match cpu {
        256 => return Some(vec![512, 1024, 2048]),
        512 => (1024, 4096, 1024),
        1024 => (2048, 8192, 1024),
        2048 => (4096, 16_384, 1024),
        4096 => (8192, 30_720, 1024),
        8192 => (16_384, 61_440, 4096),
        16_384 => (32_768, 122_880, 8192),
        _ => return None,
    };
    Some((low..=high).step_by(step).collect())
}

/// The cpu values Fargate takes, for messages.
pub const FARGATE_CPU: &str = "256 (.25 vCPU), 512 (.5 vCPU), 1024 (1 vCPU), 2048 (2 vCPU), \
                               4096 (4 vCPU), 8192 (8 vCPU) or 16384 (16 vCPU)";

/// Whether Fargate runs `cpu` units with `memory` MiB; the message says what it takes.
pub fn fargate_pair(cpu: u64, memory: u64) -> Result<(), String> {
    let Some(takes) = fargate_memory(cpu) else {
        return Err(format!(
            "Fargate has no task size of {cpu} CPU units; it takes {FARGATE_CPU}"
        ));
    };
    if takes.contains(&memory) {
        return Ok(());
    }
    let listed = if takes.len() <= 3 {
        let mut names: Vec<String> = takes.iter().map(u64::to_string).collect();
        let last = names.pop().unwrap_or_default();
        format!("{} or {last}", names.join(", "))
    } else {
        format!(
            "{} to {} in steps of {}",
            takes[0],
            takes[takes.len() - 1],
            takes[1] - takes[0]
        )
    };
    Err(format!(
        "Fargate does not run {cpu} CPU units with {memory} MiB: with {cpu} units it takes \
         {listed} MiB"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_forms() {
        for (text, units) in [
            ("256", 256),
            ("1024", 1024),
            ("128", 128),
            ("196608", 196_608),
            ("1 vCPU", 1024),
            ("1 vcpu", 1024),
            ("1vCPU", 1024),
            ("2 VCPU", 2048),
            ("0.25 vCPU", 256),
            (".25 vCPU", 256),
            ("0.5 vCPU", 512),
            ("192 vCPU", 196_608),
        ] {
            assert_eq!(cpu_units(text), Ok(units), "{text}");
        }
        for (text, expected) in [
            (
                "abc",
                "\"abc\" is not a cpu the API takes: CPU units (\"256\", \"1024\") or vCPUs (\"0.25 vCPU\", \"1 vCPU\")",
            ),
            (
                "0.5",
                "\"0.5\" is not a cpu the API takes: CPU units (\"256\", \"1024\") or vCPUs (\"0.25 vCPU\", \"1 vCPU\"); 0.5 vCPU is written \"0.5 vCPU\" or 512",
            ),
            (
                "0.1 vCPU",
                "\"0.1 vCPU\" is not a whole number of CPU units (1 vCPU is 1024 units)",
            ),
            (
                "x vCPU",
                "\"x vCPU\" is not a cpu the API takes: a number of vCPUs",
            ),
            ("1.  vCPU", "is not a cpu the API takes"),
            ("-256", "is not a cpu the API takes"),
            ("+256", "is not a cpu the API takes"),
            (" 256", "is not a cpu the API takes"),
            ("1e3", "is not a cpu the API takes"),
            (
                "64",
                "\"64\" is 64 CPU units; a task takes 128 to 196608 (0.125 to 192 vCPU)",
            ),
            ("0", "is 0 CPU units"),
            ("256 vCPU", "is 262144 CPU units"),
            (
                "99999999999999999999999",
                "is more than 196608 CPU units, the most a task takes",
            ),
            ("", "is not a cpu the API takes"),
            ("vCPU", "is not a cpu the API takes"),
        ] {
            let found = cpu_units(text).unwrap_err();
            assert!(found.contains(expected), "{text}: {found}");
        }
    }

    #[test]
    fn memory_forms() {
        for (text, mib) in [
            ("512", 512),
            ("2 GB", 2048),
            ("2GB", 2048),
            ("2 gb", 2048),
            ("0.5 GB", 512),
            ("120 GB", 122_880),
        ] {
            assert_eq!(memory_mib(text), Ok(mib), "{text}");
        }
        for (text, expected) in [
            (
                "lots",
                "\"lots\" is not a memory the API takes: MiB (\"512\", \"2048\") or GB (\"0.5 GB\", \"2 GB\")",
            ),
            ("1.5", "is not a memory the API takes"),
            ("512 MiB", "is not a memory the API takes"),
            (
                "0.3 GB",
                "\"0.3 GB\" is not a whole number of MiB (1 GB is 1024 MiB)",
            ),
            ("many GB", "is not a memory the API takes: a number of GB"),
            ("0", "\"0\" is no memory at all"),
            ("99999999999999999999999", "is too large"),
        ] {
            let found = memory_mib(text).unwrap_err();
            assert!(found.contains(expected), "{text}: {found}");
        }
    }

    #[test]
    fn fargate_pairs() {
        for (cpu, memory) in [
            (256, 512),
            (256, 2048),
            (512, 4096),
            (1024, 2048),
            (2048, 16_384),
            (4096, 30_720),
            (8192, 61_440),
            (8192, 20_480),
            (16_384, 122_880),
            (16_384, 40_960),
        ] {
            assert_eq!(fargate_pair(cpu, memory), Ok(()), "{cpu} {memory}");
        }
        assert_eq!(
            fargate_pair(256, 4096).unwrap_err(),
            "Fargate does not run 256 CPU units with 4096 MiB: with 256 units it takes 512, \
             1024 or 2048 MiB"
        );
        assert_eq!(
            fargate_pair(1024, 1024).unwrap_err(),
            "Fargate does not run 1024 CPU units with 1024 MiB: with 1024 units it takes 2048 \
             to 8192 in steps of 1024 MiB"
        );
        assert!(fargate_pair(8192, 17_408).is_err());
        assert_eq!(
            fargate_pair(128, 512).unwrap_err(),
            format!("Fargate has no task size of 128 CPU units; it takes {FARGATE_CPU}")
        );
    }
}
