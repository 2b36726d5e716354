// Loaded by bridge.lua with js_file before any command that might need it.
window.helperAdd = (a, b) => a + b;
