//! The RTR parser on any bytes: it never panics, its diagnostics are placed inside the file and
//! are one line each, what it renders holds no raw control characters, and a file it accepts
//! is a type within rgm's limits that survives its JSON form.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let parsed = rtreg::parse(data);
    let rendered = parsed.diagnostics.render("fuzz.rtr", data);
    let lines = data.iter().filter(|&&b| b == b'\n').count() + 1;
    for d in &parsed.diagnostics {
        assert!(d.line >= 1 && d.line <= lines && d.col >= 1, "{d:?}");
        assert!(!d.message.is_empty() && !d.message.contains('\n'), "{d:?}");
    }
    assert_eq!(parsed.spec.is_some(), !parsed.diagnostics.has_errors());
    assert!(parsed.diagnostics.error_count() <= 101);
    assert!(
        !rendered
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\t'),
        "{rendered:?}"
    );
    if let Some(spec) = &parsed.spec {
        assert_eq!(rtreg::limits::spec_problems(spec), Vec::new(), "{spec:?}");
        let json = serde_json::to_string(spec).expect("a valid type serialises");
        let back: rtreg::ResourceTypeSpec = serde_json::from_str(&json).expect("and reads back");
        assert_eq!(&back, spec);
    }
});
