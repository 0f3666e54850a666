//! The `-p` edit syntax (`name=value`, `+=`, `-=`, `name{n1,n2}=value`): any text parses or is
//! refused with a reason, an edit's own text parses back to the same edit, and applying it to
//! a property of each type gives a value that passes that property's checks, or an error.

#![no_main]

use libfuzzer_sys::fuzz_target;

use rgm_core::edit::{PropertyEdit, apply_edit};
use rtreg::{PropertySpec, PropertyType, Tunability, Value};

fn specs() -> Vec<PropertySpec> {
    let mut int = PropertySpec::new("N", PropertyType::Int, Tunability::Anytime);
    int.min = Some(-5);
    int.max = Some(1000);
    let mut string = PropertySpec::new("S", PropertyType::String, Tunability::Anytime);
    string.maxlength = Some(40);
    let mut array = PropertySpec::new("A", PropertyType::StringArray, Tunability::Anytime);
    array.array_maxsize = Some(8);
    array.minlength = Some(1);
    let mut en = PropertySpec::new("E", PropertyType::Enum, Tunability::Anytime);
    en.enum_values = Some(vec!["Fast".into(), "safe".into()]);
    let boolean = PropertySpec::new("B", PropertyType::Boolean, Tunability::Anytime);
    vec![int, string, array, en, boolean]
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let edit = match text.parse::<PropertyEdit>() {
        Ok(e) => e,
        Err(why) => {
            assert!(!why.is_empty());
            return;
        }
    };
    let again: PropertyEdit = edit
        .to_string()
        .parse()
        .unwrap_or_else(|e| panic!("{edit:?} printed as {edit} does not parse: {e}"));
    assert_eq!(again, edit);
    let currents = [
        None,
        Some(Value::Array(vec!["a".into(), "b".into()])),
        Some(Value::Str("x".into())),
        Some(Value::Int(3)),
    ];
    for spec in specs() {
        for current in &currents {
            if let Ok(value) = apply_edit(&spec, current.as_ref(), &edit) {
                assert_eq!(spec.check_value(&value), Ok(()), "{spec:?} {edit:?}");
            }
        }
    }
});
