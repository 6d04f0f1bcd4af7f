//! The assessment figures (考核指标): periods, definitions, targets.
