//! Grouping helpers shared by the board and the odds path: numbering ids as rows come (the
//! previous row's id answers most rows, compared in place), ranking them by name once so sorts
//! compare integers, and a counting sort that lays tagged rows out group by group. Both inputs
//! run to 100,000 rows and more per pass, so nothing here allocates or hashes per row when it
//! can be helped.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// FNV-1a (the `fnv` crate): the keys are short and trusted.
pub type FastHash = fnv::FnvBuildHasher;

/// Numbers the event ids of a board. Boards arrive event by event, so the previous id answers
/// most lookups with one short comparison instead of a hash of the string.
#[derive(Default)]
pub struct EventIds<'a> {
    ids: Vec<&'a str>,
    index: HashMap<&'a str, u32, FastHash>,
    last: Option<(&'a str, u32)>,
}

impl<'a> EventIds<'a> {
    #[inline]
    pub fn id(&mut self, event_id: &'a str) -> u32 {
        if let Some((s, i)) = self.last {
            if same_str(s, event_id) {
                return i;
            }
        }
        let next = self.ids.len() as u32;
        let i = *self.index.entry(event_id).or_insert(next);
        if i == next {
            self.ids.push(event_id);
        }
        self.last = Some((event_id, i));
        i
    }

    pub fn name(&self, id: u32) -> &'a str {
        self.ids.get(id as usize).copied().unwrap_or("")
    }

    /// Each id's rank in name order: equal ranks are equal names, and rank order is name order,
    /// so later sorts compare integers instead of strings.
    pub fn ranks(&self) -> Vec<u32> {
        let mut by_name: Vec<u32> = (0..self.ids.len() as u32).collect();
        by_name.sort_unstable_by(|a, b| self.name(*a).cmp(self.name(*b)));
        let mut rank = vec![0; by_name.len()];
        for (r, i) in by_name.iter().enumerate() {
            rank[*i as usize] = r as u32;
        }
        rank
    }
}

/// String equality for ids that nearly always equal the previous row's. Every quote owns its
/// strings, so the bytes must be read; short ids (event ids, book names) compare as two
/// overlapping words in place instead of a call to `memcmp`, which was a quarter of a pass.
#[inline]
pub fn same_str(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let n = a.len();
    if n != b.len() {
        return false;
    }
    if std::ptr::eq(a.as_ptr(), b.as_ptr()) {
        return true;
    }
    // Two overlapping words cover any length from one word to two.
    match n {
        8..=16 => word8(a, 0) == word8(b, 0) && word8(a, n - 8) == word8(b, n - 8),
        4..=7 => word4(a, 0) == word4(b, 0) && word4(a, n - 4) == word4(b, n - 4),
        _ => a == b,
    }
}

fn word8(s: &[u8], i: usize) -> u64 {
    let mut w = [0; 8];
    w.copy_from_slice(&s[i..i + 8]);
    u64::from_ne_bytes(w)
}

fn word4(s: &[u8], i: usize) -> u32 {
    let mut w = [0; 4];
    w.copy_from_slice(&s[i..i + 4]);
    u32::from_ne_bytes(w)
}

/// Rows tagged with their group laid out group by group, each through `f`: group `g` holds
/// `out[starts[rank[g]]..starts[rank[g] + 1]]`, in input order. A counting sort: two passes
/// over the rows and no comparisons.
pub(crate) fn bucket<T: Copy, U: Copy>(
    tagged: &[(usize, T)],
    rank: &[usize],
    f: impl Fn(T) -> U,
) -> (Vec<usize>, Vec<U>) {
    let mut starts = vec![0; rank.len() + 1];
    for (g, _) in tagged {
        starts[rank[*g] + 1] += 1;
    }
    for i in 1..starts.len() {
        starts[i] += starts[i - 1];
    }
    let mut out = match tagged.first() {
        Some((_, t)) => vec![f(*t); tagged.len()],
        None => Vec::new(),
    };
    let mut fill = starts.clone();
    for (g, t) in tagged {
        let slot = &mut fill[rank[*g]];
        out[*slot] = f(*t);
        *slot += 1;
    }
    (starts, out)
}

/// The rank of each item in the order of its sort key (keys distinct, so an unstable sort is
/// deterministic): `rank[i]` is item `i`'s position, `order[r]` the item at position `r`.
pub(crate) fn ranks_by_key<K: Ord + Copy>(keys: &[K]) -> (Vec<usize>, Vec<usize>) {
    let mut order: Vec<usize> = (0..keys.len()).collect();
    order.sort_unstable_by_key(|i| keys[*i]);
    let mut rank = vec![0; keys.len()];
    for (r, i) in order.iter().enumerate() {
        rank[*i] = r;
    }
    (rank, order)
}

/// A multiplicative hash for keys that are already one well-spread `u64`.
#[derive(Default)]
pub struct U64Hash(u64);

impl Hasher for U64Hash {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.write_u64(u64::from(*b));
        }
    }
    fn write_u64(&mut self, x: u64) {
        self.0 = (self.0 ^ x ^ (x >> 31)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
    // Whole integers in one round each: the default writes them byte by byte through `write`,
    // eight rounds for a line in hundredths.
    fn write_i64(&mut self, x: i64) {
        self.write_u64(x as u64);
    }
    fn write_u32(&mut self, x: u32) {
        self.write_u64(u64::from(x));
    }
    fn write_usize(&mut self, x: usize) {
        self.write_u64(x as u64);
    }
}

pub type U64Hasher = BuildHasherDefault<U64Hash>;
