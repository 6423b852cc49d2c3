//! A deterministic, realistic plumb workload, generated in memory.
//!
//! Used by `benches/frontend.rs` (10,000 rules, ~100k lines) and, at a small
//! size, by `tests/robustness.rs` as seeds for mutation and as a check that
//! the generator still produces a policy set that lints without errors.
//!
//! The rules vary the way real policy sets do: doc comments, severity,
//! controls (NIST, SOC 2, PCI), response tiers, rule-level `let`s, guards,
//! quantifiers with lambdas, deep attribute paths, projections, joins over
//! `resources(...)`, comprehensions, `if` expressions, imported package
//! constants and functions, message templates with holes, drift blocks and
//! inline tests. Everything is derived from a fixed seed.

/// A small xorshift generator: deterministic and dependency free.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.max(1))
    }

    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    /// Uniform in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }

    /// True with probability `percent`%.
    pub fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    pub fn pick<'a, T: ?Sized>(&mut self, items: &[&'a T]) -> &'a T {
        let i = self.below(items.len());
        items.get(i).copied().unwrap_or_else(|| items[0])
    }
}

/// One generated file: a path-like name and its text.
pub struct File {
    pub name: String,
    pub text: String,
}

const CONTROLS: &[&str] = &[
    "nist.CM-6",
    "nist.CM-7",
    "nist.AC-2(1)",
    "nist.AC-3",
    "nist.AC-6",
    "nist.AU-2",
    "nist.AU-12",
    "nist.SC-7",
    "nist.SC-8",
    "nist.SC-13",
    "nist.SC-28",
    "nist.SC-28(1)",
    "nist.IA-5",
    "nist.CP-9",
    "nist.SI-4",
    "soc2.CC6.1",
    "soc2.CC6.6",
    "soc2.CC7.1",
    "soc2.CC8.1",
    "pci.1.2.1",
    "pci.1.3.1",
    "pci.2.2.1",
    "pci.3.5.1",
    "pci.8.3.1",
    "pci.10.2.1",
];

const SEVERITIES: &[&str] = &["critical", "high", "medium", "low", "info"];
const RESPONSES: &[&str] = &["auto", "review", "alert"];

/// Packages of the rule files; every file imports the shared library.
const PACKAGES: &[&str] = &[
    "aws.storage",
    "aws.network",
    "aws.compute",
    "aws.identity",
    "gcp.storage",
    "azure.platform",
];

const LIBRARY: &str = "\
// Shared constants and helpers, imported by every rule file.
package lib.common

/// The address that means \"the whole internet\".
let world = \"0.0.0.0/0\"
let world6 = \"::/0\"
/// Ports that may face the internet.
let public_ports = [80, 443]
let min_retention_days = 7
let approved_algorithms = [\"aws:kms\", \"AES256\"]
let required_tags = [\"owner\", \"cost_center\", \"environment\"]

/// True if a security-group rule opens a port to the internet.
fn open_to_world(sg) = world in sg.cidr_blocks or world6 in sg.ipv6_cidr_blocks

/// True if any CIDR block of a rule is public.
fn any_public(sg) = any(sg.cidr_blocks, b => cidr_is_public(b))

/// True if a resource's tags name a non-empty value for `key`.
fn has_tag(attrs, key) = key in attrs.tags and length(attrs.tags[key]) > 0

/// All required tags present.
fn tagged(attrs) = all(required_tags, k => has_tag(attrs, k))

fn in_range(x, lo, hi) = x >= lo and x <= hi
";

struct Kind {
    /// The resource types the rule selects.
    types: &'static [&'static str],
    /// Attribute vocabulary used in paths.
    attrs: &'static [&'static str],
}

