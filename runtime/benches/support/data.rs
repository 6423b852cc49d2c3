//! Synthetic security groups for the VM and loader benches, from a fixed
//! seed. Each resource is about 2.7 KB of JSON: the attributes the bench
//! rules read (`ingress`, `owner`, `meta`, ...) and as much again that no
//! rule reads (`description`, `arn`, `egress`, `timeouts`, ...), which is
//! what a projection lets the loader skip.

use plumb_runtime::projection::{PathTree, Projection};
use plumb_runtime::value::Value;
use plumb_runtime::{Resource, Snapshot, TypePattern};
use serde_json::{Value as Json, json};

use super::programs::TYPE;

/// Distinct owners; the `allowed` list holds the even half of them, and
/// nine resources in ten have one of those.
pub const OWNERS: usize = 20_000;

/// What the bench rules should decide for one resource.
#[derive(Debug, Clone, Copy)]
pub struct Flags {
    /// `attributes.meta.a.b.c.d == "x"`
    pub deep_x: bool,
    /// Some ingress rule opens port 22 to 0.0.0.0/0.
    pub open_ssh: bool,
    /// Some ingress rule is TCP.
    pub any_tcp: bool,
    /// The owner is in the `allowed` list.
    pub owner_allowed: bool,
}

/// splitmix64: small, fast, and the same on every machine.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const PORTS: [u64; 8] = [80, 443, 8080, 5432, 3306, 6379, 9200, 25];

fn rule_json(rng: &mut Rng, port: u64, protocol: &str, cidrs: &[&str]) -> Json {
    json!({
        "from_port": port,
        "to_port": port + rng.below(2),
        "protocol": protocol,
        "cidr_blocks": cidrs,
        "ipv6_cidr_blocks": [],
        "description": format!("allow {protocol}/{port} from the office and the VPN"),
        "self": false,
        "security_groups": [],
    })
}

/// One resource's JSON and what the rules should say about it.
fn resource_json(i: usize, rng: &mut Rng) -> (Json, Flags) {
    let open_ssh = i % 10 == 3;
    // Most pairs pass, as in a real estate: a failure costs a finding,
    // which `vm/template` measures on its own.
    let deep_x = rng.below(10) != 0;
    let half = (OWNERS / 2) as u64;
    let owner = 2 * rng.below(half) + u64::from(rng.below(10) == 0);
    let udp_only = i.is_multiple_of(7);
    let mut ingress: Vec<Json> = (0..8)
        .map(|k| {
            let protocol = if udp_only || k % 4 == 3 { "udp" } else { "tcp" };
            rule_json(rng, PORTS[k], protocol, &["10.0.0.0/8", "172.16.0.0/12"])
        })
        .collect();
    if open_ssh {
        ingress[5] = rule_json(rng, 22, "udp", &["10.0.0.0/8", "0.0.0.0/0"]);
        ingress[5]["to_port"] = json!(22);
    }
    let egress: Vec<Json> = (0..2)
        .map(|_| rule_json(rng, 0, "udp", &["0.0.0.0/0"]))
        .collect();
    let prefix = if i.is_multiple_of(3) { "prod" } else { "dev" };
    let attributes = json!({
        "name": format!("{prefix}-sg-{i}"),
        "description": format!("Managed by Terraform: security group {i} of service {} in the {prefix} account", i % 97),
        "arn": format!("arn:aws:ec2:eu-west-1:123456789012:security-group/sg-{:016x}", rng.next()),
        "owner": format!("team-{owner}"),
        "port": PORTS[i % PORTS.len()],
        "region": "eu-west-1",
        "size": i,
        "vpc_id": format!("vpc-{:08x}", rng.next() as u32),
        "meta": {"a": {"b": {"c": {"d": if deep_x { "x" } else { "y" }}}}},
        "tags": {"env": prefix, "team": format!("team-{owner}"), "cost_center": format!("cc-{}", i % 40), "Name": format!("{prefix}-sg-{i}")},
        "ingress": ingress,
        "egress": egress,
        "revoke_rules_on_delete": false,
        "timeouts": {"create": "10m", "delete": "15m"},
    });
    let resource = json!({
        "type": TYPE,
        "id": format!("sg-{i:06}"),
        "name": format!("{prefix}-sg-{i}"),
        "address": format!("aws_security_group.sg_{i}"),
        "provider": "aws",
        "attributes": attributes,
    });
    let flags = Flags {
        deep_x,
        open_ssh,
        any_tcp: !udp_only,
        owner_allowed: owner.is_multiple_of(2),
    };
    (resource, flags)
}

/// `n` resources, as the evaluator sees them, with their flags.
pub fn resources(n: usize) -> (Snapshot, Vec<Flags>) {
    let mut rng = Rng(0x5EED);
    let mut resources = Vec::with_capacity(n);
    let mut flags = Vec::with_capacity(n);
    for i in 0..n {
        let (json, f) = resource_json(i, &mut rng);
        let mut r = Resource::new(
            TYPE,
            json["id"].as_str().unwrap_or_default(),
            Value::from_json(&json["attributes"]),
        );
        r.name = json["name"].as_str().map(Into::into);
        r.address = json["address"].as_str().map(Into::into);
        r.provider = Some("aws".into());
        resources.push(r);
        flags.push(f);
    }
    (Snapshot::new(resources), flags)
}

/// A snapshot file of at least `bytes` bytes, and how many resources it has.
pub fn snapshot_json(bytes: usize) -> (Vec<u8>, usize) {
    let mut rng = Rng(0x5EED);
    let mut out = b"{\"snapshot_version\": 1, \"resources\": [\n".to_vec();
    let mut n = 0;
    while out.len() < bytes {
        if n > 0 {
            out.extend_from_slice(b",\n");
        }
        let (json, _) = resource_json(n, &mut rng);
        out.extend_from_slice(json.to_string().as_bytes());
        n += 1;
    }
    out.extend_from_slice(b"\n]}\n");
    (out, n)
}

/// What the quantifier and membership rules read: `owner`, and of each
/// `ingress` element `from_port`, `to_port` and the whole `cidr_blocks`.
pub fn projection() -> Projection {
    let leaf = PathTree::default;
    let rule = PathTree {
        fields: [
            ("from_port".to_string(), leaf()),
            ("to_port".to_string(), leaf()),
            ("cidr_blocks".to_string(), PathTree::everything()),
        ]
        .into(),
        ..leaf()
    };
    let ingress = PathTree {
        each: Some(Box::new(rule)),
        ..leaf()
    };
    let attributes = PathTree {
        fields: [
            ("ingress".to_string(), ingress),
            ("owner".to_string(), leaf()),
        ]
        .into(),
        ..leaf()
    };
    Projection {
        patterns: Some(vec![(TypePattern::Exact(TYPE.to_string()), attributes)]),
    }
}
