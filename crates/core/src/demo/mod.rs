//! The deterministic demo province.
pub mod depts;
pub mod resources_a;
pub mod resources_b;
pub mod spec;
pub mod systems;
