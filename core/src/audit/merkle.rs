//! RFC 6962 / RFC 9162 Merkle tree: hashes, proofs and their verification.
//!
//! One file because it is one idea (the tree and the proofs its shape determines); past 600
//! lines only with the RFC test vectors below it.
//!
//! Proof generation follows RFC 9162 §2.1.3.1 (`PATH`) and §2.1.4.1 (`SUBPROOF`); verification
//! follows the iterative algorithms of §2.1.3.2 and §2.1.4.2 literally, so that the results can
//! be checked by any other RFC 9162 implementation.

use std::fmt;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::AuditError;

/// A SHA-256 value: a record (leaf) hash, an interior node or a tree root.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub struct Hash(pub [u8; 32]);

impl Hash {
    /// All zeros: the `prev` of the first record.
    pub const ZERO: Hash = Hash([0; 32]);

    /// Lowercase hexadecimal, as records store `prev`.
    pub fn to_hex(&self) -> String {
        let mut out = String::with_capacity(64);
        push_hex(&mut out, &self.0);
        out
    }

    /// Parses 64 hexadecimal digits (either case).
    pub fn from_hex(s: &str) -> Result<Hash, AuditError> {
        decode_hex32(s.as_bytes()).map(Hash).ok_or_else(|| AuditError::InvalidArgument {
            reason: format!("expected 64 hex digits, got {:?}", truncate(s, 80)),
        })
    }

    /// The raw 32 bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl fmt::Display for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Debug for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Hash({})", self.to_hex())
    }
}

impl Serialize for Hash {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_hex())
    }
}

/// On the wire a hash is its lowercase hex, as [`Serialize`] writes it.
#[cfg(feature = "schema")]
impl schemars::JsonSchema for Hash {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Hash".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({ "type": "string", "pattern": "^[0-9a-f]{64}$" })
    }
}

impl<'de> Deserialize<'de> for Hash {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Hash::from_hex(&s).map_err(serde::de::Error::custom)
    }
}

pub(crate) fn push_hex(out: &mut String, bytes: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for b in bytes {
        out.push(char::from(HEX[usize::from(b >> 4)]));
        out.push(char::from(HEX[usize::from(b & 0xF)]));
    }
}

/// Hex digit values; 0xFF for "not a digit", 0xFE for uppercase (refused when lowercase is
/// required). A table, because the verifier decodes a `prev` for every line.
const HEX_VALUES: [u8; 256] = {
    let mut t = [0xFFu8; 256];
    let mut i = 0;
    while i < 10 {
        t[b'0' as usize + i] = i as u8;
        i += 1;
    }
    let mut i = 0;
    while i < 6 {
        t[b'a' as usize + i] = 10 + i as u8;
        t[b'A' as usize + i] = 0xFE;
        i += 1;
    }
    t
};

/// Decodes exactly 64 hex digits; `lower_only` rejects uppercase (records must be lowercase).
pub(crate) fn decode_hex32_strict(s: &[u8], lower_only: bool) -> Option<[u8; 32]> {
    if s.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (o, pair) in out.iter_mut().zip(s.chunks_exact(2)) {
        let hi = hex_val(pair[0], lower_only)?;
        let lo = hex_val(pair[1], lower_only)?;
        *o = hi << 4 | lo;
    }
    Some(out)
}

fn decode_hex32(s: &[u8]) -> Option<[u8; 32]> {
    decode_hex32_strict(s, false)
}

#[inline]
fn hex_val(c: u8, lower_only: bool) -> Option<u8> {
    match HEX_VALUES[usize::from(c)] {
        0xFF => None,
        0xFE if lower_only => None,
        0xFE => Some(c - b'A' + 10),
        v => Some(v),
    }
}

pub(crate) fn truncate(s: &str, max: usize) -> &str {
    match s.char_indices().nth(max) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

/// RFC 6962 leaf hash: `SHA-256(0x00 || data)`. The record hash of a line (without its LF).
pub fn leaf_hash(data: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([0u8]);
    h.update(data);
    Hash(h.finalize().into())
}

/// RFC 6962 interior node hash: `SHA-256(0x01 || left || right)`.
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut buf = [0u8; 65];
    buf[0] = 1;
    buf[1..33].copy_from_slice(&left.0);
    buf[33..].copy_from_slice(&right.0);
    Hash(Sha256::digest(buf).into())
}

/// The root of the empty tree: `SHA-256("")`.
pub fn empty_root() -> Hash {
    Hash(Sha256::digest([]).into())
}

