//! Legal names of cluster objects: nodes, resource groups and resources.
//!
//! A name starts with a letter, continues with letters, digits, `-` and `_`, and has at most
//! 255 characters (Solaris Cluster's "legal RGM names"). Names are case-sensitive.

/// The longest legal object name, in characters.
pub const MAX_NAME_LEN: usize = 255;

/// Why a name is not legal, in words an administrator can act on.
pub fn name_problem(name: &str) -> Option<String> {
    let mut chars = name.chars();
    let Some(first) = chars.next() else {
        return Some("a name cannot be empty".to_string());
    };
    if !first.is_ascii_alphabetic() {
        return Some(format!("`{name}` must start with a letter, not `{first}`"));
    }
    if let Some(bad) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '-' || *c == '_'))
    {
        return Some(format!(
            "`{name}` contains `{bad}`; names may contain only letters, digits, `-` and `_`"
        ));
    }
    let len = name.chars().count();
    if len > MAX_NAME_LEN {
        return Some(format!(
            "a name may have at most {MAX_NAME_LEN} characters; this one has {len}"
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legal_names() {
        for ok in ["a", "rg1", "app-rs", "Web_Server-2", &"x".repeat(255)] {
            assert_eq!(name_problem(ok), None, "{ok}");
        }
    }

    #[test]
    fn illegal_names_say_why() {
        assert_eq!(name_problem("").unwrap(), "a name cannot be empty");
        assert!(
            name_problem("1rg")
                .unwrap()
                .contains("must start with a letter")
        );
        assert!(
            name_problem("-rg")
                .unwrap()
                .contains("must start with a letter")
        );
        assert!(name_problem("rg.1").unwrap().contains("contains `.`"));
        assert!(name_problem("rg 1").unwrap().contains("contains ` `"));
        assert!(
            name_problem(&"x".repeat(256))
                .unwrap()
                .contains("at most 255")
        );
    }
}
