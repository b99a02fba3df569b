//! Parameter sweeps: designs (factorial, Latin hypercube, random, Saltelli)
//! and sensitivity analysis (PRCC, Sobol indices).

pub mod design;
pub mod sensitivity;
