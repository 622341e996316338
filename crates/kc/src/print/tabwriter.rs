//! Column alignment as kubectl prints it (Go's `text/tabwriter` with padding 3): every cell but
//! the last of a row is padded to its column's widest cell plus three spaces; the last cell is
//! written as is.

/// Rows of cells, aligned when rendered.
#[derive(Debug, Default)]
pub struct TabWriter {
    rows: Vec<Vec<String>>,
}

impl TabWriter {
    /// An empty table.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends a row.
    pub fn row<I, S>(&mut self, cells: I)
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.rows.push(cells.into_iter().map(Into::into).collect());
    }

    /// The aligned text, one line per row, each ending in `\n`.
    pub fn render(&self) -> String {
        self.render_remembering(&mut Vec::new())
    }

    /// Like [`TabWriter::render`], but columns are at least as wide as `widths` says, and
    /// `widths` grows to what this render needed: kubectl's `get -w` keeps later rows aligned
    /// with the table printed before them this way.
    pub fn render_remembering(&self, widths: &mut Vec<usize>) -> String {
        let columns = self.rows.iter().map(Vec::len).max().unwrap_or(0);
        if widths.len() < columns {
            widths.resize(columns, 0);
        }
        for row in &self.rows {
            // The last cell of a row is not tab-terminated, so it does not widen its column.
            for (i, cell) in row.iter().enumerate().take(row.len().saturating_sub(1)) {
                widths[i] = widths[i].max(cell.chars().count());
            }
        }
        let mut out = String::new();
        for row in &self.rows {
            for (i, cell) in row.iter().enumerate() {
                out.push_str(cell);
                if i + 1 < row.len() {
                    let pad = widths[i] - cell.chars().count() + 3;
                    out.extend(std::iter::repeat_n(' ', pad));
                }
            }
            out.push('\n');
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pads_all_but_the_last_cell() {
        let mut tw = TabWriter::new();
        tw.row(["NAME", "DATA", "AGE"]);
        tw.row(["kube-root-ca.crt", "1", "5m"]);
        assert_eq!(
            tw.render(),
            "NAME               DATA   AGE\nkube-root-ca.crt   1      5m\n"
        );
    }

    #[test]
    fn remembered_widths_keep_later_rows_aligned() {
        let mut widths = Vec::new();
        let mut first = TabWriter::new();
        first.row(["NAME", "DATA", "AGE"]);
        first.row(["a", "1", "5m"]);
        first.render_remembering(&mut widths);
        let mut later = TabWriter::new();
        later.row(["b", "0", "0s"]);
        assert_eq!(later.render_remembering(&mut widths), "b      0      0s\n");
    }

    #[test]
    fn empty_last_cells_leave_trailing_padding_of_the_previous_one() {
        let mut tw = TabWriter::new();
        tw.row(["a", "verbs", "CATEGORIES"]);
        tw.row(["bb", "create", ""]);
        assert_eq!(tw.render(), "a    verbs    CATEGORIES\nbb   create   \n");
    }
}
