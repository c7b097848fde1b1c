'use strict';
// The page bridge (C-SHELL-2): exactly one function, `window.desktop.openAppDataFolder()`.
// Runs sandboxed with contextIsolation: the page sees only this frozen object. It knows
// no token, no addon and no Node API; the main process checks the sender's origin.
const { contextBridge, ipcRenderer } = require('electron');

contextBridge.exposeInMainWorld(
  'desktop',
  Object.freeze({
    openAppDataFolder: () => ipcRenderer.invoke('open-app-data-folder'),
  }),
);
