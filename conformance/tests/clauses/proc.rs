//! C-PROC: the backend's processes: two roles with a lifeline, a graceful quit, the tree kill, no
//! orphans, supervision and a single instance.

mod lifecycle;
mod supervision;
mod tree_kill;

/// The checks of every module of this family.
pub(crate) fn checks() -> Vec<crate::Check> {
    [
        lifecycle::checks(),
        supervision::checks(),
        tree_kill::checks(),
    ]
    .concat()
}
