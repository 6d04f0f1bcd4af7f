//! Usage monitoring (监测预警): baselines of calls and the alerts they raise.
