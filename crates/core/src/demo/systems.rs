use super::spec::SystemSpec;

pub static SYSTEMS: &[SystemSpec] = &[];
