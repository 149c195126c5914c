//! Pure planning: (events, rules, channels, window) → deliveries with due instants and deadlines.
