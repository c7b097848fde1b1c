//! C-DATA: the app-data dir and what is in it: the database and its pragmas, the first run's
//! seeding and secret key, backups and migrations, the logs.

mod app_data;
mod first_run;
mod logs;
mod migrations;

/// The checks of every module of this family.
pub(crate) fn checks() -> Vec<crate::Check> {
    [
        app_data::checks(),
        first_run::checks(),
        logs::checks(),
        migrations::checks(),
    ]
    .concat()
}
