//! The differential test: generated manifests (`common/generate.rs`) and the shipped
//! fixtures, decided by every evaluation path of the engine and by stock OPA on the
//! engine's input document, must give the same decision.
//!
//! Paths: the engine with its native fast paths, with `EngineOptions::rego_only` (every
//! rule in Rego on the compiled VM) and with `EngineOptions::interpreter`; all three must
//! give the same verdicts, and OPA the same on `Engine::input_document`. Runs
//! `MICROGOV_DIFFERENTIAL_COUNT` generated cases (1,000 by default) from
//! `MICROGOV_DIFFERENTIAL_SEED` (16 by default) on the bundles' data, and a quarter as
//! many on host data over it (an allow-list, adequacy, allowed findings, other
//! thresholds); `MICROGOV_DIFFERENTIAL_ONLY=N` runs case N alone (what a mismatch
//! report names). OPA runs once over every input: the
//! inputs go into one data file and a small wrapper policy evaluates the query on each
//! with `with input as`. OPA is found as `MICROGOV_OPA`, on `PATH`, or in
//! `$GOPATH/bin` / `~/go/bin` (where `scripts/test-all.sh` installs it); when it is
//! missing the test fails, unless `MICROGOV_DIFFERENTIAL_WITHOUT_OPA=1` says to compare
//! the engine's paths only.
//!
//! A mismatch prints the seed and index, the manifest and approvals as YAML and both
//! decisions, and writes the case (manifest, approvals, input document, the entry
//! module) under `target/tmp/differential/` with the `opa eval` command that replays it.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "common/generate.rs"]
mod generate;
#[path = "common/opa.rs"]
mod opa;

use microgov::model::approval::approvals_from_value;
use microgov::model::{parse_document, sniff_format, Limits};
use microgov::{Context, Decision, Engine, EngineOptions};
use opa::bundle_dirs;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

/// What OPA evaluates on each input: the whole decision, from the bundled `microgov.decision`
/// package over the engine's entry module (`Engine::entry_module`).
const QUERY: &str = "data.microgov.decision.result";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").canonicalize().unwrap()
}

fn env_u64(name: &str, default: u64) -> u64 {
    match std::env::var(name) {
        Ok(v) => v.trim().parse().unwrap_or_else(|_| panic!("{name}={v} is not a whole number")),
        Err(_) => default,
    }
}

/// One case to decide: a manifest document and its approvals, with where it came from.
struct Input {
    label: String,
    /// The file name its files get when it fails.
    slug: String,
    manifest: Value,
    approvals: Value,
}

/// The shipped fixture apps, with the approvals `fixtures/apps/expected.json` gives each.
fn fixture_cases() -> Vec<Input> {
    let read = |rel: &str| {
        let text = std::fs::read_to_string(root().join(rel)).unwrap();
        parse_document(&text, sniff_format(&text), &Limits::default()).unwrap()
    };
    let table = read("fixtures/apps/expected.json");
    let mut out = Vec::new();
    for (file, app) in table["apps"].as_object().unwrap() {
        let approvals = match app["approvals_file"].as_str() {
            Some(a) => read(&format!("fixtures/approvals/{a}")),
            None => json!([]),
        };
        out.push(Input {
            label: format!("fixtures/apps/{file}"),
            slug: file.replace('.', "-"),
            manifest: read(&format!("fixtures/apps/{file}")),
            approvals,
        });
    }
    out
}

/// A decision as compared: its verdicts, each list in canonical order.
fn engine_side(d: &Decision) -> Value {
    let v = serde_json::to_value(d).unwrap();
    let mut out = serde_json::Map::new();
    for k in ["violations", "waived", "warnings", "required_approvals", "obligations", "approvals"] {
        out.insert(k.into(), sorted(v[k].as_array().cloned().unwrap_or_default()));
    }
    out.insert("outcome".into(), v["outcome"].clone());
    Value::Object(out)
}

fn sorted(mut items: Vec<Value>) -> Value {
    items.sort_by_cached_key(|v| v.to_string());
    items.dedup();
    Value::Array(items)
}

