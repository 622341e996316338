//! [`RecordBatch`]: consecutive records in one buffer, so a batch is one allocation to hand
//! to a decode job however many records it holds.

/// Consecutive records (watch event lines, list items) decoded together.
#[derive(Clone, Debug, Default)]
pub struct RecordBatch {
    bytes: Vec<u8>,
    /// End offset in `bytes` of each record; a record starts where the previous one ends.
    ends: Vec<usize>,
}

impl RecordBatch {
    /// Appends one record.
    pub fn push(&mut self, record: &[u8]) {
        self.bytes.extend_from_slice(record);
        self.ends.push(self.bytes.len());
    }

    /// Records held.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// True when no record is held.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Bytes held, all records together.
    pub fn len_bytes(&self) -> usize {
        self.bytes.len()
    }

    /// The records, in the order they were pushed.
    pub fn iter(&self) -> impl Iterator<Item = &[u8]> {
        let starts = std::iter::once(0).chain(self.ends.iter().copied());
        starts
            .zip(self.ends.iter().copied())
            .map(|(start, end)| &self.bytes[start..end])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_come_back_in_order() {
        let mut batch = RecordBatch::default();
        assert!(batch.is_empty());
        for record in [&b"{\"a\":1}"[..], b"", b"xyz"] {
            batch.push(record);
        }
        assert_eq!((batch.len(), batch.len_bytes()), (3, 10));
        let records: Vec<&[u8]> = batch.iter().collect();
        assert_eq!(records, [&b"{\"a\":1}"[..], b"", b"xyz"]);
    }
}
