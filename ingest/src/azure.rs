//! Azure resources in the ARM shape: one resource (`{id, name, type,
//! location, properties, ...}`), a list of them (`az resource list`), a REST
//! list (`{"value": [...]}`), a Resource Graph result (`{"data": [...]}`),
//! or an API example (`{"responses": {"200": {"body": ...}}}`).
//!
//! Types with a shape mapping become the azurerm provider's
//! (`Microsoft.Storage/storageAccounts` → `azurerm_storage_account`), and
//! their security-relevant attributes get azurerm's names and shapes (see
//! `shape`); every other type is `arm_<namespace>_<type>`, never an
//! azurerm name, so a rule written for azurerm's shape never misreads
//! ARM's. The ARM `properties` are merged in with snake_case keys; the
//! other top-level keys are kept under `arm` as written.
//!
//! The id is the ARM id with its fixed segments (`subscriptions`,
//! `resourceGroups`, `providers`, a mapped type's namespace and type)
//! spelled as azurerm spells them, so it equals the azurerm resource's
//! `id` (docs/identity.md).

use std::path::Path;

use plumb_runtime::value::{Str, Value};
use plumb_runtime::{Resource, Source};
use serde_json::{Map, Value as Json, json};

use crate::{ImportError, snake, snake_keys};

fn is_resource(v: &Json) -> bool {
    v.get("type")
        .and_then(Json::as_str)
        .is_some_and(|t| t.contains('/'))
        && v.get("id")
            .and_then(Json::as_str)
            .is_some_and(|i| i.starts_with("/subscriptions/") || i.starts_with('/'))
}

/// Whether a document looks like ARM output.
pub fn looks_like(doc: &Json) -> bool {
    match doc {
        Json::Array(items) => items.first().is_some_and(is_resource),
        Json::Object(o) => {
            is_resource(doc)
                || o.get("value")
                    .and_then(Json::as_array)
                    .is_some_and(|v| v.first().is_some_and(is_resource))
                || o.get("data")
                    .and_then(Json::as_array)
                    .is_some_and(|v| v.first().is_some_and(is_resource))
                || o.get("responses")
                    .and_then(|r| r.get("200"))
                    .and_then(|r| r.get("body"))
                    .is_some()
        }
        _ => false,
    }
}

pub fn import(file: &Path, doc: &Json) -> Result<Vec<Resource>, ImportError> {
    let mut items: Vec<&Json> = Vec::new();
    collect(doc, &mut items);
    let source = Source {
        file: Some(Str::from(file.display().to_string())),
        line: None,
        format: Some(Str::from("azure-arm")),
    };
    let mut out = Vec::new();
    for item in items {
        let (Some(id), Some(ty)) = (
            item.get("id").and_then(Json::as_str),
            item.get("type").and_then(Json::as_str),
        ) else {
            continue;
        };
        let mut attrs = Map::new();
        if let Some(Json::Object(p)) = item.get("properties") {
            for (k, v) in p {
                attrs.insert(snake(k), snake_keys(v));
            }
        }
        for k in ["id", "name", "location", "kind", "sku", "identity", "zones"] {
            if let Some(v) = item.get(k) {
                attrs.insert(k.to_string(), snake_keys(v));
            }
        }
        // Tags keep their keys as written.
        attrs.insert(
            "tags".into(),
            item.get("tags").cloned().unwrap_or_else(|| json!({})),
        );
        let rg = id
            .split('/')
            .skip_while(|s| !s.eq_ignore_ascii_case("resourceGroups"))
            .nth(1);
        if let Some(rg) = rg {
            attrs.insert("resource_group_name".into(), json!(rg));
        }
        // Every other top-level key, as written: nothing is dropped.
        let other: Map<String, Json> = item
            .as_object()
            .map(|o| {
                o.iter()
                    .filter(|(k, _)| !IMPORTED.contains(&k.as_str()))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect()
            })
            .unwrap_or_default();
        attrs.insert("arm".into(), Json::Object(other));
        let (terraform_type, canonical) =
            match MAPPED.iter().find(|(arm, _)| arm.eq_ignore_ascii_case(ty)) {
                Some((arm, tf)) => {
                    // The properties azurerm names otherwise are not kept under
                    // their snake_case names too (`allow_blob_public_access` is
                    // an older azurerm attribute, which would be misread); they
                    // are in `arm.properties` as written.
                    for consumed in shape(tf, item, &mut attrs) {
                        attrs.remove(&snake(consumed));
                    }
                    (tf.to_string(), Some(*arm))
                }
                None => (unmapped_type_name(&spelled_type(ty, id)), None),
            };
        let id = canonical_id(id, canonical);
        attrs.insert("id".into(), json!(id));
        let mut r = Resource::new(&terraform_type, &id, Value::from_json(&Json::Object(attrs)));
        r.name = item.get("name").and_then(Json::as_str).map(Str::from);
        r.address = Some(Str::from(id.as_str()));
        r.provider = Some(Str::from("azurerm"));
        r.source = Some(source.clone());
        out.push(r);
    }
    Ok(out)
}