/// OPA's decision (`data.microgov.decision.result`) in the form [`engine_side`] gives.
fn opa_side(result: &Value) -> Value {
    let mut d = serde_json::Map::new();
    for k in ["violations", "waived", "warnings", "required_approvals", "obligations", "approvals"] {
        d.insert(k.into(), sorted(result[k].as_array().cloned().unwrap_or_default()));
    }
    d.insert("outcome".into(), result["outcome"].clone());
    Value::Object(d)
}

/// Host data over the bundles' data, in the shapes the native paths follow: an egress
/// allow-list and IP exceptions, adequacy decisions, allowed findings, other thresholds,
/// stores and an approver directory, so that the rules' data-driven branches run too.
fn host_data() -> Value {
    json!({"microgov": {
        "egress": {
            "allow": ["api.stripe.com", "*.partner.example", "hooks.slack.com", "*.example.com", "8.8.8.8"],
            "ip_exceptions": ["10.1.2.3", "::1", "169.254.169.254", "fd00:ec2::254"],
            "allowed_ports": [443, 8443],
            "allowed_schemes": ["https", "wss", "postgres"]
        },
        "residency": {"adequacy": {"EU": ["UK", "CH", "JP"], "CH": ["EU"], "UK": ["EU", "US"]}},
        "secrets": {
            "allowed_findings": [
                {"path": "/spec/env/GH_TOKEN", "rule": "github_pat"},
                {"path": "/spec/env/AWS_ACCESS_KEY_ID", "rule": "aws_access_key_id"}
            ],
            "max_rotation_days": 30,
            "approved_stores": ["vault://", "aws-sm://", "arn:aws:secretsmanager:"]
        },
        "pii": {"max_retention_days": 365, "require_mfa": false},
        "governance": {
            "lifecycle": {"default_days": 60, "max_days": 180, "expiring_within_days": 30},
            "approvers": {
                "sec.lead@acme.example": ["security"],
                "dpo@acme.example": ["data-governance", "security"],
                "ciso@corp.example": ["security", "auditor"]
            }
        }
    }})
}

/// The evaluation paths compared with one another, all on the same data: all must decide alike.
fn engines(data: Option<&Value>) -> Vec<(&'static str, Engine)> {
    let opts = |rego_only: bool, interpreter: bool| EngineOptions {
        rego_only,
        interpreter,
        data: data.cloned(),
        ..EngineOptions::default()
    };
    let native = Engine::with_options(opts(false, false)).unwrap();
    for p in ["microgov.residency", "microgov.pii", "microgov.secrets", "microgov.egress"] {
        assert!(native.native_packages().contains(&p), "{p} runs natively: {:?}", native.native_packages());
    }
    vec![
        ("native", native),
        ("rego_only", Engine::with_options(opts(true, false)).unwrap()),
        ("interpreter", Engine::with_options(opts(false, true)).unwrap()),
    ]
}

/// Objects merge key by key, other values replace (as the engine merges host data).
fn merge(into: &mut Value, over: &Value) {
    match (into, over) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, v) in b {
                merge(a.entry(k.clone()).or_insert(Value::Null), v);
            }
        }
        (a, b) => *a = b.clone(),
    }
}

/// The bundle folders OPA loads: the repository's, or with host data, copies whose
/// `data.json` holds it (OPA refuses data files under a bundle's roots).
fn opa_bundles(dir: &Path, data: Option<&Value>) -> Vec<String> {
    let Some(over) = data else { return bundle_dirs(&root()) };
    let mut out = Vec::new();
    for b in bundle_dirs(&root()) {
        let to = dir.join("bundles").join(Path::new(&b).file_name().unwrap());
        std::fs::create_dir_all(&to).unwrap();
        for f in std::fs::read_dir(root().join(&b)).unwrap().map(|e| e.unwrap().path()).filter(|p| p.is_file()) {
            let name = f.file_name().unwrap().to_owned();
            if name == "data.json" {
                let mut d: Value = serde_json::from_str(&std::fs::read_to_string(&f).unwrap()).unwrap();
                // Only the members under this bundle's own data.
                let own: Vec<String> =
                    d["microgov"].as_object().map(|o| o.keys().cloned().collect()).unwrap_or_default();
                for k in own {
                    if let Some(v) = over["microgov"].get(&k) {
                        merge(&mut d["microgov"][&k], v);
                    }
                }
                std::fs::write(to.join(name), serde_json::to_vec_pretty(&d).unwrap()).unwrap();
            } else {
                std::fs::copy(&f, to.join(name)).unwrap();
            }
        }
        out.push(to.display().to_string());
    }
    out
}

