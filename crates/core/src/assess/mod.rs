//! Assessment and monitoring (考核与监测): the inventory of information systems and whether
//! each has completed data sharing, zombie systems, the assessment figures computed from what
//! happened on the platform, and alerts on unusual use. No I/O: the store loads, asks these
//! rules, writes.
pub mod alerts;
pub mod figures;
pub mod systems;