const KINDS: &[Kind] = &[
    Kind {
        types: &["aws_s3_bucket"],
        attrs: &["acl", "versioning", "logging", "policy", "lifecycle_rule"],
    },
    Kind {
        types: &["aws_security_group", "aws_security_group_rule"],
        attrs: &["ingress", "egress", "description", "vpc_id"],
    },
    Kind {
        types: &["aws_db_instance", "aws_rds_cluster"],
        attrs: &[
            "engine",
            "storage_encrypted",
            "backup_retention_period",
            "multi_az",
        ],
    },
    Kind {
        types: &["aws_ebs_volume"],
        attrs: &["encrypted", "kms_key_id", "size", "type"],
    },
    Kind {
        types: &["aws_iam_policy", "aws_iam_role_policy"],
        attrs: &["policy", "path", "statement"],
    },
    Kind {
        types: &["aws_instance"],
        attrs: &[
            "metadata_options",
            "monitoring",
            "root_block_device",
            "ebs_block_device",
        ],
    },
    Kind {
        types: &["google_storage_bucket"],
        attrs: &[
            "uniform_bucket_level_access",
            "versioning",
            "retention_policy",
        ],
    },
    Kind {
        types: &["azurerm_storage_account"],
        attrs: &[
            "min_tls_version",
            "enable_https_traffic_only",
            "network_rules",
        ],
    },
];

/// Generates `rules` rules spread over `files` rule files (plus one shared
/// library file), deterministically.
pub fn generate(rules: usize, files: usize) -> Vec<File> {
    let files = files.max(1);
    let mut rng = Rng::new(0x5eed_f00d_cafe_b0ba);
    // The rules read attributes at random, not as the providers' schemas
    // define them: declaring the types as the user's own keeps W0013 quiet.
    let mut library = LIBRARY.to_string();
    let mut declared: Vec<&str> = KINDS.iter().flat_map(|k| k.types.iter().copied()).collect();
    declared.sort_unstable();
    declared.dedup();
    for ty in declared {
        library.push_str(&format!("\ntype {ty}\n"));
    }
    let mut out = vec![File {
        name: "lib/common.plumb".to_string(),
        text: library,
    }];
    let mut next_rule = 0usize;
    for f in 0..files {
        // Rules of this file: an even share, the first files take the rest.
        let count = rules / files + usize::from(f < rules % files);
        let package = PACKAGES[f % PACKAGES.len()];
        let mut text = String::with_capacity(count * 600);
        text.push_str(&format!(
            "// Generated policy file {f} for package {package}.\npackage {package}\n\n\
             import lib.common\nimport lib.common as c\n\n"
        ));
        // The imports are used by the first rule of every file.
        for i in 0..count {
            rule(&mut rng, &mut text, next_rule, i == 0);
            next_rule += 1;
        }
        let dir = package.replace('.', "/");
        out.push(File {
            name: format!("{dir}/rules_{f:02}.plumb"),
            text,
        });
    }
    out
}

/// Total size of a workload in bytes and lines.
pub fn size(files: &[File]) -> (usize, usize) {
    files.iter().fold((0, 0), |(b, l), f| {
        (b + f.text.len(), l + f.text.lines().count())
    })
}

