//! C-PROC: the backend's processes: two roles with a lifeline, a graceful quit, the tree kill, no
//! orphans, supervision and a single instance.

mod lifecycle;
mod supervision;
mod tree_kill;
