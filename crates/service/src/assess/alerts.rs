//! Usage alerts: baselines per system and grant, raised by the sweep.
