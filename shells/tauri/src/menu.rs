//! The app menu and its item ids.

use tauri::menu::{Menu, MenuItem, PredefinedMenuItem, Submenu};
use tauri::AppHandle;

/// Menu item ids.
pub const MENU_OPEN_APP_DATA: &str = "open-app-data-folder";
pub const MENU_QUIT: &str = "quit";
pub const MENU_CHECK_UPDATES: &str = "check-for-updates";

/// The app menu: Open App Data Folder, Check for Updates…, Quit (Ctrl/Cmd+Q).
pub fn app_menu(app: &AppHandle) -> tauri::Result<Menu<tauri::Wry>> {
    let product = app
        .config()
        .product_name
        .clone()
        .unwrap_or_else(|| "App".into());
    let open = MenuItem::with_id(
        app,
        MENU_OPEN_APP_DATA,
        "Open App Data Folder",
        true,
        None::<&str>,
    )?;
    let updates = MenuItem::with_id(
        app,
        MENU_CHECK_UPDATES,
        "Check for Updates…",
        true,
        None::<&str>,
    )?;
    let quit = MenuItem::with_id(app, MENU_QUIT, "Quit", true, Some("CmdOrCtrl+Q"))?;
    let separator = PredefinedMenuItem::separator(app)?;
    let menu = Submenu::with_items(app, product, true, &[&open, &updates, &separator, &quit])?;
    Menu::with_items(app, &[&menu])
}
