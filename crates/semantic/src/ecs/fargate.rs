//! Fargate task sizes: the valid task-level `cpu`/`memory` combinations, and the parsing of the
//! values ECS accepts for them (`"1 vCPU"`, `"2GB"`, `"1024"`, numbers).
//!
//! Source: the `TaskDefinition.memory` reference of the AWS SDK
//! (<https://docs.aws.amazon.com/sdk-for-kotlin/api/latest/ecs/aws.sdk.kotlin.services.ecs.model/-task-definition/memory.html>)
//! and "Troubleshoot task CPU and memory errors"
//! (<https://docs.aws.amazon.com/AmazonECS/latest/userguide/task-cpu-memory-error.html>).
//! Each row is a CPU size with its memory range (MiB) and step; the unit test checks the rows
//! against the combinations listed on those pages.

/// One CPU size of Fargate and the memory it accepts: `min..=max` in steps of `step` (MiB),
/// plus `extra` values outside that range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FargateCpu {
    /// CPU units (1024 = 1 vCPU).
    pub cpu: u32,
    pub min_memory: u32,
    pub max_memory: u32,
    pub step: u32,
    /// Needs Linux platform version 1.4.0 or later.
    pub needs_platform_1_4: bool,
}

/// The Fargate table. 256 CPU is the one irregular row: it accepts 512, 1024 and 2048 MiB (not
/// 1536), which [`FargateCpu::memories`] lists explicitly.
pub const FARGATE_SIZES: &[FargateCpu] = &[
    FargateCpu {
        cpu: 256,
        min_memory: 512,
        max_memory: 2048,
        step: 512,
        needs_platform_1_4: false,
    },
    FargateCpu {
        cpu: 512,
        min_memory: 1024,
        max_memory: 4096,
        step: 1024,
        needs_platform_1_4: false,
    },
    FargateCpu {
        cpu: 1024,
        min_memory: 2048,
        max_memory: 8192,
        step: 1024,
        needs_platform_1_4: false,
    },
    FargateCpu {
        cpu: 2048,
        min_memory: 4096,
        max_memory: 16384,
        step: 1024,
        needs_platform_1_4: false,
    },
    FargateCpu {
        cpu: 4096,
        min_memory: 8192,
        max_memory: 30720,
        step: 1024,
        needs_platform_1_4: false,
    },
    FargateCpu {
        cpu: 8192,
        min_memory: 16384,
        max_memory: 61440,
        step: 4096,
        needs_platform_1_4: true,
    },
    FargateCpu {
        cpu: 16384,
        min_memory: 32768,
        max_memory: 122880,
        step: 8192,
        needs_platform_1_4: true,
    },
];

/// Windows tasks on Fargate need at least 1 vCPU.
pub const WINDOWS_MIN_CPU: u32 = 1024;

impl FargateCpu {
    /// The valid memory values of this CPU size, ascending.
    pub fn memories(&self) -> Vec<u32> {
        if self.cpu == 256 {
            // The one irregular row: 512, 1024, 2048.
            return vec![512, 1024, 2048];
        }
        (self.min_memory..=self.max_memory)
            .step_by(self.step as usize)
            .collect()
    }
    pub fn accepts(&self, memory: u32) -> bool {
        self.memories().contains(&memory)
    }
    /// The smallest valid memory at or above `memory`, else the largest valid one.
    pub fn nearest_memory(&self, memory: u32) -> u32 {
        let all = self.memories();
        all.iter()
            .copied()
            .find(|m| *m >= memory)
            .unwrap_or(self.max_memory)
    }
}

/// The table row of a CPU size.
pub fn fargate_cpu(cpu: u32) -> Option<&'static FargateCpu> {
    FARGATE_SIZES.iter().find(|r| r.cpu == cpu)
}

/// The CPU sizes that accept `memory`.
pub fn cpus_for_memory(memory: u32) -> Vec<u32> {
    FARGATE_SIZES
        .iter()
        .filter(|r| r.accepts(memory))
        .map(|r| r.cpu)
        .collect()
}

