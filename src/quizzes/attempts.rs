//! Final assessment attempts.