/// Largest power of two strictly less than `n` (n ≥ 2).
fn split_point(n: u64) -> u64 {
    debug_assert!(n >= 2);
    1u64 << (63 - (n - 1).leading_zeros())
}

/// All leaf hashes of a log and the roots of its complete subtrees, so that any root, inclusion
/// proof or consistency proof is computed in O(log² n) hashes instead of O(n).
///
/// `levels[l][i]` is the root of the perfect subtree over leaves `[i·2^l, (i+1)·2^l)`; it costs
/// about 64 bytes per record.
#[derive(Debug, Clone, Default)]
pub struct MerkleTree {
    levels: Vec<Vec<Hash>>,
}

/// A proof that a record is in the tree of a given size (RFC 9162 §2.1.3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InclusionProof {
    /// The record's seq (its leaf index).
    pub leaf_index: u64,
    /// The tree size the proof is for.
    pub tree_size: u64,
    /// The audit path, leaf side first.
    pub hashes: Vec<Hash>,
}

/// A proof that the tree of `old_size` is a prefix of the tree of `new_size` (RFC 9162 §2.1.4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsistencyProof {
    /// The smaller tree size.
    pub old_size: u64,
    /// The larger tree size.
    pub new_size: u64,
    /// The consistency path.
    pub hashes: Vec<Hash>,
}

impl MerkleTree {
    /// An empty tree.
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of leaves.
    pub fn len(&self) -> u64 {
        self.levels.first().map_or(0, |l| l.len() as u64)
    }

    /// Whether the tree has no leaves.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Appends a leaf hash (the record hash).
    pub fn push(&mut self, leaf: Hash) {
        if self.levels.is_empty() {
            self.levels.push(Vec::new());
        }
        self.levels[0].push(leaf);
        let mut level = 0;
        while self.levels[level].len().is_multiple_of(2) {
            let n = self.levels[level].len();
            let node = node_hash(&self.levels[level][n - 2], &self.levels[level][n - 1]);
            if self.levels.len() == level + 1 {
                self.levels.push(Vec::new());
            }
            self.levels[level + 1].push(node);
            level += 1;
        }
    }

    /// The leaf hash at `index`.
    pub fn leaf(&self, index: u64) -> Option<Hash> {
        self.levels.first()?.get(usize::try_from(index).ok()?).copied()
    }

    /// The root of the whole tree.
    pub fn root(&self) -> Hash {
        self.mth(0, self.len())
    }

    /// The root of the tree made of the first `size` leaves.
    pub fn root_at(&self, size: u64) -> Result<Hash, AuditError> {
        self.check_size("tree size", size)?;
        Ok(self.mth(0, size))
    }

    fn check_size(&self, what: &'static str, size: u64) -> Result<(), AuditError> {
        if size > self.len() {
            return Err(AuditError::OutOfRange { what, value: size, size: self.len() });
        }
        Ok(())
    }

    /// MTH(D[lo:hi]). Every subtree the RFC recursion reaches that is perfect is also aligned,
    /// so it is stored in `levels`.
    fn mth(&self, lo: u64, hi: u64) -> Hash {
        let n = hi - lo;
        if n == 0 {
            return empty_root();
        }
        if n.is_power_of_two() {
            let l = n.trailing_zeros() as usize;
            return self.levels[l][(lo >> l) as usize];
        }
        let k = split_point(n);
        node_hash(&self.mth(lo, lo + k), &self.mth(lo + k, hi))
    }

    /// The inclusion proof of leaf `index` in the tree of `size` leaves (RFC 9162 `PATH`).
    pub fn inclusion_proof(&self, index: u64, size: u64) -> Result<InclusionProof, AuditError> {
        self.check_size("tree size", size)?;
        if index >= size {
            return Err(AuditError::OutOfRange { what: "seq", value: index, size });
        }
        let mut hashes = Vec::new();
        self.path(index, 0, size, &mut hashes);
        Ok(InclusionProof { leaf_index: index, tree_size: size, hashes })
    }

    /// PATH(m, D[lo:hi]), pushing the deepest hash first.
    fn path(&self, m: u64, lo: u64, hi: u64, out: &mut Vec<Hash>) {
        let n = hi - lo;
        if n <= 1 {
            return;
        }
        let k = split_point(n);
        if m < k {
            self.path(m, lo, lo + k, out);
            out.push(self.mth(lo + k, hi));
        } else {
            self.path(m - k, lo + k, hi, out);
            out.push(self.mth(lo, lo + k));
        }
    }

