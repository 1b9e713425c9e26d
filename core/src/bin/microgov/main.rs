//! `microgov`: policy checks for micro-app manifests in CI and on a platform
//! team's desk. Thin over the library: it finds files, builds one engine,
//! and shapes the library's answers into text, JSON, SARIF, JUnit or GitHub
//! annotations.

mod approve;
mod args;
mod audit;
mod audit_common;
mod audit_export;
mod audit_proof;
mod audit_witness;
mod bundle_build;
mod check;
mod common;
mod diagram;
mod explain;
mod format;
mod html_report;
mod input;
mod inventory;
mod policy_test;
mod progress;
mod report;
mod style;
mod tier;
mod validate;

use args::ColorChoice;
use clap::{Parser, Subcommand};

// Evaluating thousands of manifests on all cores allocates from every
// thread; mimalloc keeps that off the profile (glibc malloc took ~25%).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
use std::process::ExitCode;

/// Policy and governance checks for micro apps.
#[derive(Debug, Parser)]
#[command(
    name = "microgov",
    version,
    about = "Policy and governance checks for micro apps",
    long_about = "Policy and governance checks for micro apps.\n\n\
microgov reads MicroApp manifests (YAML or JSON, apiVersion microgov.dev/v1), \
validates them, scores their risk tier and runs the bundled Rego policies \
(residency, PII, secrets, egress, governance) plus your own, so that the same \
policies gate pull requests in CI and decide at runtime.",
    after_help = "Examples:\n  microgov validate apps/\n  microgov check apps/ --approvals approvals.yaml --format sarif > microgov.sarif\n  microgov explain apps/hr-onboarding.yaml --approvals approvals.yaml\n  microgov audit verify audit.jsonl --checkpoint audit.jsonl.checkpoints --public-key audit.key.pub\n\nRun `microgov help <command>` for a command's options and examples.",
    after_long_help = concat!("Examples:\n  microgov validate apps/\n  microgov check apps/ --approvals approvals.yaml --format sarif > microgov.sarif\n  microgov explain apps/hr-onboarding.yaml --approvals approvals.yaml\n  microgov audit verify audit.jsonl --checkpoint audit.jsonl.checkpoints --public-key audit.key.pub\n\n", "Exit status:\n  0  every app is allowed (or: the command succeeded)\n  1  an app is denied (check), a policy test failed (test), a log is tampered (audit verify)\n  2  usage error, or an input file that cannot be read or is invalid\n  3  no app is denied, but one needs approvals it does not have yet (check)\n\nEnvironment:\n  NO_COLOR  when set to anything, no colour (as --color never)"),
    propagate_version = true,
    disable_help_subcommand = false
)]
struct Cli {
    /// When to colour text output: on a terminal (auto), always, never.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, global = true)]
    color: ColorChoice,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Validate manifests: every problem with file, line, JSON pointer and code.
    #[command(
        long_about = "Validate manifests against the MicroApp format and report every problem at once: \
the file, line and column, the JSON pointer of the offending value, a stable code \
(manifest.unknown_key, manifest.unknown_region ...) and what is wrong. Folders are \
searched for *.yaml, *.yml and *.json files that hold MicroApp manifests.",
        after_help = "Examples:\n  microgov validate apps/expense-approver.yaml\n  microgov validate apps/ --format json\n\nExit status: 0 all valid, 2 a file is invalid or unreadable (or a usage error)."
    )]
    Validate(validate::Args),

    /// Show the risk tier, score and the factors that make it up.
    #[command(
        long_about = "Score each manifest's risk with the bundled risk model (or the one in --data): \
the tier (low, medium, high), the score from 0 to 100 and every factor with its points \
and a one-line reason.",
        after_help = "Examples:\n  microgov tier apps/hr-onboarding.yaml\n  microgov tier apps/ --format json\n\nExit status: 0 success, 2 a file is invalid or unreadable (or a usage error)."
    )]
    Tier(tier::Args),

    /// Check manifests against the policies: the CI gate.
    #[command(
        long_about = "Evaluate every manifest against the bundled policies and your own \
(--policy-dir, --bundle), with the approvals and exceptions in --approvals, and report \
the decision: allow, review (approvals missing) or deny (a violation). Folders are \
searched for MicroApp manifests; other YAML and JSON files are skipped. Apps are \
evaluated in parallel on all cores.\n\n\
Formats: text (default; colour and a progress bar on a terminal), json (one decision \
per app), sarif (SARIF 2.1.0 for GitHub code scanning: rule ids policy.rule, locations \
at the offending key), junit (JUnit XML, one test case per app and policy), github \
(workflow annotations ::error file=...,line=...::).",
        after_help = concat!(
            "Examples:\n",
            "  microgov check apps/\n",
            "  microgov check apps/ --approvals approvals.yaml --policy-dir policies/ --fail-on review\n",
            "  microgov check apps/ --format sarif > microgov.sarif   # then github/codeql-action/upload-sarif\n",
            "  microgov check apps/ --format github                  # annotations in a GitHub Actions step\n",
            "  microgov check apps/ --format junit > microgov-junit.xml\n\n",
            "Exit status:\n",
            "  0  every app is allowed\n",
            "  1  an app is denied (or needs approvals, with --fail-on review)\n",
            "  2  usage error, or a manifest or option file that cannot be read or is invalid\n",
            "  3  no app is denied, but one needs approvals it does not have yet"
        )
    )]
    Check(check::Args),

    /// Explain one decision: risk factors, each violation's Rego rule, what would waive it.
    #[command(
        long_about = "Explain the decision for one manifest: the risk factors, each violation with the \
Rego rule (file:line) that produced it and the manifest line it is about, the exception \
kind that would waive it and who may grant that, the approvals still missing and how \
each supplied approval was judged (valid, expired, self_approval ...).",
        after_help = "Examples:\n  microgov explain apps/hr-onboarding.yaml\n  microgov explain apps/hr-onboarding.yaml --approvals approvals.yaml --now 2026-11-26T10:00:00Z\n  microgov explain apps/hr-onboarding.yaml --format json --with-input\n\nExit status: 0 explained (whatever the outcome), 2 invalid or unreadable input (or a usage error)."
    )]
    Explain(explain::Args),

    /// Print the input document the policies read, for `opa eval` (and the entry module).
    #[command(
        long_about = "Print, as JSON, the input document the policies read for one manifest: the \
manifest with defaults (input.app), what microgov computed natively (input.findings) and the \
context with each approval judged (input.context). With --entry FILE, also write the generated \
entry module (package microgov_entry) for the loaded policies, which gathers what every policy \
returned for the decision package. Stock OPA then takes the same decision: load each bundle \
with -b and the entry module with -d, and evaluate data.microgov.decision.result.",
        after_help = "Examples:\n  microgov input apps/hr-onboarding.yaml --approvals approvals.yaml --now 2026-11-26T10:00:00Z --entry entry.rego > input.json\n  opa eval -i input.json -d entry.rego -b policy-bundles/decision -b policy-bundles/egress -b policy-bundles/governance -b policy-bundles/pii -b policy-bundles/residency -b policy-bundles/secrets 'data.microgov.decision.result'\n\nExit status: 0 printed, 2 invalid or unreadable input (or a usage error)."
    )]
    Input(input::Args),

    /// One line per app: owner, tier, score, outcome, lifecycle, missing approvals, why invalid.
    #[command(
        long_about = "List the apps in folders (or files) with their owner, department, environment, \
template, risk tier and score, decision, missing approvals, lifecycle state, days left and expiry; \
an invalid file is a row whose reason names its first problems, and an app name declared in two \
files is flagged (duplicate_of). The same columns as Python's microgov.inventory \
(core/docs/inventory.md). Sort by tier, name, expiry or outcome; with --within (d, w, h or min), \
only apps that expire within that window (or have expired).",
        after_help = "Examples:\n  microgov inventory apps/\n  microgov inventory apps/ --sort expiry --within 14d\n  microgov inventory apps/ --format csv > inventory.csv\n\nExit status: 0 success (an app name declared in two files is a warning), 2 a manifest is invalid or unreadable (listed as an invalid row with its reason, the others too) or a usage error."
    )]
    Inventory(inventory::Args),

    /// Draw one app's data flow (datasets, connectors, hosts, jurisdictions) as SVG, Mermaid or DOT.
    #[command(
        long_about = "Draw the data-flow diagram of one manifest under its decision: datasets \
(classification, residency, categories) → connectors (type, access, region) → the hosts they \
reach and the jurisdictions of their regions. A flow or node that breaks a rule is red, one \
an exception waived is dashed amber. SVG (self-contained, no script, with a text description \
for screen readers), Mermaid (for Markdown) or Graphviz DOT.",
        after_help = "Examples:\n  microgov diagram apps/hr-onboarding.yaml -o hr-onboarding.svg\n  microgov diagram apps/hr-onboarding.yaml --approvals approvals.yaml --format mermaid\n  microgov diagram apps/hr-onboarding.yaml --format dot | dot -Tpng > hr.png\n\nExit status: 0 drawn (whatever the outcome), 2 invalid or unreadable input (or a usage error)."
    )]
    Diagram(diagram::Args),

    /// Write one self-contained HTML governance report of the apps in folders.
    #[command(
        long_about = "Write one self-contained HTML page (no network at view time) about the apps in \
folders: summary counts, apps by tier and outcome, apps expiring within the window, missing \
approvals, the audit log's verification status (--audit), and each app with its data-flow \
diagram, violations, waivers and approvals. Tables sort and filter with a little script and \
read whole without it; the page prints.",
        after_help = "Examples:\n  microgov report apps/ -o report.html\n  microgov report apps/ team-b/ --approvals approvals.yaml --within 30d -o report.html\n  microgov report apps/ --audit audit.jsonl --audit-checkpoint audit.jsonl.checkpoints --audit-key audit.key.pub -o report.html\n\nExit status: 0 written, 2 a manifest is invalid or unreadable (it is listed as invalid, the page is still written) or a usage error."
    )]
    Report(html_report::Args),

    /// Run Rego policy unit tests (test_ rules in *_test.rego), as `opa test` does.
    #[command(
        long_about = "Run the test_ rules of *_test.rego files in the given policy folders or bundle tarballs (OPA bundle \
layout), or of the bundled policies when no folder is given, and report PASS or FAIL \
per test and a summary, as `opa test` does.",
        after_help = "Examples:\n  microgov test\n  microgov test policies/ --bundled\n  microgov test team.tar.gz\n  microgov test policies/ --run residency --format json\n\nExit status: 0 all tests pass, 1 a test fails, 2 policies or tests cannot be loaded (or a usage error)."
    )]
    Test(policy_test::Args),

    /// Build OPA bundles.
    #[command(subcommand)]
    Bundle(BundleCommand),

    /// The tamper-evident audit log: verify, append, checkpoint, prove, export, cosign.
    #[command(subcommand)]
    Audit(audit::AuditCommand),

    /// Generate an Ed25519 key pair that signs audit checkpoints.
    #[command(
        long_about = "Generate an Ed25519 key pair for signing audit-log checkpoints, as C2SP signed-note \
key strings: the signing key `PRIVATE+KEY+<name>+<id>+<base64>` and the verifier key \
`<name>+<id>+<base64>` (the same format as Go's sumdb note package, sigsum and Sigstore tools). \
Without -o both are printed, signing key first.",
        after_help = "Examples:\n  microgov keygen acme.example/audit -o audit.key      # writes audit.key (0600) and audit.key.pub\n  microgov keygen acme.example/audit\n\nExit status: 0 generated, 2 a bad name, an existing file without --force (or a usage error)."
    )]
    Keygen(audit::KeygenArgs),

    /// Write an approval bound to the manifest as it is now (its material view's digest).
    #[command(
        long_about = "Write an approval (or, with --scope-exception, an exception) for a manifest, bound to the digest of its material view as it is now (core/docs/approvals.md): a material edit of the app (a new connector, egress host, region, classification ...) later makes it stale. Prints one YAML list item, to append to an approvals file. Refuses an approval that could not count: by the app's owner, for a dataset or connector the app lacks, or in a role the approver does not hold.",
        after_help = "Examples:\n  microgov approve app.yaml --role security --approver sec@acme.example --expires 2027-03-01T00:00:00Z >> approvals.yaml\n  microgov approve app.yaml --role data-governance --approver dpo@acme.example --expires 2027-03-01T00:00:00Z --scope-exception pii.export --scope-connector crm >> approvals.yaml\n\nExit status: 0 written, 2 an invalid manifest or approval (or a usage error)."
    )]
    Approve(approve::Args),
}