fn rule(rng: &mut Rng, out: &mut String, n: usize, use_imports: bool) {
    let kind = &KINDS[rng.below(KINDS.len())];
    let all_types = kind.types.len() > 1 && rng.chance(50);
    let selector = if all_types {
        kind.types.join(", ")
    } else {
        kind.types[0].to_string()
    };
    let attr = rng.pick(kind.attrs);
    let attr2 = rng.pick(kind.attrs);
    let is_drift = n % 11 == 7;

    // Doc comment, one to three lines.
    let docs = rng.below(4);
    for line in 0..docs {
        out.push_str(&match line {
            0 => format!("/// Checks `{attr}` on {selector}.\n"),
            1 => "/// Auditors: this maps to the controls listed below.\n".to_string(),
            _ => format!("/// See the runbook, section {}.\n", rng.below(40) + 1),
        });
    }

    if is_drift {
        drift(rng, out, n, kind, attr);
        return;
    }

    out.push_str(&format!("rule r{n}_{attr} on {selector} {{\n"));
    out.push_str(&format!("  severity {}\n", rng.pick(SEVERITIES)));
    controls(rng, out);
    if rng.chance(60) {
        out.push_str(&format!("  response {}\n", rng.pick(RESPONSES)));
    }
    if rng.chance(25) {
        let guarded = if all_types {
            kind.types[rng.below(kind.types.len())]
        } else {
            kind.types[0]
        };
        out.push_str(&format!("  when type == \"{guarded}\"\n"));
    }
    if use_imports {
        out.push_str("  require common.tagged(attributes) and c.min_retention_days > 0\n");
    }

    let template = rng.below(14);
    let hole = body(rng, out, template, attr, attr2);

    if rng.chance(85) {
        out.push_str(&format!(
            "  message \"{selector} {{id}} fails r{n}: {attr} is {{attributes.{attr}}}{hole}\"\n"
        ));
    }
    if rng.chance(40) {
        out.push_str(&format!(
            "  remediation \"set `{attr}` on {{address}} (\\{{see docs\\}})\"\n"
        ));
    }
    out.push_str("}\n\n");

    if n % 8 == 3 {
        test_block(rng, out, n, kind, attr);
    }
}

fn controls(rng: &mut Rng, out: &mut String) {
    let count = 1 + rng.below(3);
    let mut chosen: Vec<&str> = Vec::new();
    while chosen.len() < count {
        let c = rng.pick(CONTROLS);
        if !chosen.contains(&c) {
            chosen.push(c);
        }
    }
    out.push_str(&format!("  controls {}\n", chosen.join(", ")));
}

/// The rule's lets and requires; returns an extra message fragment (with a
/// hole that reads one of the rule's lets, when there is one).
fn body(rng: &mut Rng, out: &mut String, template: usize, attr: &str, attr2: &str) -> String {
    let limit = 1 + rng.below(30);
    match template {
        0 => {
            out.push_str(&format!(
                "  require attributes.{attr}.server_side_encryption_configuration.rule\
                 .apply_server_side_encryption_by_default.sse_algorithm in common.approved_algorithms\n"
            ));
            String::new()
        }
        1 => {
            out.push_str(&format!(
                "  require none(attributes.{attr}[*], i => common.open_to_world(i) \
                 and not (i.from_port in common.public_ports) or not common.any_public(i))\n"
            ));
            String::new()
        }
        2 => {
            out.push_str(
                "  let pab = one(resources(aws_s3_bucket_public_access_block), \
                 b => b.attributes.bucket == id)\n",
            );
            out.push_str("  require pab != null and pab.attributes.block_public_acls == true\n");
            out.push_str("  require pab.attributes.restrict_public_buckets == true\n");
            " (block: {pab.id})".to_string()
        }
        3 => {
            out.push_str(&format!(
                "  let open = [r.cidr for r in attributes.{attr}[*] if r.port < {} and r.cidr != null]\n",
                1024 + limit
            ));
            out.push_str("  require count(open) == 0\n");
            " ({count(open)} open)".to_string()
        }
        4 => {
            out.push_str(&format!(
                "  require common.has_tag(attributes, \"owner\") and length(attributes.tags.owner) <= {}\n",
                limit + 60
            ));
            String::new()
        }
        5 => {
            out.push_str(
                "  require starts_with(lower(name), \"prod-\") or attributes.environment != \"production\"\n",
            );
            String::new()
        }
        6 => {
            out.push_str(&format!(
                "  let retention = attributes.{attr}.backup_retention_period\n"
            ));
            out.push_str(&format!(
                "  require retention >= c.min_retention_days and retention <= {}\n",
                limit * 30
            ));
            " (retention {retention} days)".to_string()
        }
        7 => {
            out.push_str(&format!(
                "  require (if attributes.multi_az == true then 2 else 1) <= attributes.{attr}.replicas + {}\n",
                limit % 3
            ));
            String::new()
        }
        8 => {
            out.push_str(&format!(
                "  require none(attributes.{attr}.**, v => v == common.world or v == common.world6)\n"
            ));
            String::new()
        }
        9 => {
            out.push_str(&format!(
                "  require any(attributes.{attr}[*], l => l.enabled == true and l.target_bucket != null)\n"
            ));
            out.push_str(&format!(
                "  require all(attributes.{attr2}[*].rules[*], x => x.days >= {limit})\n"
            ));
            String::new()
        }
        10 => {
            out.push_str(&format!(
                "  let stmts = attributes.{attr}.statement[*]\n  \
                 let wildcard = count(stmts, s => s.effect == \"Allow\" and (s.action == \"*\" or \"*\" in s.resource))\n"
            ));
            out.push_str("  require wildcard == 0\n");
            " ({wildcard} of {length(stmts)} statements)".to_string()
        }
        11 => {
            out.push_str(&format!(
                "  require age_days(attributes.{attr}.last_rotated) < {}\n",
                limit * 3
            ));
            out.push_str("  require matches(name, \"^[a-z0-9-]+$\")\n");
            String::new()
        }
        12 => {
            out.push_str(&format!(
                "  let sizes = [d.size for d in attributes.{attr}[*]]\n  \
                 require sum(sizes) <= {} and max(sizes) < 16384\n",
                limit * 1000
            ));
            " (sizes {sizes})".to_string()
        }
        _ => {
            out.push_str(&format!(
                "  require common.in_range(attributes.{attr}[0].port, 1, 65535) \
                 and attributes[\"{attr2}\"] != null and -attributes.offset % 2 == 0\n"
            ));
            String::new()
        }
    }
}