    /// The consistency proof between the trees of `old_size` and `new_size` leaves (RFC 9162
    /// `PROOF`); empty when either size is 0 or they are equal.
    pub fn consistency_proof(&self, old_size: u64, new_size: u64) -> Result<ConsistencyProof, AuditError> {
        self.check_size("tree size", new_size)?;
        if old_size > new_size {
            return Err(AuditError::InvalidArgument {
                reason: format!("old tree size {old_size} is larger than new tree size {new_size}"),
            });
        }
        let mut hashes = Vec::new();
        if old_size > 0 && old_size < new_size {
            self.subproof(old_size, 0, new_size, true, &mut hashes);
        }
        Ok(ConsistencyProof { old_size, new_size, hashes })
    }

    /// SUBPROOF(m, D[lo:hi], b).
    fn subproof(&self, m: u64, lo: u64, hi: u64, b: bool, out: &mut Vec<Hash>) {
        let n = hi - lo;
        if m == n {
            if !b {
                out.push(self.mth(lo, hi));
            }
            return;
        }
        let k = split_point(n);
        if m <= k {
            self.subproof(m, lo, lo + k, b, out);
            out.push(self.mth(lo + k, hi));
        } else {
            self.subproof(m - k, lo + k, hi, false, out);
            out.push(self.mth(lo, lo + k));
        }
    }
}

/// Verifies an inclusion proof per RFC 9162 §2.1.3.2.
pub fn verify_inclusion(leaf: &Hash, proof: &InclusionProof, root: &Hash) -> Result<(), AuditError> {
    let fail = |reason: &str| Err(AuditError::BadProof { reason: reason.to_string() });
    if proof.leaf_index >= proof.tree_size {
        return fail("leaf index is not below the tree size");
    }
    let mut f = proof.leaf_index;
    let mut s = proof.tree_size - 1;
    let mut r = *leaf;
    for p in &proof.hashes {
        if s == 0 {
            return fail("inclusion proof is too long");
        }
        if f & 1 == 1 || f == s {
            r = node_hash(p, &r);
            if f & 1 == 0 {
                while f & 1 == 0 && f != 0 {
                    f >>= 1;
                    s >>= 1;
                }
            }
        } else {
            r = node_hash(&r, p);
        }
        f >>= 1;
        s >>= 1;
    }
    if s != 0 {
        return fail("inclusion proof is too short");
    }
    if r != *root {
        return fail("inclusion proof does not lead to the root");
    }
    Ok(())
}

/// Verifies a consistency proof per RFC 9162 §2.1.4.2, between `old_root` (of
/// `proof.old_size` leaves) and `new_root` (of `proof.new_size` leaves).
pub fn verify_consistency(old_root: &Hash, new_root: &Hash, proof: &ConsistencyProof) -> Result<(), AuditError> {
    let fail = |reason: &str| Err(AuditError::BadProof { reason: reason.to_string() });
    let (m, n) = (proof.old_size, proof.new_size);
    if m > n {
        return fail("old tree size is larger than new tree size");
    }
    if m == n {
        if !proof.hashes.is_empty() {
            return fail("proof between equal sizes must be empty");
        }
        if old_root != new_root {
            return fail("roots of equal tree sizes differ");
        }
        return Ok(());
    }
    if m == 0 {
        // Every tree extends the empty tree; RFC 9162 defines no proof for it.
        if !proof.hashes.is_empty() {
            return fail("proof from the empty tree must be empty");
        }
        if *old_root != empty_root() {
            return fail("old root is not the empty tree's root");
        }
        return Ok(());
    }
    if proof.hashes.is_empty() {
        return fail("consistency proof is empty");
    }
    let mut path: Vec<Hash> = Vec::with_capacity(proof.hashes.len() + 1);
    if m.is_power_of_two() {
        path.push(*old_root);
    }
    path.extend_from_slice(&proof.hashes);
    let mut f = m - 1;
    let mut s = n - 1;
    while f & 1 == 1 {
        f >>= 1;
        s >>= 1;
    }
    let mut fr = path[0];
    let mut sr = path[0];
    for c in &path[1..] {
        if s == 0 {
            return fail("consistency proof is too long");
        }
        if f & 1 == 1 || f == s {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            if f & 1 == 0 {
                while f & 1 == 0 && f != 0 {
                    f >>= 1;
                    s >>= 1;
                }
            }
        } else {
            sr = node_hash(&sr, c);
        }
        f >>= 1;
        s >>= 1;
    }
    if s != 0 {
        return fail("consistency proof is too short");
    }
    if fr != *old_root || sr != *new_root {
        return fail("consistency proof does not lead to the roots");
    }
    Ok(())
}

