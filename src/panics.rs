//! Panics inside the libraries relsync hands hostile data or a failing disk (calamine reading a
//! damaged file, rust_xlsxwriter writing to a full disk: it panics on a failed write) turned
//! into errors, without the panic's noise on stderr. A leaf: it knows no other module.

use std::sync::atomic::{AtomicUsize, Ordering};

/// Runs `f`; a panic inside it becomes `Err` with the panic's message.
pub fn quietly<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    static QUIET: AtomicUsize = AtomicUsize::new(0);
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if QUIET.load(Ordering::SeqCst) == 0 {
                default(info);
            }
        }));
    });
    QUIET.fetch_add(1, Ordering::SeqCst);
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    QUIET.fetch_sub(1, Ordering::SeqCst);
    result.map_err(|payload| {
        payload
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_owned()))
            .unwrap_or_else(|| "an internal error".to_owned())
    })
}

/// rust_xlsxwriter's panic on a failed write ("Couldn't write to xml file: Os { code: 28, kind:
/// StorageFull, message: \"No space left on device\" }") in words: the OS's message.
pub fn xlsx_write_failure(why: &str) -> String {
    let os = why
        .split_once("message: \"")
        .and_then(|(_, rest)| rest.split_once('"'))
        .map(|(message, _)| message);
    match os {
        Some(message) => format!("cannot write the workbook's temporary files: {message}"),
        None => format!("the Excel writer stopped: {why}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_an_error_with_its_message() {
        assert_eq!(quietly(|| 7), Ok(7));
        let failed: Result<(), String> = quietly(|| panic!("boom {}", 1));
        assert_eq!(failed, Err("boom 1".to_owned()));
        assert_eq!(
            xlsx_write_failure(
                "Couldn't write to xml file: Os { code: 28, kind: StorageFull, message: \"No space left on device\" }"
            ),
            "cannot write the workbook's temporary files: No space left on device"
        );
    }
}
