//! One resource as a method sees it: its effective property values (explicit, else the type's
//! default) and its state on this node, read from one [`ClusterView`].

use rgm_core::config::FailoverMode;
use rgm_core::engine::RState;
use rgm_core::{RegisteredType, Resource};
use rgm_proto::ClusterView;
use rtreg::Value;

/// A resource of the view, on the view's node.
#[derive(Debug, Clone)]
pub struct ResourceProps {
    pub view: ClusterView,
    pub name: String,
}

impl ResourceProps {
    /// The resource named `name`, if the view has it.
    pub fn new(view: ClusterView, name: &str) -> Result<ResourceProps, String> {
        view.config.resource(name).map_err(|e| e.to_string())?;
        Ok(ResourceProps {
            view,
            name: name.to_string(),
        })
    }

    pub fn resource(&self) -> &Resource {
        &self.view.config.resources[&self.name]
    }

    pub fn rtype(&self) -> Option<&RegisteredType> {
        self.view.config.type_of(self.resource()).ok()
    }

    /// The node this view was taken on.
    pub fn node(&self) -> &str {
        &self.view.node
    }

    /// The effective value on this node.
    pub fn value(&self, name: &str) -> Option<Value> {
        self.view
            .config
            .resource_property(self.resource(), name, Some(&self.view.node))
    }

    /// The value the administrator set, if any (not the type's default).
    pub fn explicit(&self, name: &str) -> Option<&Value> {
        let canonical = self
            .rtype()
            .and_then(|t| t.spec.property(name))
            .map(|p| p.name.clone())?;
        self.resource().explicit(&canonical, Some(&self.view.node))
    }

    pub fn int(&self, name: &str) -> Option<i64> {
        self.value(name).and_then(|v| v.as_int())
    }

    pub fn bool(&self, name: &str) -> Option<bool> {
        self.value(name).and_then(|v| v.as_bool())
    }

    pub fn string(&self, name: &str) -> Option<String> {
        self.value(name)
            .and_then(|v| v.as_str().map(str::to_string))
    }

    pub fn array(&self, name: &str) -> Vec<String> {
        self.value(name)
            .and_then(|v| v.as_array().map(<[String]>::to_vec))
            .unwrap_or_default()
    }

    pub fn failover_mode(&self) -> FailoverMode {
        self.view.config.failover_mode(self.resource())
    }

    /// Its state on this node.
    pub fn state(&self) -> RState {
        self.view
            .resource_on(&self.name, &self.view.node)
            .map(|x| x.state)
            .unwrap_or_default()
    }

    /// Num_resource_restarts on this node (within Retry_interval).
    pub fn restarts(&self) -> i64 {
        self.view
            .resource_on(&self.name, &self.view.node)
            .map_or(0, |x| x.restarts)
    }

    /// This node's id.
    pub fn node_id(&self) -> u32 {
        self.view
            .config
            .nodes
            .get(&self.view.node)
            .map_or(0, |n| n.id)
    }
}

/// The text form of a value, as an environment variable or a message shows it.
pub fn value_text(v: &Value) -> String {
    match v {
        Value::Int(n) => n.to_string(),
        Value::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_string(),
        Value::Str(s) => s.clone(),
        Value::Array(a) => a.join(","),
    }
}

/// A resource's properties as VALIDATE sees them: the values being set (argv) over the current
/// ones (when the resource exists: `-u`) over the type's defaults (`-c`).
#[derive(Debug, Clone)]
pub struct Pending {
    pub view: ClusterView,
    pub spec: rtreg::ResourceTypeSpec,
    pub args: crate::args::MethodArgs,
}

impl Pending {
    /// Reads the view for a VALIDATE call.
    pub fn load(who: &str, args: &crate::args::MethodArgs) -> Result<Pending, String> {
        let mut rgm = crate::client::Rgm::connect(who).map_err(|e| e.to_string())?;
        let view = rgm.type_view(&args.rtype).map_err(|e| e.to_string())?;
        let spec = view
            .config
            .resolve_type(&args.rtype)
            .map_err(|e| e.to_string())?
            .spec
            .clone();
        Ok(Pending {
            view,
            spec,
            args: args.clone(),
        })
    }

    /// The value VALIDATE is asked to accept, or the error naming the property.
    pub fn value(&self, name: &str) -> Result<Option<Value>, String> {
        let Some(p) = self.spec.property(name) else {
            return Ok(None);
        };
        let given = self
            .args
            .extension
            .iter()
            .chain(&self.args.system)
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v);
        if let Some(text) = given {
            return p
                .parse_value(text)
                .map(Some)
                .map_err(|e| format!("property {}: {e}", p.name));
        }
        if let Ok(r) = self.view.config.resource(&self.args.resource) {
            return Ok(self
                .view
                .config
                .resource_property(r, name, Some(&self.view.node)));
        }
        Ok(p.default.clone())
    }

    /// Whether the administrator gives this property a value (argv, or set before).
    pub fn is_set(&self, name: &str) -> bool {
        let in_argv = self
            .args
            .extension
            .keys()
            .chain(self.args.system.keys())
            .any(|k| k.eq_ignore_ascii_case(name));
        let before = self
            .view
            .config
            .resource(&self.args.resource)
            .is_ok_and(|r| {
                self.spec
                    .property(name)
                    .is_some_and(|p| r.explicit(&p.name, Some(&self.view.node)).is_some())
            });
        in_argv || before
    }

    pub fn array(&self, name: &str) -> Result<Vec<String>, String> {
        Ok(self
            .value(name)?
            .and_then(|v| v.as_array().map(<[String]>::to_vec))
            .unwrap_or_default())
    }

    pub fn int(&self, name: &str) -> Result<Option<i64>, String> {
        Ok(self.value(name)?.and_then(|v| v.as_int()))
    }
}
