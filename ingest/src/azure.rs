//! Azure resources in the ARM shape: one resource (`{id, name, type,
//! location, properties, ...}`), a list of them (`az resource list`), a REST
//! list (`{"value": [...]}`), a Resource Graph result (`{"data": [...]}`),
//! or an API example (`{"responses": {"200": {"body": ...}}}`).
//!
//! Types become the azurerm provider's (`Microsoft.Storage/storageAccounts`
//! → `azurerm_storage_account`), the ARM `properties` are merged in with
//! snake_case keys, and the security-relevant attributes of storage
//! accounts, network security groups, key vaults and virtual machines also
//! get azurerm's names and shapes (see `shape`).

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
        let terraform_type = shape(ty, item, &mut attrs);
        let mut r = Resource::new(&terraform_type, id, Value::from_json(&Json::Object(attrs)));
        r.name = item.get("name").and_then(Json::as_str).map(Str::from);
        r.address = Some(Str::from(id));
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

/// The azurerm type, and azurerm's names for the attributes rules check.
fn shape(ty: &str, item: &Json, a: &mut Map<String, Json>) -> String {
    let lower = ty.to_ascii_lowercase();
    match lower.as_str() {
        "microsoft.storage/storageaccounts" => {
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
            "azurerm_storage_account".into()
        }
        "microsoft.network/networksecuritygroups" => {
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
            "azurerm_network_security_group".into()
        }
        "microsoft.keyvault/vaults" => {
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
            "azurerm_key_vault".into()
        }
        "microsoft.compute/virtualmachines" => {
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
            "azurerm_virtual_machine".into()
        }
        "microsoft.network/networkinterfaces" => "azurerm_network_interface".into(),
        "microsoft.network/virtualnetworks" => "azurerm_virtual_network".into(),
        "microsoft.network/publicipaddresses" => "azurerm_public_ip".into(),
        "microsoft.compute/disks" => "azurerm_managed_disk".into(),
        "microsoft.sql/servers" => "azurerm_mssql_server".into(),
        _ => {
            // Microsoft.Sql/servers/databases → azurerm_sql_servers_databases
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
            format!("azurerm_{}", parts.join("_"))
        }
    }
}
