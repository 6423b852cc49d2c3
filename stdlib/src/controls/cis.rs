//! The CIS Amazon Web Services Foundations Benchmark: one catalog per
//! benchmark version, all from `catalogs/cis-aws-foundations.json`.
//!
//! A CIS recommendation number means something only together with its
//! benchmark version (`2.1.1` is a different recommendation in v1.5, v3.0
//! and v7.0), so each version is a framework of its own
//! (`cis_aws_v3_0.2.1.1`), and `cis_aws` names the newest one. This module
//! owns the list of versions and the file's shape; it never panics.

use serde::Deserialize;

use super::{Control, ControlKind, Framework};

/// A benchmark version of the CIS AWS Foundations catalog. The list must
/// match the file's `benchmarks` (a test checks it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CisAwsVersion {
    V1_4,
    V1_5,
    V2_0,
    V3_0,
    V4_0_1,
    V5_0,
    V6_0,
    V7_0,
}

impl CisAwsVersion {
    /// Every version, oldest first.
    pub const ALL: [CisAwsVersion; 8] = [
        CisAwsVersion::V1_4,
        CisAwsVersion::V1_5,
        CisAwsVersion::V2_0,
        CisAwsVersion::V3_0,
        CisAwsVersion::V4_0_1,
        CisAwsVersion::V5_0,
        CisAwsVersion::V6_0,
        CisAwsVersion::V7_0,
    ];

    /// The version `cis_aws` names.
    pub const LATEST: CisAwsVersion = CisAwsVersion::V7_0;

    /// The version as the catalog writes it: `3.0`, `4.0.1`.
    pub fn number(self) -> &'static str {
        match self {
            CisAwsVersion::V1_4 => "1.4",
            CisAwsVersion::V1_5 => "1.5",
            CisAwsVersion::V2_0 => "2.0",
            CisAwsVersion::V3_0 => "3.0",
            CisAwsVersion::V4_0_1 => "4.0.1",
            CisAwsVersion::V5_0 => "5.0",
            CisAwsVersion::V6_0 => "6.0",
            CisAwsVersion::V7_0 => "7.0",
        }
    }

    /// The framework name citations use: `cis_aws_v3_0`, `cis_aws_v4_0_1`.
    pub fn alias(self) -> &'static str {
        match self {
            CisAwsVersion::V1_4 => "cis_aws_v1_4",
            CisAwsVersion::V1_5 => "cis_aws_v1_5",
            CisAwsVersion::V2_0 => "cis_aws_v2_0",
            CisAwsVersion::V3_0 => "cis_aws_v3_0",
            CisAwsVersion::V4_0_1 => "cis_aws_v4_0_1",
            CisAwsVersion::V5_0 => "cis_aws_v5_0",
            CisAwsVersion::V6_0 => "cis_aws_v6_0",
            CisAwsVersion::V7_0 => "cis_aws_v7_0",
        }
    }

    /// The benchmark's name: `CIS AWS Foundations Benchmark v3.0`.
    pub fn full_name(self) -> &'static str {
        match self {
            CisAwsVersion::V1_4 => "CIS AWS Foundations Benchmark v1.4",
            CisAwsVersion::V1_5 => "CIS AWS Foundations Benchmark v1.5",
            CisAwsVersion::V2_0 => "CIS AWS Foundations Benchmark v2.0",
            CisAwsVersion::V3_0 => "CIS AWS Foundations Benchmark v3.0",
            CisAwsVersion::V4_0_1 => "CIS AWS Foundations Benchmark v4.0.1",
            CisAwsVersion::V5_0 => "CIS AWS Foundations Benchmark v5.0",
            CisAwsVersion::V6_0 => "CIS AWS Foundations Benchmark v6.0",
            CisAwsVersion::V7_0 => "CIS AWS Foundations Benchmark v7.0",
        }
    }
}

// The file shape is documented in shared/catalogs/README.md ("Schemas").

#[derive(Deserialize)]
pub(super) struct CisFile {
    pub(super) benchmarks: Vec<CisBenchmark>,
    recommendations: Vec<CisEntry>,
}

#[derive(Deserialize)]
pub(super) struct CisBenchmark {
    pub(super) version: String,
}

#[derive(Deserialize)]
struct CisEntry {
    benchmark_version: String,
    id: String,
    title: String,
    /// `2 Storage`: the section number, a space, its title.
    section: String,
}

pub(super) fn parse_file(json: &str) -> Result<CisFile, String> {
    serde_json::from_str(json).map_err(|e| e.to_string())
}

/// The recommendations of one benchmark version, in file order.
pub(super) fn entries(file: &CisFile, version: CisAwsVersion) -> Result<Vec<Control>, String> {
    if !file
        .benchmarks
        .iter()
        .any(|b| b.version == version.number())
    {
        return Err(format!("no benchmark version `{}`", version.number()));
    }
    file.recommendations
        .iter()
        .filter(|entry| entry.benchmark_version == version.number())
        .map(|entry| {
            let (number, section_title) = entry.section.split_once(' ').ok_or_else(|| {
                format!(
                    "`{}` has section `{}`, not a number and a title",
                    entry.id, entry.section
                )
            })?;
            Ok(Control {
                framework: Framework::CisAws(version),
                id: entry.id.clone(),
                title: entry.title.clone(),
                kind: ControlKind::Recommendation,
                withdrawn: false,
                parent: None,
                group: number.to_owned(),
                group_title: section_title.to_owned(),
                withdrawn_to: Vec::new(),
                withdrawn_relation: None,
                baselines: Vec::new(),
                category: None,
                added_in: None,
            })
        })
        .collect()
}