/// One case, decided.
struct Decided {
    label: String,
    slug: String,
    manifest: Value,
    approvals: Value,
    input: Value,
    /// The decision of each path, in [`engines`]'s order.
    decisions: Vec<Decision>,
}

fn yaml(v: &Value) -> String {
    serde_yaml_ng::to_string(v).unwrap()
}

/// Writes a failing case where `opa eval` can replay it, and says how.
fn write_case(dir: &Path, bundles: &[String], c: &Decided, entry: &str) -> String {
    std::fs::create_dir_all(dir).unwrap();
    let base = dir.join(&c.slug);
    std::fs::write(base.with_extension("yaml"), yaml(&c.manifest)).unwrap();
    std::fs::write(base.with_extension("approvals.yaml"), yaml(&c.approvals)).unwrap();
    std::fs::write(base.with_extension("input.json"), serde_json::to_string_pretty(&c.input).unwrap()).unwrap();
    std::fs::write(dir.join("microgov_entry.rego"), entry).unwrap();
    let bundles: String = bundles.iter().map(|b| format!(" -b {b}")).collect();
    format!(
        "(from the repository root) opa eval --format pretty -i {}{bundles} -d {} '{QUERY}'",
        base.with_extension("input.json").display(),
        dir.join("microgov_entry.rego").display()
    )
}

