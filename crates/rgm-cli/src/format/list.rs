//! `list` output: names one per line; `-v` tables of plain columns (headers over dashes,
//! each column as wide as its longest cell plus three blanks, the last unpadded); and the
//! sections `list-props` prints when it lists more than one object.

/// Names, one per line.
pub fn names<'a>(names: impl IntoIterator<Item = &'a str>) -> String {
    names.into_iter().map(|n| format!("{n}\n")).collect()
}

/// A table with the given headers.
pub fn table(headers: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.len()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.len());
        }
    }
    let line = |cells: &[&str]| {
        let mut s = String::new();
        for (i, c) in cells.iter().enumerate() {
            if i + 1 == cells.len() {
                s += c;
            } else {
                s += &format!("{c:<w$}", w = widths[i] + 3);
            }
        }
        s + "\n"
    };
    let dashes: Vec<String> = headers.iter().map(|h| "-".repeat(h.len())).collect();
    let mut out = line(headers);
    out += &line(&dashes.iter().map(String::as_str).collect::<Vec<_>>());
    for row in rows {
        out += &line(&row.iter().map(String::as_str).collect::<Vec<_>>());
    }
    out
}

/// Listings of several objects: one alone as it is; more each under a `LABEL: name` line,
/// separated by blank lines.
pub fn sections(label: &str, parts: &[(String, String)]) -> String {
    if let [(_, body)] = parts {
        return body.clone();
    }
    parts
        .iter()
        .map(|(name, body)| format!("{label}: {name}\n{body}"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_pad_all_but_the_last_column() {
        let rows = vec![vec!["ACME.rec:1".to_string(), "<All>".to_string()]];
        assert_eq!(
            table(&["Resource Type", "Node List"], &rows),
            "Resource Type   Node List\n-------------   ---------\nACME.rec:1      <All>\n"
        );
    }

    #[test]
    fn sections_only_when_several() {
        let one = [("a".to_string(), "x\n".to_string())];
        assert_eq!(sections("Resource", &one), "x\n");
        let two = [one[0].clone(), ("b".to_string(), "y\n".to_string())];
        assert_eq!(
            sections("Resource", &two),
            "Resource: a\nx\n\nResource: b\ny\n"
        );
    }
}
