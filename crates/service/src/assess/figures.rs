//! The assessment figures, computed from the tables as they are.
