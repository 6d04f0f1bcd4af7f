//! The information-system inventory, completed data sharing, zombie candidates.
