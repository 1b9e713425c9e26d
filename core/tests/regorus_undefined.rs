//! A minimal reproduction of a regorus 0.14.1 compiled-VM (RVM) bug, kept so we notice when
//! upstream fixes it: inside a comprehension, `x := <undefined>` does not fail, so
//! `[x | x := data.pkg.obligation]` over an undefined complete rule gives `[Undefined]`
//! (serialized as the string `"<undefined>"`), where regorus's interpreter and OPA
//! (1.4.2, 1.22.4) give `[]`. The engine's entry policy collects with `x = ...` instead,
//! which binds only defined values in the RVM, the interpreter and OPA alike.
//!
//! Reproduce with OPA: `echo '{}' | opa eval -I -d repro.rego 'data.entry.result'` gives `[]`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use regorus::languages::rego::compiler::Compiler;
use regorus::rvm::vm::RegoVM;
use regorus::Value;

/// A complete rule that is undefined for the input `{}`.
const POLICY: &str = "package pkg

import rego.v1

obligation := input.a.b
";

/// `data.entry.result` under the RVM and under the interpreter, as JSON text.
fn rvm_and_interpreter(result: &str) -> (String, String) {
    rvm_and_interpreter_on(result, "{}")
}

/// The same on a given input.
fn rvm_and_interpreter_on(result: &str, input: &str) -> (String, String) {
    let entry = format!("package entry\n\nimport rego.v1\n\nresult := {result}\n");
    let mut engine = regorus::Engine::new();
    engine.add_policy("pkg.rego".into(), POLICY.into()).unwrap();
    engine.add_policy("entry.rego".into(), entry).unwrap();
    engine.set_input(Value::from_json_str(input).unwrap());
    let interpreted = engine.eval_rule("data.entry.result".into()).unwrap();

    let compiled = engine.compile_with_entrypoint(&"data.entry.result".into()).unwrap();
    let program = Compiler::compile_from_policy(&compiled, &["data.entry.result"]).unwrap();
    let mut vm = RegoVM::new();
    vm.load_program(program);
    vm.set_data(Value::new_object()).unwrap();
    vm.set_input(Value::from_json_str(input).unwrap());
    let run = vm.execute().unwrap();
    (serde_json::to_string(&run).unwrap(), serde_json::to_string(&interpreted).unwrap())
}

/// UPSTREAM BUG (regorus 0.14.1). When this test fails because the RVM now gives `[]`,
/// regorus is fixed: update the note on `entry_policy` in `core/src/engine/mod.rs` and
/// delete this test (keep the next one).
#[test]
fn upstream_bug_rvm_collects_an_undefined_complete_rule_as_undefined() {
    let (rvm, interpreter) = rvm_and_interpreter("[x | x := data.pkg.obligation]");
    println!("regorus RVM:         {rvm}\nregorus interpreter: {interpreter}\nOPA:                 []");
    assert_eq!(interpreter, "[]");
    assert_eq!(rvm, r#"["<undefined>"]"#, "regorus's RVM changed: is the undefined bug fixed upstream?");
    // The same inside an object, as the engine's entry policy nests it.
    let (rvm, interpreter) = rvm_and_interpreter(r#"{"o": [x | x := data.pkg.obligation]}"#);
    assert_eq!(interpreter, r#"{"o":[]}"#);
    assert_eq!(rvm, r#"{"o":["<undefined>"]}"#);
}

/// The forms that give OPA's answer in both regorus engines; the entry policy uses the first.
#[test]
fn collecting_with_unification_gives_the_empty_list_in_both_engines() {
    for form in [
        r#"{"o": [x | x = data.pkg.obligation]}"#,
        r#"{"o": [x | some x in [data.pkg.obligation]]}"#,
        r#"{"o": [x | x := data.pkg.obligation; x == x]}"#,
    ] {
        let (rvm, interpreter) = rvm_and_interpreter(form);
        assert_eq!(rvm, r#"{"o":[]}"#, "{form}");
        assert_eq!(interpreter, r#"{"o":[]}"#, "{form}");
        // A defined value is collected as it is, by both.
        let (rvm, interpreter) = rvm_and_interpreter_on(form, r#"{"a": {"b": "v"}}"#);
        assert_eq!(rvm, r#"{"o":["v"]}"#, "{form}");
        assert_eq!(interpreter, r#"{"o":["v"]}"#, "{form}");
    }
}