fn collect<'a>(doc: &'a Json, out: &mut Vec<&'a Json>) {
    match doc {
        Json::Array(items) => {
            for i in items {
                collect(i, out);
            }
        }
        Json::Object(o) => {
            if is_resource(doc) {
                out.push(doc);
            } else if let Some(v) = o.get("value").or_else(|| o.get("data")) {
                collect(v, out);
            } else if let Some(body) = o
                .get("responses")
                .and_then(|r| r.get("200"))
                .and_then(|r| r.get("body"))
            {
                collect(body, out);
            }
        }
        _ => {}
    }
}

fn prop<'a>(item: &'a Json, k: &str) -> &'a Json {
    item.pointer(&format!("/properties/{k}"))
        .unwrap_or(&Json::Null)
}

/// The top-level keys imported as attributes (the rest go under `arm`).
const IMPORTED: &[&str] = &[
    "id", "name", "location", "kind", "sku", "identity", "zones", "tags",
];

/// The ARM types with an azurerm shape, spelled as azurerm's ids spell
/// them, and their azurerm types.
pub const MAPPED: &[(&str, &str)] = &[
    (
        "Microsoft.Storage/storageAccounts",
        "azurerm_storage_account",
    ),
    (
        "Microsoft.Network/networkSecurityGroups",
        "azurerm_network_security_group",
    ),
    ("Microsoft.KeyVault/vaults", "azurerm_key_vault"),
    (
        "Microsoft.Compute/virtualMachines",
        "azurerm_virtual_machine",
    ),
];

/// The plumb type of an ARM type without an azurerm shape:
/// `arm_<namespace>_<type>` (`Microsoft.Sql/servers/databases` →
/// `arm_sql_servers_databases`), never an azurerm name.
pub fn unmapped_type_name(ty: &str) -> String {
    let parts: Vec<String> = ty
        .split('/')
        .enumerate()
        .map(|(i, p)| {
            let p = if i == 0
                && p.len() > 10
                && p.get(..10)
                    .is_some_and(|x| x.eq_ignore_ascii_case("microsoft."))
            {
                p.get(10..).unwrap_or(p)
            } else {
                p
            };
            snake(p).replace('.', "_")
        })
        .collect();
    format!("arm_{}", parts.join("_"))
}

/// The ARM type as the id spells it, when they agree but for case:
/// Resource Graph writes `type` in lower case, never the id.
fn spelled_type(ty: &str, id: &str) -> String {
    let segs: Vec<&str> = id.split('/').collect();
    let Some(at) = segs
        .iter()
        .rposition(|s| s.eq_ignore_ascii_case("providers"))
    else {
        return ty.to_string();
    };
    // providers/NAMESPACE/TYPE/name[/TYPE/name...]
    let mut parts: Vec<&str> = Vec::new();
    if let Some(ns) = segs.get(at + 1) {
        parts.push(ns);
    }
    let mut i = at + 2;
    while let Some(t) = segs.get(i) {
        parts.push(t);
        i += 2;
    }
    let spelled = parts.join("/");
    if spelled.eq_ignore_ascii_case(ty) {
        spelled
    } else {
        ty.to_string()
    }
}

/// The ARM id with its fixed segments spelled as azurerm spells them:
/// `subscriptions`, `resourceGroups`, `providers`, and for a mapped type
/// its namespace and type (Resource Graph and some APIs write
/// `resourcegroups` or `microsoft.storage`). Names are kept as written.
fn canonical_id(id: &str, mapped: Option<&str>) -> String {
    let mut segs: Vec<String> = id.split('/').map(str::to_string).collect();
    let mut i = 0;
    while i < segs.len() {
        let canonical = match segs.get(i).map(|s| s.to_ascii_lowercase()).as_deref() {
            Some("subscriptions") => Some("subscriptions"),
            Some("resourcegroups") => Some("resourceGroups"),
            Some("providers") => Some("providers"),
            _ => None,
        };
        if let Some(c) = canonical {
            if let Some(s) = segs.get_mut(i) {
                *s = c.to_string();
            }
            if c == "providers"
                && let Some(arm) = mapped
            {
                let mut parts = arm.split('/');
                if let (Some(ns), Some(ty)) = (parts.next(), parts.next()) {
                    for (j, want) in [(i + 1, ns), (i + 2, ty)] {
                        if let Some(s) = segs.get_mut(j)
                            && s.eq_ignore_ascii_case(want)
                        {
                            *s = want.to_string();
                        }
                    }
                }
            }
            i += 2;
        } else {
            i += 1;
        }
    }
    segs.join("/")
}

