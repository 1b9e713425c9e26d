//! What needs no server: the head's frontier round trip. The log against a real server is
//! tested in `core/tests/audit_postgres.rs`.

use crate::audit::merkle::{leaf_hash, Frontier, MerkleTree};

#[test]
fn the_frontier_in_the_head_row_gives_the_tree_root() {
    let mut f = Frontier::default();
    let mut t = MerkleTree::new();
    for i in 0..70u32 {
        let h = leaf_hash(&i.to_be_bytes());
        f.push(h);
        t.push(h);
        let back = Frontier::from_bytes(f.size(), &f.to_bytes()).unwrap();
        assert_eq!(back.root(), t.root(), "size {}", i + 1);
    }
    assert!(Frontier::from_bytes(3, &[0; 32]).is_none(), "size 3 needs two subtree roots");
}
