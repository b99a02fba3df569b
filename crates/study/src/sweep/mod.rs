//! Parameter sweeps: designs (factorial, Latin hypercube, random, Saltelli)
//! and sensitivity analysis (PRCC, Sobol indices).

pub mod cost;
pub mod design;
pub mod file;
pub mod report;
pub mod run;
pub mod sensitivity;
pub mod store;