/// azurerm's names for the attributes rules check, of a mapped type; the
/// properties they come from.
fn shape(terraform_type: &str, item: &Json, a: &mut Map<String, Json>) -> &'static [&'static str] {
    match terraform_type {
        "azurerm_storage_account" => {
            a.insert(
                "https_traffic_only_enabled".into(),
                prop(item, "supportsHttpsTrafficOnly").clone(),
            );
            a.insert(
                "min_tls_version".into(),
                prop(item, "minimumTlsVersion").clone(),
            );
            a.insert(
                "allow_nested_items_to_be_public".into(),
                prop(item, "allowBlobPublicAccess").clone(),
            );
            let pna = prop(item, "publicNetworkAccess");
            a.insert(
                "public_network_access_enabled".into(),
                if pna.is_null() {
                    Json::Null
                } else {
                    json!(pna.as_str() != Some("Disabled"))
                },
            );
            let acls = prop(item, "networkAcls");
            if !acls.is_null() {
                a.insert(
                    "network_rules".into(),
                    json!([{
                        "default_action": acls.get("defaultAction"),
                        "bypass": acls.get("bypass").and_then(Json::as_str).map(|b| b.split(',').map(str::trim).collect::<Vec<_>>()),
                        "ip_rules": acls.get("ipRules").and_then(Json::as_array).map(|r| r.iter().filter_map(|x| x.get("value").cloned()).collect::<Vec<_>>()),
                    }]),
                );
            }
            &[
                "supportsHttpsTrafficOnly",
                "minimumTlsVersion",
                "allowBlobPublicAccess",
                "publicNetworkAccess",
            ]
        }
        "azurerm_network_security_group" => {
            let rules: Vec<Json> = prop(item, "securityRules")
                .as_array()
                .map(Vec::as_slice)
                .unwrap_or_default()
                .iter()
                .map(|r| {
                    let p = r.get("properties").unwrap_or(&Json::Null);
                    let g = |k: &str| p.get(k).cloned().unwrap_or(Json::Null);
                    json!({
                        "name": r.get("name"),
                        "priority": g("priority"),
                        "direction": g("direction"),
                        "access": g("access"),
                        "protocol": g("protocol"),
                        "source_port_range": g("sourcePortRange"),
                        "destination_port_range": g("destinationPortRange"),
                        "destination_port_ranges": g("destinationPortRanges"),
                        "source_address_prefix": g("sourceAddressPrefix"),
                        "source_address_prefixes": g("sourceAddressPrefixes"),
                        "destination_address_prefix": g("destinationAddressPrefix"),
                    })
                })
                .collect();
            a.insert("security_rule".into(), Json::Array(rules));
            &["securityRules"]
        }
        "azurerm_key_vault" => {
            a.insert(
                "purge_protection_enabled".into(),
                prop(item, "enablePurgeProtection").clone(),
            );
            a.insert(
                "soft_delete_retention_days".into(),
                prop(item, "softDeleteRetentionInDays").clone(),
            );
            a.insert(
                "enable_rbac_authorization".into(),
                prop(item, "enableRbacAuthorization").clone(),
            );
            a.insert("tenant_id".into(), prop(item, "tenantId").clone());
            &[
                "enablePurgeProtection",
                "softDeleteRetentionInDays",
                "enableRbacAuthorization",
            ]
        }
        "azurerm_virtual_machine" => {
            a.insert(
                "vm_size".into(),
                item.pointer("/properties/hardwareProfile/vmSize")
                    .cloned()
                    .unwrap_or(Json::Null),
            );
            a.insert(
                "disable_password_authentication".into(),
                item.pointer(
                    "/properties/osProfile/linuxConfiguration/disablePasswordAuthentication",
                )
                .cloned()
                .unwrap_or(Json::Null),
            );
            a.insert(
                "encryption_at_host_enabled".into(),
                item.pointer("/properties/securityProfile/encryptionAtHost")
                    .cloned()
                    .unwrap_or(Json::Null),
            );
            &[]
        }
        _ => &[],
    }
}
