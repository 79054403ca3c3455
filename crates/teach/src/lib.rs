//! What reads the herd over time and teaches with it: traces and their replay, the accounting of
//! each flood, handouts, the operator's commands and the walkthrough scripts built from them,
//! expectations, experiments, and the students' page. Built on the engine (`herdctl-core`) alone.

pub mod accounting;
pub mod classroom;
pub mod command;
pub mod diagram;
pub mod expectation;
pub mod experiment;
pub mod foreign;
pub mod grade;
pub mod handout;
pub mod moment;
pub mod operator;
pub mod outcome;
pub mod places_stub;
pub mod replay;
pub mod schedule;
pub mod script;
pub mod trace;
pub mod web;