#[derive(Debug, Subcommand)]
enum BundleCommand {
    /// Build an OPA-compatible bundle tarball (.manifest, data.json, *.rego) from a folder.
    #[command(
        long_about = "Build an OPA bundle tarball from a policy folder: every *.rego file, data.json \
(or data.yaml) at its path, and a .manifest with the revision and roots. The policies \
are compiled first, so a broken file fails the build with its file and line. The \
result loads with `microgov check --bundle`, `opa run --bundle` and \
`opa eval --bundle`.",
        after_help = "Examples:\n  microgov bundle build policies/ -o policies.tar.gz\n  microgov bundle build policies/ -o policies.tar.gz --revision \"$(git rev-parse --short HEAD)\"\n\nExit status: 0 written, 2 the folder's policies or data are invalid (or a usage error)."
    )]
    Build(bundle_build::Args),
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // clap's own usage errors exit 2; --help and --version exit 0.
            let _ = e.print();
            return ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(2));
        }
    };
    let color = cli.color;
    let result = match cli.command {
        Command::Validate(a) => validate::run(a, color),
        Command::Tier(a) => tier::run(a, color),
        Command::Check(a) => check::run(a, color),
        Command::Explain(a) => explain::run(a, color),
        Command::Input(a) => input::run(a),
        Command::Diagram(a) => diagram::run(a),
        Command::Report(a) => html_report::run(a),
        Command::Inventory(a) => inventory::run(a, color),
        Command::Test(a) => policy_test::run(a, color),
        Command::Bundle(BundleCommand::Build(a)) => bundle_build::run(a, color),
        Command::Audit(a) => audit::run(a, color),
        Command::Keygen(a) => audit::run_keygen(a),
        Command::Approve(a) => approve::run(a),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            let style = style::Style::stderr(color);
            eprintln!("{} {}", style.red_bold("error:"), e.message);
            ExitCode::from(e.exit)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn exit_codes_text_is_in_the_long_help() {
        let help = Cli::command().render_long_help().to_string();
        assert!(help.contains("Exit status:") && help.contains("NO_COLOR"), "{help}");
    }
}
