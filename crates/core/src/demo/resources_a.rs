use super::spec::ResourceSpec;

pub static RESOURCES_A: &[ResourceSpec] = &[];