/// The right edge of a tree being built leaf by leaf: the roots of its perfect subtrees,
/// largest first. Gives the root in O(log n) memory, for the verifier that streams a log.
#[derive(Debug, Clone, Default)]
pub(crate) struct Frontier {
    size: u64,
    stack: Vec<Hash>,
}

impl Frontier {
    pub(crate) fn push(&mut self, leaf: Hash) {
        let mut node = leaf;
        let mut size = self.size;
        while size & 1 == 1 {
            if let Some(left) = self.stack.pop() {
                node = node_hash(&left, &node);
            }
            size >>= 1;
        }
        self.stack.push(node);
        self.size += 1;
    }

    #[cfg(test)]
    pub(crate) fn size(&self) -> u64 {
        self.size
    }

    /// The subtree roots concatenated, largest first (32 bytes each): what the PostgreSQL
    /// log keeps in its head row beside the size.
    #[cfg(feature = "postgres")]
    pub(crate) fn to_bytes(&self) -> Vec<u8> {
        self.stack.iter().flat_map(|h| h.0).collect()
    }

    /// The frontier of a tree of `size` leaves from [`Frontier::to_bytes`]; `None` unless it
    /// holds one root per bit set in `size`.
    #[cfg(feature = "postgres")]
    pub(crate) fn from_bytes(size: u64, bytes: &[u8]) -> Option<Frontier> {
        if bytes.len() != 32 * size.count_ones() as usize {
            return None;
        }
        let stack = bytes.chunks_exact(32).map(|c| <[u8; 32]>::try_from(c).map(Hash)).collect::<Result<_, _>>().ok()?;
        Some(Frontier { size, stack })
    }

