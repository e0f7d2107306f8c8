//! Reading back the office's XLSX reports: a row's figures by its label.

use calamine::{Data, Range, Reader, Xlsx, open_workbook};

/// The sheet `name` of the XLSX file at `path`.
pub fn sheet(path: &std::path::Path, name: &str) -> Range<Data> {
    let mut book: Xlsx<_> = open_workbook(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    book.worksheet_range(name)
        .unwrap_or_else(|e| panic!("{}: no sheet {name}: {e}", path.display()))
}

/// The numbers of the row whose first cell reads `label`, left to right.
pub fn row_figures(sheet: &Range<Data>, label: &str) -> Vec<f64> {
    sheet
        .rows()
        .find(|r| matches!(r.first(), Some(Data::String(s)) if s == label))
        .unwrap_or_else(|| panic!("no row {label}"))
        .iter()
        .skip(1)
        .filter_map(|c| match c {
            Data::Float(f) => Some(*f),
            Data::Int(i) => Some(*i as f64),
            _ => None,
        })
        .collect()
}

/// Every row's cells as text, after the first (the heading).
pub fn text_rows(sheet: &Range<Data>) -> Vec<Vec<String>> {
    sheet
        .rows()
        .skip(1)
        .map(|r| r.iter().map(ToString::to_string).collect())
        .collect()
}
