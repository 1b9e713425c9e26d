//! Where in the manifest a finding is about: the JSON pointer a report shows a violation
//! or a missing approval at (SARIF regions, GitHub annotations, `explain`), so every
//! caller points at the same key.

use crate::engine::{RequiredApproval, Violation};
use crate::model::Manifest;

impl Violation {
    /// The JSON pointer into `app` of what this violation is about: the `path` the policy
    /// gave, else the connector or dataset it names, else `/metadata/name`.
    pub fn pointer_in(&self, app: &Manifest) -> String {
        match &self.path {
            Some(p) => p.clone(),
            None => pointer_to(app, self.dataset.as_deref(), self.connector.as_deref()),
        }
    }
}

impl RequiredApproval {
    /// The JSON pointer into `app` of what this approval is for: the connector or dataset
    /// it names, else `/metadata/name`.
    pub fn pointer_in(&self, app: &Manifest) -> String {
        pointer_to(app, self.dataset.as_deref(), self.connector.as_deref())
    }
}

/// The connector named `connector` (first) or the dataset named `dataset`, by index; the
/// app's name when neither is named or found.
fn pointer_to(app: &Manifest, dataset: Option<&str>, connector: Option<&str>) -> String {
    let mut out = String::new();
    if let Some(i) = connector.and_then(|c| app.spec.connectors.iter().position(|x| x.name == c)) {
        out.push_str("/spec/connectors");
        crate::pointer::push_index(&mut out, i);
    } else if let Some(i) = dataset.and_then(|d| app.spec.datasets.iter().position(|x| x.name == d)) {
        out.push_str("/spec/datasets");
        crate::pointer::push_index(&mut out, i);
    } else {
        out.push_str("/metadata/name");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn app() -> Manifest {
        let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/apps/hr-onboarding.yaml"))
            .unwrap();
        Manifest::from_yaml(&text).unwrap()
    }

    fn violation(path: Option<&str>, dataset: Option<&str>, connector: Option<&str>) -> Violation {
        Violation {
            policy: "p".into(),
            rule: "r".into(),
            severity: crate::engine::Severity::High,
            message: "m".into(),
            path: path.map(str::to_string),
            remediation: None,
            exception: None,
            dataset: dataset.map(str::to_string),
            connector: connector.map(str::to_string),
            datasets: dataset.map(str::to_string).into_iter().collect(),
        }
    }

    #[test]
    fn a_finding_points_at_its_path_else_its_connector_else_its_dataset() {
        let app = app();
        let (ds, conn) = (app.spec.datasets[0].name.clone(), app.spec.connectors[0].name.clone());
        assert_eq!(violation(Some("/spec/egress/0"), Some(&ds), None).pointer_in(&app), "/spec/egress/0");
        assert_eq!(violation(None, Some(&ds), Some(&conn)).pointer_in(&app), "/spec/connectors/0");
        assert_eq!(violation(None, Some(&ds), None).pointer_in(&app), "/spec/datasets/0");
        assert_eq!(violation(None, Some("no-such-dataset"), None).pointer_in(&app), "/metadata/name");
        assert_eq!(violation(None, None, None).pointer_in(&app), "/metadata/name");
    }
}