    /// MTH of all leaves pushed: the perfect subtrees folded from the right.
    pub(crate) fn root(&self) -> Hash {
        let mut it = self.stack.iter().rev();
        match it.next() {
            None => empty_root(),
            Some(last) => it.fold(*last, |acc, left| node_hash(left, &acc)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// RFC 6962 §2.1 written as literally as possible, as the reference.
    fn reference_mth(leaves: &[Hash]) -> Hash {
        match leaves.len() {
            0 => empty_root(),
            1 => leaves[0],
            n => {
                let k = split_point(n as u64) as usize;
                node_hash(&reference_mth(&leaves[..k]), &reference_mth(&leaves[k..]))
            }
        }
    }

    fn reference_path(m: usize, leaves: &[Hash]) -> Vec<Hash> {
        let n = leaves.len();
        if n <= 1 {
            return vec![];
        }
        let k = split_point(n as u64) as usize;
        if m < k {
            let mut p = reference_path(m, &leaves[..k]);
            p.push(reference_mth(&leaves[k..]));
            p
        } else {
            let mut p = reference_path(m - k, &leaves[k..]);
            p.push(reference_mth(&leaves[..k]));
            p
        }
    }

    fn reference_subproof(m: usize, leaves: &[Hash], b: bool) -> Vec<Hash> {
        let n = leaves.len();
        if m == n {
            return if b { vec![] } else { vec![reference_mth(leaves)] };
        }
        let k = split_point(n as u64) as usize;
        if m <= k {
            let mut p = reference_subproof(m, &leaves[..k], b);
            p.push(reference_mth(&leaves[k..]));
            p
        } else {
            let mut p = reference_subproof(m - k, &leaves[k..], false);
            p.push(reference_mth(&leaves[..k]));
            p
        }
    }

    fn leaves(n: usize) -> Vec<Hash> {
        (0..n).map(|i| leaf_hash(format!("leaf {i}").as_bytes())).collect()
    }

    fn tree(leaves: &[Hash]) -> MerkleTree {
        let mut t = MerkleTree::new();
        for l in leaves {
            t.push(*l);
        }
        t
    }

    #[test]
    fn known_values() {
        assert_eq!(empty_root().to_hex(), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        // RFC 6962 leaf hash of the empty leaf: SHA-256(0x00).
        assert_eq!(leaf_hash(b"").to_hex(), "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d");
        assert_eq!(MerkleTree::new().root(), empty_root());
        let one = leaves(1);
        assert_eq!(tree(&one).root(), one[0]);
    }

    /// The leaf hashes and roots of the certificate-transparency test tree (the eight inputs
    /// of RFC 6962's reference implementation tests: "", 0x00, 0x10, 0x2021, ...).
    #[test]
    fn certificate_transparency_vectors() {
        let inputs: [&[u8]; 8] = [
            b"",
            &[0x00],
            &[0x10],
            &[0x20, 0x21],
            &[0x30, 0x31],
            &[0x40, 0x41, 0x42, 0x43],
            &[0x50, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57],
            &[0x60, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x6d, 0x6e, 0x6f],
        ];
        let roots = [
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
            "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
            "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
            "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
            "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
        ];
        let mut t = MerkleTree::new();
        for (input, root) in inputs.iter().zip(roots) {
            t.push(leaf_hash(input));
            assert_eq!(t.root().to_hex(), root, "size {}", t.len());
        }
    }

    #[test]
    fn out_of_range() {
        let t = tree(&leaves(3));
        assert_eq!(t.inclusion_proof(3, 3).unwrap_err().code(), "audit.out_of_range");
        assert_eq!(t.inclusion_proof(0, 4).unwrap_err().code(), "audit.out_of_range");
        assert_eq!(t.consistency_proof(2, 4).unwrap_err().code(), "audit.out_of_range");
        assert_eq!(t.consistency_proof(3, 2).unwrap_err().code(), "audit.invalid_argument");
    }

    proptest! {
        #[test]
        fn roots_match_reference(n in 0usize..70) {
            let l = leaves(n);
            let t = tree(&l);
            let mut f = Frontier::default();
            for (i, leaf) in l.iter().enumerate() {
                prop_assert_eq!(t.root_at(i as u64).unwrap(), reference_mth(&l[..i]));
                prop_assert_eq!(f.root(), reference_mth(&l[..i]));
                f.push(*leaf);
            }
            prop_assert_eq!(t.root(), reference_mth(&l));
            prop_assert_eq!(f.root(), reference_mth(&l));
            prop_assert_eq!(f.size(), n as u64);
        }

        #[test]
        fn inclusion_proofs(n in 1usize..70, seed in any::<u64>()) {
            let l = leaves(n);
            let t = tree(&l);
            let size = 1 + (seed % n as u64);
            let index = (seed / 7) % size;
            let proof = t.inclusion_proof(index, size).unwrap();
            prop_assert_eq!(&proof.hashes, &reference_path(index as usize, &l[..size as usize]));
            let root = t.root_at(size).unwrap();
            prop_assert!(verify_inclusion(&l[index as usize], &proof, &root).is_ok());
            // Wrong leaf, wrong index, wrong size and a shortened path all fail.
            let other = leaf_hash(b"other");
            prop_assert!(verify_inclusion(&other, &proof, &root).is_err());
            if size > 1 {
                let mut p = proof.clone();
                p.leaf_index = (index + 1) % size;
                prop_assert!(verify_inclusion(&l[index as usize], &p, &root).is_err());
                let mut p = proof.clone();
                p.hashes.pop();
                prop_assert!(verify_inclusion(&l[index as usize], &p, &root).is_err());
                let mut p = proof.clone();
                p.hashes.push(other);
                prop_assert!(verify_inclusion(&l[index as usize], &p, &root).is_err());
            }
        }

        #[test]
        fn consistency_proofs(n in 1usize..70, seed in any::<u64>()) {
            let l = leaves(n);
            let t = tree(&l);
            let new = 1 + (seed % n as u64);
            let old = (seed / 11) % (new + 1);
            let proof = t.consistency_proof(old, new).unwrap();
            if old > 0 && old < new {
                prop_assert_eq!(&proof.hashes, &reference_subproof(old as usize, &l[..new as usize], true));
            }
            let (r1, r2) = (t.root_at(old).unwrap(), t.root_at(new).unwrap());
            prop_assert!(verify_consistency(&r1, &r2, &proof).is_ok());
            if old > 0 && old < new {
                let bad = leaf_hash(b"x");
                prop_assert!(verify_consistency(&bad, &r2, &proof).is_err());
                prop_assert!(verify_consistency(&r1, &bad, &proof).is_err());
                let mut p = proof.clone();
                p.old_size = old + 1;
                if p.old_size < new {
                    prop_assert!(verify_consistency(&r1, &r2, &p).is_err());
                }
                let mut p = proof.clone();
                p.hashes.pop();
                prop_assert!(verify_consistency(&r1, &r2, &p).is_err());
            }
        }
    }
}