fn drift(rng: &mut Rng, out: &mut String, n: usize, kind: &Kind, attr: &str) {
    let selector = kind.types.join(", ");
    out.push_str(&format!("drift d{n}_{attr} on {selector} {{\n"));
    let paths = [
        attr.to_string(),
        format!("{attr}.**"),
        "tags.*".to_string(),
        format!("{attr}[*].cidr_blocks"),
        "server_side_encryption_configuration.**".to_string(),
    ];
    let count = 1 + rng.below(3);
    let chosen: Vec<&str> = paths.iter().take(count).map(String::as_str).collect();
    out.push_str(&format!("  paths {}\n", chosen.join(", ")));
    out.push_str(&format!("  severity {}\n", rng.pick(SEVERITIES)));
    out.push_str(&format!("  response {}\n", rng.pick(RESPONSES)));
    controls(rng, out);
    if rng.chance(30) {
        out.push_str("  when attributes.environment == \"production\"\n");
    }
    out.push_str(&format!(
        "  message \"{attr} of {{address}} drifted from the approved baseline\"\n}}\n\n"
    ));
}

fn test_block(rng: &mut Rng, out: &mut String, n: usize, kind: &Kind, attr: &str) {
    // Tests name the rule; the rule's name is `r{n}_{attr}`.
    let ty = kind.types[0];
    out.push_str(&format!(
        "/// Fixtures for r{n}_{attr}.\ntest r{n}_{attr} {{\n"
    ));
    out.push_str(&format!(
        "  resource {ty} \"good-{n}\" {{\n    {attr}: {{ enabled: true, days: 30, rules: [] }},\n    \
         tags: {{ owner: \"platform\", cost_center: \"cc-{}\", environment: \"prod\" }},\n  }} expect pass\n",
        rng.below(900) + 100
    ));
    out.push_str(&format!(
        "  resource {ty} \"bad-{n}\" {{ {attr}: null, tags: {{}} }} expect fail\n"
    ));
    if rng.chance(30) {
        out.push_str(
            "  resource aws_s3_bucket_public_access_block \"pab\" { bucket: \"x\", block_public_acls: true }\n",
        );
    }
    out.push_str("}\n\n");
}
