/**
 * The dashboard's one HTML page. Asset paths are relative (no leading slash), so the dashboard also works when a
 * reverse proxy mounts Qingliu under a path prefix. No inline script: the page runs under a CSP that allows
 * scripts from this server only.
 */

// A drop of water, inline: one request fewer than a favicon file.
const FAVICON =
  "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 16 16'%3E%3Cpath d='M8 1C6 5 3 7.5 3 10.5a5 5 0 0 0 10 0C13 7.5 10 5 8 1z' fill='%230b6fb8'/%3E%3C/svg%3E";

export function indexHtml(assets: { script: string; style: string }): string {
  return `<!doctype html>
<html lang="zh-CN">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <meta name="color-scheme" content="light">
  <title>清流 · Qingliu</title>
  <link rel="icon" href="${FAVICON}">
  <link rel="stylesheet" href="${assets.style}">
  <script type="module" src="${assets.script}"></script>
</head>
<body>
  <noscript>清流水质监测看板需要 JavaScript。 The Qingliu dashboard needs JavaScript.</noscript>
  <div id="app"></div>
</body>
</html>
`;
}
