use super::spec::ResourceSpec;

pub static RESOURCES_B: &[ResourceSpec] = &[];
