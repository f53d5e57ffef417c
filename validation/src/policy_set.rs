//! The policies of a deployment: `default.toml` and one overlay per tenant under `tenants/`,
//! all read and checked once, so that a bad file stops the start instead of a request.

use crate::policy::{Policy, PolicyError};
use crate::validator::Validator;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

#[derive(Debug, Clone)]
pub struct PolicySet {
    default: Arc<Validator>,
    tenants: BTreeMap<String, Arc<Validator>>,
}

impl PolicySet {
    /// Reads `<dir>/default.toml` and every `<dir>/tenants/<tenant>.toml`.
    pub fn load(dir: &Path) -> Result<Self, PolicyError> {
        let default = Policy::from_file(&dir.join("default.toml"))?;
        let mut tenants = BTreeMap::new();
        let tenants_dir = dir.join("tenants");
        if tenants_dir.is_dir() {
            let read_err = |source| PolicyError::Read {
                path: tenants_dir.clone(),
                source,
            };
            let mut paths = Vec::new();
            for entry in std::fs::read_dir(&tenants_dir).map_err(read_err)? {
                let path = entry.map_err(read_err)?.path();
                if path.extension().is_some_and(|e| e == "toml") {
                    paths.push(path);
                }
            }
            paths.sort();
            for path in paths {
                let tenant = path
                    .file_stem()
                    .and_then(|s| s.to_str())
                    .unwrap_or_default()
                    .to_owned();
                let text = std::fs::read_to_string(&path).map_err(|source| PolicyError::Read {
                    path: path.clone(),
                    source,
                })?;
                let policy = default.overlay(&text, &path.display().to_string())?;
                tenants.insert(tenant, Arc::new(Validator::new(policy)));
            }
        }
        Ok(Self {
            default: Arc::new(Validator::new(default)),
            tenants,
        })
    }

    /// Built from policies already parsed (tests, embedding).
    pub fn new(default: Policy, tenants: impl IntoIterator<Item = (String, Policy)>) -> Self {
        Self {
            default: Arc::new(Validator::new(default)),
            tenants: tenants
                .into_iter()
                .map(|(t, p)| (t, Arc::new(Validator::new(p))))
                .collect(),
        }
    }

    /// The tenant's validator: its overlay if it has one, else the default.
    pub fn for_tenant(&self, tenant: &str) -> &Arc<Validator> {
        self.tenants.get(tenant).unwrap_or(&self.default)
    }

    pub fn default_validator(&self) -> &Arc<Validator> {
        &self.default
    }

    /// Tenants that have an overlay.
    pub fn tenants(&self) -> impl Iterator<Item = &str> {
        self.tenants.keys().map(String::as_str)
    }
}
