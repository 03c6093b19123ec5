//! Human output: Flux's status lines on stderr (`► ✔ ✗ ◎ ✚ ⚠`), tables on stdout, and a
//! spinner for waits. Colour and the spinner only appear when the stream is a terminal.

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

fn paint(symbol: &str, colour: &str) -> String {
    if std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none() {
        format!("\x1b[{colour}m{symbol}\x1b[0m")
    } else {
        symbol.to_string()
    }
}

/// `► message`: an action is starting.
pub fn action(message: &str) {
    eprintln!("{} {message}", paint("►", "36"));
}

/// `✔ message`: an action succeeded.
pub fn success(message: &str) {
    eprintln!("{} {message}", paint("✔", "32"));
}

/// `✗ message`: an action failed.
pub fn failure(message: &str) {
    eprintln!("{} {message}", paint("✗", "31"));
}

/// `◎ message`: waiting.
pub fn waiting(message: &str) {
    eprintln!("{} {message}", paint("◎", "36"));
}

/// `✚ message`: generating manifests.
pub fn generate(message: &str) {
    eprintln!("{} {message}", paint("✚", "36"));
}

/// `⚠️ message`: a warning.
pub fn warning(message: &str) {
    eprintln!("{} {message}", paint("⚠️", "33"));
}

/// A spinner on stderr while waiting; hidden when stderr is not a terminal.
pub fn spinner(message: &str) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new_spinner();
    if let Ok(style) = ProgressStyle::with_template("{spinner} {msg}") {
        bar.set_style(style);
    }
    bar.set_message(message.to_string());
    bar.enable_steady_tick(Duration::from_millis(100));
    bar
}

/// Renders rows as Flux's tables do: no borders, every cell padded to its column's width and
/// followed by a tab.
pub fn table(header: &[&str], rows: &[Vec<String>], no_header: bool) -> String {
    let cols = header.len();
    // Like Flux's tablewriter, the header only counts when it is printed.
    let mut widths: Vec<usize> = header
        .iter()
        .map(|h| if no_header { 0 } else { h.chars().count() })
        .collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate().take(cols) {
            widths[i] = widths[i].max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let mut line = |cells: &mut dyn Iterator<Item = &str>| {
        let mut s = String::new();
        for (i, cell) in cells.enumerate() {
            s.push_str(cell);
            let pad = widths[i].saturating_sub(cell.chars().count());
            s.extend(std::iter::repeat_n(' ', pad));
            s.push('\t');
        }
        out.push_str(s.trim_end_matches(' '));
        out.push('\n');
    };
    if !no_header {
        line(&mut header.iter().copied());
    }
    for row in rows {
        line(&mut row.iter().map(String::as_str));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_pads_columns_and_separates_with_tabs() {
        let t = table(
            &["NAME", "READY"],
            &[vec!["podinfo".into(), "True".into()]],
            false,
        );
        assert_eq!(t, "NAME   \tREADY\t\npodinfo\tTrue \t\n");
        let t = table(&["NAME"], &[vec!["a".into()]], true);
        assert_eq!(t, "a\t\n");
    }
}
