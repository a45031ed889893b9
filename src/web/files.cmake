# files.cmake — the console's static files (plain HTML/CSS/JS, no build step). src/http/ embeds
# them into the binary at build time with embed.cmake (a byte array each in a generated C file),
# so `make run` from a clone serves them with nothing to install (docs/console.md). A file added
# here is served at /<name>; its Content-Type comes from its extension (embed.cmake).
set(PL_WEB_FILES index.html style.css favicon.svg)
# The scripts, joined in this order into one file served as /console.js (one request instead of
# four before the first paint; each is a self-contained IIFE, so joining changes nothing else).
set(PL_WEB_BUNDLE sigv4.js api.js chart.js app.js)
set(PL_WEB_BUNDLE_NAME console.js)
