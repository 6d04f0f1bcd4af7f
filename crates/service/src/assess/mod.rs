//! Assessment and monitoring (考核与监测): the system inventory and zombie systems, the
//! assessment figures with their drill-down, and usage alerts.
pub mod alerts;
pub mod figures;
pub mod systems;
