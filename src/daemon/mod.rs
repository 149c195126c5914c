//! The long-running scheduler: sleep until due, claim, render, post, record; reload; signals.
