//! The information-system inventory (信息系统清查), completed data sharing, zombie systems.
