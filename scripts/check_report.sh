#!/usr/bin/env bash
# Opens CIMBase report pages (report.html, ranking.html) in headless Chromium and fails if the page makes any
# network request (anything but file: and data: URLs), logs a console error, throws, or lacks the radar SVG
# (city reports). Uses the Chrome DevTools Protocol from Node (>= 20, built-in WebSocket behind
# --experimental-websocket). Usage: scripts/check_report.sh out/report.html [more.html ...]
# Exit 0 = all clean, 1 = a problem found, 2 = chromium or node missing (check skipped).
set -euo pipefail
CHROMIUM=${CHROMIUM:-$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)}
if [[ -z "$CHROMIUM" ]]; then echo "check_report: chromium not found, skipped"; exit 2; fi
if ! command -v node >/dev/null; then echo "check_report: node not found, skipped"; exit 2; fi
if [[ $# -lt 1 ]]; then echo "usage: $0 report.html [...]"; exit 2; fi

work=$(mktemp -d)
cleanup() {
  if [[ -n "${cpid:-}" ]]; then kill "$cpid" 2>/dev/null || true; wait "$cpid" 2>/dev/null || true; fi
  for _ in 1 2 3 4 5; do rm -rf "$work" 2>/dev/null && break; sleep 0.2; done
}
trap cleanup EXIT

"$CHROMIUM" --headless=new --no-sandbox --disable-gpu --no-first-run --disable-background-networking \
  --disable-component-update --disable-sync --disable-default-apps --user-data-dir="$work/profile" \
  --host-resolver-rules="MAP * ~NOTFOUND" --remote-debugging-port=0 about:blank >"$work/chromium.log" 2>&1 &
cpid=$!
for _ in $(seq 1 100); do [[ -s "$work/profile/DevToolsActivePort" ]] && break; sleep 0.1; done
if [[ ! -s "$work/profile/DevToolsActivePort" ]]; then echo "check_report: chromium did not start"; cat "$work/chromium.log"; exit 1; fi
port=$(head -1 "$work/profile/DevToolsActivePort")

cat >"$work/check.mjs" <<'JS'
const [port, ...files] = process.argv.slice(2);
const path = await import('node:path');
const { pathToFileURL } = await import('node:url');
let failed = false;
for (const f of files) {
  const url = pathToFileURL(path.resolve(f)).href;
  const target = await (await fetch(`http://127.0.0.1:${port}/json/new?about:blank`, { method: 'PUT' })).json();
  const ws = new WebSocket(target.webSocketDebuggerUrl);
  await new Promise((ok, err) => { ws.onopen = ok; ws.onerror = err; });
  let id = 0; const pending = new Map(); const problems = []; let loaded;
  const loadedP = new Promise(r => (loaded = r));
  ws.onmessage = (m) => {
    const msg = JSON.parse(m.data);
    if (msg.id && pending.has(msg.id)) { pending.get(msg.id)(msg.result ?? msg); pending.delete(msg.id); return; }
    const p = msg.params || {};
    if (msg.method === 'Network.requestWillBeSent' && !/^(file|data|about):/.test(p.request.url))
      problems.push(`network request: ${p.request.url}`);
    if (msg.method === 'Network.loadingFailed') problems.push(`load failed: ${p.errorText} (${p.requestId})`);
    if (msg.method === 'Log.entryAdded' && p.entry.level === 'error') problems.push(`console: ${p.entry.text} ${p.entry.url || ''}`);
    if (msg.method === 'Runtime.exceptionThrown') problems.push(`exception: ${p.exceptionDetails.text}`);
    if (msg.method === 'Page.loadEventFired') loaded();
  };
  const send = (method, params = {}) => new Promise(r => { const i = ++id; pending.set(i, r); ws.send(JSON.stringify({ id: i, method, params })); });
  for (const d of ['Network', 'Log', 'Runtime', 'Page']) await send(`${d}.enable`);
  await send('Page.navigate', { url });
  await Promise.race([loadedP, new Promise(r => setTimeout(r, 15000))]);
  await new Promise(r => setTimeout(r, 500));
  const probe = await send('Runtime.evaluate', { returnByValue: true, expression:
    `({radar: !!document.querySelector('svg.radar'), ranking: /ranking/i.test(location.pathname), title: document.title,
       svgs: document.querySelectorAll('svg').length})` });
  const v = probe.result?.value || {};
  if (!v.radar && !v.ranking) problems.push('no radar SVG (svg.radar) in a city report');
  ws.close();
  await fetch(`http://127.0.0.1:${port}/json/close/${target.id}`);
  if (problems.length) { failed = true; console.log(`FAIL ${f}`); for (const p of problems) console.log(`  ${p}`); }
  else console.log(`ok   ${f}  (${v.svgs} svg, "${v.title}")`);
}
process.exit(failed ? 1 : 0);
JS
node --experimental-websocket --no-warnings "$work/check.mjs" "$port" "$@"
