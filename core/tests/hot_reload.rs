//! The hot-reload example (`core/examples/hot_reload.rs`) run as a test: a policy folder
//! changed and reloaded while threads decide, a broken reload refused.

#[allow(dead_code)] // its `main` is for `cargo run --example`
#[path = "../examples/hot_reload.rs"]
mod example;

#[test]
fn deciding_threads_see_the_reloaded_policy_and_a_broken_one_is_refused() {
    let (decisions, every_thread_saw_it) = example::run(3).unwrap();
    assert!(decisions > 3, "{decisions}");
    assert!(every_thread_saw_it, "a thread kept deciding with the old engine after the swap");
}
