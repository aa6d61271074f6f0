// For node programs only (--pre-js of the node module and of the test programs):
// emscripten 3.1.6 takes node 18+'s global fetch for a browser's and tries to fetch the
// .wasm by file path, which fails ("Failed to parse URL"). Hiding fetch inside the module
// makes it read the file with fs instead, so a plain `node program.js` works without
// --no-experimental-fetch.
var fetch = undefined;
