//! Link-safe URLs: the one form of a URL that every platform keeps whole inside
//! `[text](url)`, a card button or a bare line — spaces, brackets and quotes percent-encoded,
//! and a `#` followed by more path (`…/SOFAChannel#35%20SOFABoot….pdf`) encoded as `%23`
//! while a real `#fragment` stays. Every other character is left exactly as written.

/// A URL that survives inside `[text](url)` on every platform.
pub fn href(url: &str) -> String {
    let url = url.trim();
    let fragment_at = url.rfind('#').filter(|&i| {
        let rest = &url[i + 1..];
        !rest.is_empty() && !rest.contains(['%', '/', '.', ' '])
    });
    let mut out = String::with_capacity(url.len() + 8);
    for (i, c) in url.char_indices() {
        match c {
            '#' if Some(i) != fragment_at => out.push_str("%23"),
            ' ' => out.push_str("%20"),
            '(' => out.push_str("%28"),
            ')' => out.push_str("%29"),
            '[' => out.push_str("%5B"),
            ']' => out.push_str("%5D"),
            '<' => out.push_str("%3C"),
            '>' => out.push_str("%3E"),
            '"' => out.push_str("%22"),
            c => out.push(c),
        }
    }
    out
}
