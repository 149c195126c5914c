//! `Sparse<T>`: a group of fields most records leave empty, stored as one pointer (null when
//! empty) instead of their full size in every record; reads see the empty value.

use serde::{Serialize, Serializer};
use std::fmt;

/// A value with a shared empty instance to read when none is stored.
pub trait Empty: PartialEq + Sized + 'static {
    /// The empty value (every field empty), shared.
    fn empty() -> &'static Self;

    fn is_empty(&self) -> bool {
        self == Self::empty()
    }
}

/// `T` boxed only when it is not empty: 8 bytes in the record for fields that are usually
/// absent. Reads through [`Sparse::get`] (or the owner's `Deref`) see [`Empty::empty`] when
/// nothing is stored; writes through [`Sparse::get_mut`] store a value first. Equality,
/// `Debug` and serialization are those of the value read, so an empty stored value and no
/// value are the same.
#[derive(Clone, Default)]
pub struct Sparse<T>(Option<Box<T>>);

impl<T: Empty> Sparse<T> {
    /// Stores `value` unless it is empty.
    pub fn new(value: T) -> Sparse<T> {
        Sparse((!value.is_empty()).then(|| Box::new(value)))
    }

    pub fn get(&self) -> &T {
        self.0.as_deref().unwrap_or(T::empty())
    }
}

impl<T: Empty + Default> Sparse<T> {
    pub fn get_mut(&mut self) -> &mut T {
        self.0.get_or_insert_with(Box::default)
    }
}

impl<T: Empty> PartialEq for Sparse<T> {
    fn eq(&self, other: &Self) -> bool {
        self.get() == other.get()
    }
}

impl<T: Empty + Eq> Eq for Sparse<T> {}

impl<T: Empty + fmt::Debug> fmt::Debug for Sparse<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.get().fmt(f)
    }
}

impl<T: Empty + Serialize> Serialize for Sparse<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.get().serialize(serializer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Default, PartialEq, Serialize)]
    struct Notes {
        text: Option<String>,
        tags: Vec<String>,
    }

    static NO_NOTES: Notes = Notes {
        text: None,
        tags: Vec::new(),
    };

    impl Empty for Notes {
        fn empty() -> &'static Notes {
            &NO_NOTES
        }
    }

    #[test]
    fn empty_values_take_no_box_and_read_as_empty() {
        let none = Sparse::new(Notes::default());
        assert!(none.0.is_none());
        assert_eq!(none.get(), &NO_NOTES);
        let some = Sparse::new(Notes {
            text: Some("x".into()),
            tags: Vec::new(),
        });
        assert_eq!(some.get().text.as_deref(), Some("x"));
        assert_ne!(none, some);
    }

    #[test]
    fn a_write_stores_a_value_and_empty_equals_absent() {
        let mut s = Sparse::<Notes>::default();
        s.get_mut().tags.push("a".into());
        assert_eq!(s.get().tags, ["a"]);
        s.get_mut().tags.clear();
        assert!(s.0.is_some());
        assert_eq!(s, Sparse::default());
        assert_eq!(format!("{s:?}"), format!("{:?}", Notes::default()));
        assert_eq!(
            serde_json::to_string(&s).unwrap(),
            r#"{"text":null,"tags":[]}"#
        );
    }
}
