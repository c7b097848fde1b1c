//! C-DATA: the app-data dir and what is in it: the database and its pragmas, the first run's
//! seeding and secret key, backups and migrations, the logs.

mod app_data;
mod first_run;
mod logs;
mod migrations;
