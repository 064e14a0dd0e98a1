//! The set of external ids seen so far: duplicate detection needs every id, and receipts list
//! them. Ids are stored back to back in one buffer with a hash table of offsets, about 16 bytes
//! per id beyond its text, so a million ids stay small and no id costs an allocation.

use std::hash::BuildHasher;

use hashbrown::HashTable;
use rustc_hash::FxBuildHasher;

#[derive(Clone, Copy)]
struct Entry {
    start: u64,
    len: u32,
    /// Row where the id first appeared.
    row: u32,
}

#[derive(Default)]
pub struct IdSet {
    text: String,
    table: HashTable<Entry>,
}

fn hash(id: &str) -> u64 {
    FxBuildHasher.hash_one(id)
}

fn text_of<'a>(text: &'a str, e: &Entry) -> &'a str {
    &text[e.start as usize..e.start as usize + e.len as usize]
}

impl IdSet {
    /// Adds `id` first seen at `row`; if it was there already, returns the row it came from.
    pub fn insert(&mut self, id: &str, row: u32) -> Option<u32> {
        let h = hash(id);
        let text = &self.text;
        if let Some(e) = self.table.find(h, |e| text_of(text, e) == id) {
            return Some(e.row);
        }
        let entry = Entry {
            start: self.text.len() as u64,
            len: id.len() as u32,
            row,
        };
        self.text.push_str(id);
        let text = &self.text;
        self.table.insert_unique(h, entry, |e| hash(text_of(text, e)));
        None
    }

    pub fn len(&self) -> usize {
        self.table.len()
    }

    pub fn is_empty(&self) -> bool {
        self.table.is_empty()
    }

    /// Every id, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.table.iter().map(|e| text_of(&self.text, e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicates_report_the_first_row() {
        let mut ids = IdSet::default();
        assert_eq!(ids.insert("REQ-1", 2), None);
        assert_eq!(ids.insert("REQ-2", 3), None);
        assert_eq!(ids.insert("REQ-1", 9), Some(2));
        assert_eq!(ids.insert("", 10), None);
        assert_eq!(ids.insert("", 11), Some(10));
        assert_eq!(ids.len(), 3);
        let mut all: Vec<&str> = ids.iter().collect();
        all.sort();
        assert_eq!(all, ["", "REQ-1", "REQ-2"]);
    }

    #[test]
    fn many_ids() {
        let mut ids = IdSet::default();
        for i in 0..50_000u32 {
            assert_eq!(ids.insert(&format!("ID-{i}"), i), None);
        }
        for i in (0..50_000u32).step_by(997) {
            assert_eq!(ids.insert(&format!("ID-{i}"), 0), Some(i));
        }
    }
}