/// A number and an optional unit word: `"1 vCPU"` → (1.0, "vcpu"), `"2GB"` → (2.0, "gb").
fn split_unit(s: &str) -> Option<(f64, String)> {
    let t = s.trim();
    let end = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let num: f64 = t[..end].parse().ok()?;
    if !num.is_finite() || num < 0.0 {
        return None;
    }
    Some((num, t[end..].trim().to_ascii_lowercase()))
}

fn whole(v: f64) -> Option<u32> {
    (v.fract() == 0.0 && v <= f64::from(u32::MAX)).then_some(v as u32)
}

/// Task CPU as ECS reads it: CPU units (`"1024"`, `1024`) or vCPUs (`"1 vCPU"`, `".25 vcpu"`).
pub fn parse_cpu(s: &str) -> Option<u32> {
    let (num, unit) = split_unit(s)?;
    match unit.as_str() {
        "" => whole(num),
        "vcpu" | "vcpus" => whole(num * 1024.0),
        _ => None,
    }
}

/// Task memory as ECS reads it: MiB (`"2048"`, `2048`, `"2048 MiB"`) or GB (`"2GB"`, `"2 GB"`,
/// where ECS counts 1 GB as 1024 MiB).
pub fn parse_memory(s: &str) -> Option<u32> {
    let (num, unit) = split_unit(s)?;
    match unit.as_str() {
        "" | "mib" | "mb" => whole(num),
        "gb" | "gib" => whole(num * 1024.0),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The combinations as the AWS pages list them, typed once more from the documentation
    /// text: the table above must give exactly these.
    #[test]
    fn table_matches_the_documented_combinations() {
        let gb = |v: &[u32]| v.iter().map(|g| g * 1024).collect::<Vec<_>>();
        let range =
            |lo: u32, hi: u32, step: u32| gb(&(lo..=hi).step_by(step as usize).collect::<Vec<_>>());
        let documented: &[(u32, Vec<u32>)] = &[
            (256, vec![512, 1024, 2048]),
            (512, range(1, 4, 1)),
            (1024, range(2, 8, 1)),
            (2048, range(4, 16, 1)),
            (4096, range(8, 30, 1)),
            (8192, range(16, 60, 4)),
            (16384, range(32, 120, 8)),
        ];
        assert_eq!(FARGATE_SIZES.len(), documented.len());
        for (cpu, mems) in documented {
            let row = fargate_cpu(*cpu).unwrap();
            assert_eq!(&row.memories(), mems, "cpu {cpu}");
            assert_eq!(row.min_memory, mems[0]);
            assert_eq!(row.max_memory, *mems.last().unwrap());
            assert_eq!(row.needs_platform_1_4, *cpu >= 8192);
        }
    }

    #[test]
    fn parsing_and_nearest() {
        assert_eq!(parse_cpu("1 vCPU"), Some(1024));
        assert_eq!(parse_cpu(".25 vcpu"), Some(256));
        assert_eq!(parse_cpu(" 512 "), Some(512));
        assert_eq!(parse_cpu("1.5"), None);
        assert_eq!(parse_cpu("two"), None);
        assert_eq!(parse_memory("2GB"), Some(2048));
        assert_eq!(parse_memory("0.5 GB"), Some(512));
        assert_eq!(parse_memory("3072"), Some(3072));
        assert_eq!(parse_memory("3 TB"), None);
        let r = fargate_cpu(1024).unwrap();
        assert!(r.accepts(3072) && !r.accepts(1024) && !r.accepts(2500));
        assert_eq!(r.nearest_memory(2500), 3072);
        assert_eq!(r.nearest_memory(1024), 2048);
        assert_eq!(r.nearest_memory(99999), 8192);
        assert_eq!(fargate_cpu(256).unwrap().nearest_memory(1536), 2048);
        assert_eq!(cpus_for_memory(1024), vec![256, 512]);
        assert!(fargate_cpu(300).is_none());
    }
}