/// Runs OPA once over every input: `{index: QUERY with input as case}`.
fn run_opa(opa: &Path, dir: &Path, bundles: &[String], inputs: &[&Value], entry: &str) -> BTreeMap<usize, Value> {
    std::fs::create_dir_all(dir).unwrap();
    let cases = dir.join("cases.json");
    std::fs::write(&cases, serde_json::to_vec(&json!({"differential": {"cases": inputs}})).unwrap()).unwrap();
    std::fs::write(dir.join("microgov_entry.rego"), entry).unwrap();
    let wrapper = format!(
        "package differential\n\nimport rego.v1\n\nresults := {{i: r |\n  some i, c in data.differential.cases\n  r := {QUERY} with input as c\n}}\n"
    );
    std::fs::write(dir.join("differential.rego"), wrapper).unwrap();
    let mut cmd = Command::new(opa);
    cmd.current_dir(root()).args(["eval", "--format", "json"]);
    for b in bundles {
        cmd.args(["-b", b]);
    }
    for f in ["cases.json", "microgov_entry.rego", "differential.rego"] {
        cmd.arg("-d").arg(dir.join(f));
    }
    cmd.arg("data.differential.results");
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "opa eval failed: {}", String::from_utf8_lossy(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let results = &v["result"][0]["expressions"][0]["value"];
    results
        .as_object()
        .unwrap_or_else(|| panic!("opa gave no results: {}", String::from_utf8_lossy(&out.stdout)))
        .iter()
        .map(|(k, v)| (k.parse().unwrap(), v.clone()))
        .collect()
}

/// How often each outcome, rule, waiver and approval status came up: what the run covered.
fn coverage(decided: &[Decided]) -> String {
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for c in decided {
        let d = &c.decisions[0];
        let mut seen = std::collections::BTreeSet::new();
        seen.insert(format!("outcome {}", d.outcome));
        for v in &d.violations {
            seen.insert(format!("violation {}.{}", v.policy, v.rule));
        }
        for w in &d.waived {
            seen.insert(format!("waived {}.{}", w.violation.policy, w.violation.rule));
        }
        for v in &d.warnings {
            seen.insert(format!("warning {}.{}", v.policy, v.rule));
        }
        for o in &d.obligations {
            seen.insert(format!("obligation {}", o["type"].as_str().unwrap_or("?")));
        }
        for r in &d.required_approvals {
            seen.insert(format!("required {}", r.role));
        }
        for a in &d.approvals {
            seen.insert(format!("approval {}", a.status));
        }
        for k in seen {
            *counts.entry(k).or_default() += 1;
        }
    }
    counts.iter().map(|(k, n)| format!("  {n:>6} cases with {k}")).collect::<Vec<_>>().join("\n")
}

#[test]
fn every_path_and_opa_decide_alike() {
    run("bundled-data", None, env_u64("MICROGOV_DIFFERENTIAL_COUNT", 1000), true);
}

/// The same with host data over the bundles' (a quarter as many cases, other seeds).
#[test]
fn every_path_and_opa_decide_alike_on_host_data() {
    run("host-data", Some(&host_data()), env_u64("MICROGOV_DIFFERENTIAL_COUNT", 1000).div_ceil(4), false);
}

/// Decides `count` generated cases (and, with `fixtures`, the shipped fixture apps) on every
/// path of [`engines`] and under OPA, on the bundles' data with `data` over it.
fn run(config: &str, data: Option<&Value>, count: u64, fixtures: bool) {
    let t0 = Instant::now();
    let base_seed = env_u64("MICROGOV_DIFFERENTIAL_SEED", 16);
    let seed = base_seed + if data.is_some() { 1_000_000 } else { 0 };
    let only = std::env::var("MICROGOV_DIFFERENTIAL_ONLY").ok().map(|v| v.trim().parse::<u64>().unwrap());
    let without_opa = std::env::var_os("MICROGOV_DIFFERENTIAL_WITHOUT_OPA").is_some_and(|v| v != "0");
    let opa = opa::find();
    if opa.is_none() && !without_opa {
        panic!(
            "stock OPA not found (MICROGOV_OPA, PATH, $GOPATH/bin, ~/go/bin): install it with \
             `go install github.com/open-policy-agent/opa@v1.4.2` as scripts/test-all.sh does, \
             or set MICROGOV_DIFFERENTIAL_WITHOUT_OPA=1 to compare the engine's paths only"
        );
    }
    let engines = engines(data);
    let base = &engines[0].1;
    let generator = generate::Generator::from_data(base.data());
    let mut inputs: Vec<Input> = if only.is_some() || !fixtures { Vec::new() } else { fixture_cases() };
    let indices: Vec<u64> = match only {
        Some(i) => vec![i],
        None => (0..count).collect(),
    };
    for i in &indices {
        let c = generator.case(seed, *i);
        inputs.push(Input {
            label: format!(
                "{config}, seed {seed} case {i} (rerun: MICROGOV_DIFFERENTIAL_SEED={base_seed} MICROGOV_DIFFERENTIAL_ONLY={i})"
            ),
            slug: format!("seed{seed}-case{i}"),
            manifest: c.manifest,
            approvals: c.approvals,
        });
    }
    let ctx_at = generate::now();

    // Decide each case on every path, on all cores.
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get()).min(inputs.len().max(1));
    let chunk = inputs.len().div_ceil(threads).max(1);
    let results: Vec<Result<Decided, String>> = std::thread::scope(|s| {
        let handles: Vec<_> = inputs
            .chunks(chunk)
            .map(|part| {
                let engines = &engines;
                s.spawn(move || {
                    part.iter()
                        .map(|c| {
                            let m = base.manifest_from_value(&c.manifest).map_err(|e| {
                                format!("{}: the engine refuses the manifest: {e:?}\n{}", c.label, yaml(&c.manifest))
                            })?;
                            let mut approvals = approvals_from_value(&c.approvals).map_err(|p| {
                                format!("{}: the engine refuses the approvals: {p:?}\n{}", c.label, yaml(&c.approvals))
                            })?;
                            generate::bind(&mut approvals, &m);
                            let ctx = Context::at(ctx_at).with_decision_id("differential").with_approvals(approvals);
                            let decisions = engines
                                .iter()
                                .map(|(name, e)| {
                                    e.evaluate(&m, &ctx).map_err(|err| format!("{}: {name} fails: {err}", c.label))
                                })
                                .collect::<Result<Vec<_>, _>>()?;
                            let input = base.input_document(&m, &ctx).map_err(|e| format!("{}: {e}", c.label))?;
                            Ok(Decided {
                                label: c.label.clone(),
                                slug: c.slug.clone(),
                                manifest: c.manifest.clone(),
                                approvals: c.approvals.clone(),
                                input,
                                decisions,
                            })
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles.into_iter().flat_map(|h| h.join().unwrap()).collect()
    });
    let t_engine = t0.elapsed();
    let refused: Vec<&String> = results.iter().filter_map(|r| r.as_ref().err()).collect();
    assert!(refused.is_empty(), "{} of {} cases refused; first:\n{}", refused.len(), results.len(), refused[0]);
    let decided: Vec<Decided> = results.into_iter().map(Result::unwrap).collect();

    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("differential").join(config);
    let _ = std::fs::remove_dir_all(&dir);
    let bundles = opa_bundles(&dir, data);
    let entry = base.entry_module().to_string();
    let mut failures = Vec::new();
    for c in &decided {
        let want = engine_side(&c.decisions[0]);
        for ((name, _), d) in engines.iter().zip(&c.decisions).skip(1) {
            let got = engine_side(d);
            if got != want {
                failures.push(format!(
                    "{}: {} and {name} differ\n--- manifest\n{}--- approvals\n{}--- {}\n{want:#}\n--- {name}\n{got:#}\nreplay: {}",
                    c.label,
                    engines[0].0,
                    yaml(&c.manifest),
                    yaml(&c.approvals),
                    engines[0].0,
                    write_case(&dir, &bundles, c, &entry),
                ));
            }
        }
    }

    let mut opa_time = None;
    if let Some(opa) = &opa {
        let t = Instant::now();
        let all: Vec<&Value> = decided.iter().map(|c| &c.input).collect();
        let answers = run_opa(opa, &dir, &bundles, &all, &entry);
        opa_time = Some(t.elapsed());
        for (n, c) in decided.iter().enumerate() {
            let want = engine_side(&c.decisions[0]);
            let got = answers.get(&n).map(opa_side);
            if got.as_ref() != Some(&want) {
                let got = got.map_or("undefined".to_string(), |g| format!("{g:#}"));
                failures.push(format!(
                    "{}: the engine and OPA differ\n--- manifest\n{}--- approvals\n{}--- engine\n{want:#}\n--- opa\n{got}\nreplay: {}",
                    c.label,
                    yaml(&c.manifest),
                    yaml(&c.approvals),
                    write_case(&dir, &bundles, c, &entry),
                ));
            }
        }
    } else {
        eprintln!("differential: OPA not found, MICROGOV_DIFFERENTIAL_WITHOUT_OPA is set: engine paths only");
    }
    eprintln!(
        "differential, {config}: {} cases (seed {seed}), {} paths{}; engine {:.1?}, opa {:?}, {} failures\n{}",
        decided.len(),
        engines.len(),
        if opa.is_some() { " + opa" } else { "" },
        t_engine,
        opa_time,
        failures.len(),
        coverage(&decided)
    );
    if !failures.is_empty() {
        for f in failures.iter().take(5) {
            eprintln!("\n{f}");
        }
        panic!(
            "{config}: {} comparisons differ (the first 5 above; files in {}), of {} cases on {} paths{}",
            failures.len(),
            dir.display(),
            decided.len(),
            engines.len(),
            if opa.is_some() { " and opa" } else { "" }
        );
    }
}
