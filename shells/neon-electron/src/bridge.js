'use strict';
// The main-process side of the page bridge (C-SHELL-2), shared by main.js (ipcMain.handle)
// and the headless host. The preload invokes BRIDGE_CHANNEL with no arguments; Rust
// (Session::handle_ipc) honours it only from a page on the exact backend origin.

const BRIDGE_CHANNEL = 'open-app-data-folder';

function bridgeHandler(backend) {
  return (event) => {
    const url = event && event.senderFrame ? event.senderFrame.url : '';
    return backend.handleIpc(url, BRIDGE_CHANNEL) === true;
  };
}

module.exports = { BRIDGE_CHANNEL, bridgeHandler };
