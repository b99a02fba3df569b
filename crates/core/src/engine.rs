//! The shared agent engine: how every agent kind is updated.
//!
//! A cell step of an agent kind has two halves:
//! 1. **outcomes in parallel**: each agent's outcome (move, switch, die,
//!    divide, an event for another kind) is computed from read-only state
//!    ([`outcomes`], or [`outcomes_in_order`] to visit the agents in a
//!    cache-friendly order; each outcome is stored at its agent's index, so
//!    the visiting order changes nothing);
//! 2. **apply in id order**: the outcomes are applied sequentially, agent by
//!    agent in index (= id) order ([`apply`]), which removes the agents whose
//!    outcome says so ([`Fate::Leaves`]) keeping the store sorted, and the
//!    births are admitted under the agent cap ([`Births`]) and given new ids
//!    in order.
//!
//! Every random draw comes from a counter-based stream keyed by the agent's
//! id, so results do not depend on the thread count or the visiting order.
//! The one write into a buffer shared by parallel tasks (outcomes stored
//! at their agents' indices) is in [`outcomes_in_order`], which checks
//! that the order is a permutation first.
//!
//! A store is declared by [`crate::agent_store!`] and implements
//! [`crate::agents::Store`]; a new agent kind is a store declaration, a
//! mechanism built from these functions, and a line in the step that runs it.

use crate::agents::Store;
use rayon::prelude::*;

/// What becomes of an agent after its outcome is applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fate {
    /// The agent stays in the store.
    Stays,
    /// The agent is removed (died, was eaten, merged into a vessel, ...).
    Leaves,
}

/// Compute one outcome per agent, `f(i)` for `i` in `0..n`, in parallel,
/// into `out` (cleared first; its allocation is reused).
pub fn outcomes<O: Send>(n: usize, out: &mut Vec<O>, f: impl Fn(usize) -> O + Sync + Send) {
    out.clear();
    (0..n).into_par_iter().map(f).collect_into_vec(out);
}

/// [`outcomes`], visiting the agents in `order` (a permutation of `0..n`,
/// e.g. the neighbour bins' cell list, so agents that read the same memory
/// run together). Each outcome is stored at its agent's index, so the
/// result is the same for every order.
///
/// # Panics
/// When `order` is not a permutation of `0..n` (a bin list of another
/// store, or one not rebuilt since the store changed).
pub fn outcomes_in_order<O: Send + Copy + Default>(
    order: &[u32],
    out: &mut Vec<O>,
    f: impl Fn(usize) -> O + Sync + Send,
) {
    let n = order.len();
    let mut seen = vec![false; n];
    for &i in order {
        let i = i as usize;
        assert!(
            i < n && !std::mem::replace(&mut seen[i], true),
            "agent order is not a permutation of 0..{n}"
        );
    }
    out.clear();
    out.resize(n, O::default());
    let shared = crate::SharedMut(out.as_mut_ptr());
    order.par_iter().for_each(|&i| {
        let i = i as usize;
        // SAFETY: `order` is a permutation of 0..n (checked above), so every
        // task writes its own element of the n-element `out`, which
        // outlives the loop and is not read until it ends.
        unsafe { *shared.get().add(i) = f(i) };
    });
}

/// Apply `outcomes` (one per agent of `store`, in index order):
/// `f(store, i, outcome)` writes agent `i`'s new state and says whether it
/// stays; agents that leave are removed afterwards, keeping the order.
pub fn apply<S: Store, O>(
    store: &mut S,
    outcomes: &[O],
    mut f: impl FnMut(&mut S, usize, &O) -> Fate,
) {
    let mut keep = vec![true; outcomes.len()];
    for (i, o) in outcomes.iter().enumerate() {
        if f(store, i, o) == Fate::Leaves {
            keep[i] = false;
        }
    }
    if keep.iter().any(|k| !k) {
        store.retain(&keep);
    }
}

/// Births of one agent kind: new ids (never reused) and the agent cap.
///
/// Every birth path asks [`Births::room`] how many of its new agents fit
/// under `limits.max_agents` (all kinds together); births beyond it are
/// dropped in order, and the first step at which that happened is kept.
#[derive(Debug)]
pub struct Births<'a> {
    /// Next free agent id.
    pub next_id: &'a mut u64,
    /// First step at which births were cut short by the cap.
    pub cap_hit_step: &'a mut Option<u64>,
    /// The current base step.
    pub step: u64,
    /// Most agents of all kinds together.
    pub max_agents: u64,
    /// Agents of the other kinds (they do not change while this kind runs).
    pub others: usize,
}

impl Births<'_> {
    /// How many of `wanted` new agents may be added to a store that now
    /// holds `own` agents.
    pub fn room(&mut self, own: usize, wanted: usize) -> usize {
        let room = self.max_agents.saturating_sub((self.others + own) as u64);
        self.capped(wanted, room)
    }

    /// How many of `wanted` placed particles (cell-free depot deposits) one
    /// dose may place: at most `max_agents` (recorded like [`Births::room`]).
    pub fn deposit_room(&mut self, wanted: usize) -> usize {
        let room = self.max_agents;
        self.capped(wanted, room)
    }

    fn capped(&mut self, wanted: usize, room: u64) -> usize {
        if wanted as u64 > room {
            self.cap_hit_step.get_or_insert(self.step);
            room as usize
        } else {
            wanted
        }
    }

    /// A fresh agent id.
    pub fn new_id(&mut self) -> u64 {
        let id = *self.next_id;
        *self.next_id += 1;
        id
    }

    /// Admit the births `wanted` (in order) into `store` under the cap:
    /// `push(store, id, birth)` adds one with its new id.
    pub fn admit<S: Store, B: Copy>(
        &mut self,
        store: &mut S,
        wanted: &[B],
        mut push: impl FnMut(&mut S, u64, B),
    ) {
        let room = self.room(store.len(), wanted.len());
        for &b in &wanted[..room] {
            let id = self.new_id();
            push(store, id, b);
        }
    }
}
