//! Witness cosignatures against the vectors in `fixtures/audit/witness/`: cosignatures made by
//! Go's `transparency-dev/formats/note` verify here, and ours are byte for byte the ones Go
//! verified (`fixtures/audit/witness/check.sh` runs Go on them).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;

use microgov::audit::{Checkpoint, VerifierKey, WitnessKey, WitnessPolicy, WitnessSigningKey};

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fixtures/audit")
}

fn read(name: &str) -> String {
    std::fs::read_to_string(dir().join(name)).unwrap()
}

fn witnesses() -> Vec<WitnessKey> {
    ["witness/w1.vkey", "witness/w2.vkey"].iter().map(|p| WitnessKey::parse(&read(p)).unwrap()).collect()
}

#[test]
fn cosignatures_made_by_go_verify() {
    let note = read("witness/go-cosigned.checkpoint");
    let log = VerifierKey::parse(&read("test-key.vkey")).unwrap();
    let cp = Checkpoint::open(&note, Some(&log)).unwrap();
    assert_eq!(cp.size, 10);
    let found = WitnessPolicy::new(witnesses(), 2).unwrap().check(&note).unwrap();
    let names: Vec<&str> = found.iter().map(|c| c.witness.as_str()).collect();
    assert_eq!(names, ["witness.example/w1", "witness.example/w2"]);
    assert!(found.iter().all(|c| c.time > 1_700_000_000));
    // Another checkpoint under the same cosignature lines does not verify.
    let moved = note.replacen("\n10\n", "\n9\n", 1);
    assert_eq!(WitnessPolicy::new(witnesses(), 1).unwrap().check(&moved).unwrap_err().code(), "audit.bad_signature");
}

#[test]
fn our_cosignatures_are_the_ones_go_verified() {
    let w1 = WitnessSigningKey::parse(&read("witness/w1.skey")).unwrap();
    let w2 = WitnessSigningKey::parse(&read("witness/w2.skey")).unwrap();
    assert_eq!(w1.verifier(), witnesses()[0]);
    let note = w1.cosign(&read("good.checkpoint"), 1_796_600_000).unwrap();
    let note = w2.cosign(&note, 1_796_600_001).unwrap();
    assert_eq!(note, read("witness/microgov-cosigned.checkpoint"));
    let (cp, found) = WitnessPolicy::new(witnesses(), 2).unwrap().check_latest(&note).unwrap();
    assert_eq!(cp.size, 10);
    assert_eq!(found.iter().map(|c| c.time).collect::<Vec<_>>(), [1_796_600_000, 1_796_600_001]);
}

#[test]
fn the_latest_checkpoint_of_a_file_must_be_witnessed() {
    // A checkpoints file: the size-8 note without cosignatures, then the cosigned size-10 note.
    let file = format!("{}\n{}\n", read("good-8.checkpoint"), read("witness/go-cosigned.checkpoint"));
    let policy = WitnessPolicy::new(witnesses(), 2).unwrap();
    assert_eq!(policy.check_latest(&file).unwrap().0.size, 10);
    let old_only = read("good-8.checkpoint");
    let e = policy.check_latest(&old_only).unwrap_err();
    assert_eq!(e.code(), "audit.bad_signature");
    assert!(e.to_string().contains("cosigned by 0 of the 2"), "{e}");
}
