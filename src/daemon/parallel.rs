//! A parallel map over a slice on scoped threads, one contiguous chunk per core, results in
//! the slice's order: for CPU-bound work over thousands of items (`herald check`'s renders,
//! parsing a workspace's event files).

/// `f` applied to every item of `items`, in order, on up to one thread per core; one thread
/// (the caller's) when there are fewer than `min_per_thread` items per extra thread.
pub fn map<T, R, F>(items: &[T], min_per_thread: usize, f: F) -> Vec<R>
where
    T: Sync,
    R: Send,
    F: Fn(&T) -> R + Sync,
{
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let threads = cores.min(items.len() / min_per_thread.max(1)).max(1);
    if threads == 1 {
        return items.iter().map(&f).collect();
    }
    let chunk = items.len().div_ceil(threads);
    let f = &f;
    std::thread::scope(|s| {
        let workers: Vec<_> = items
            .chunks(chunk)
            .map(|c| s.spawn(move || c.iter().map(f).collect::<Vec<R>>()))
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .collect()
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn keeps_order_on_one_thread_or_several() {
        let items: Vec<u32> = (0..1000).collect();
        let want: Vec<u32> = items.iter().map(|x| x * 3).collect();
        assert_eq!(super::map(&items, 1, |x| x * 3), want);
        assert_eq!(super::map(&items, 10_000, |x| x * 3), want);
        assert!(super::map(&[] as &[u32], 1, |x| *x).is_empty());
    }

    #[test]
    fn uses_more_than_one_thread_when_there_is_work_for_them() {
        use std::collections::HashSet;
        let items: Vec<u32> = (0..64).collect();
        let ids: HashSet<_> = super::map(&items, 1, |_| std::thread::current().id())
            .into_iter()
            .collect();
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        assert_eq!(ids.len(), cores.min(64));
    }
}
