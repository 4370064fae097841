/**
 * The pages' only stylesheet and script, served from /virtuel/assets so the
 * CSP can forbid every inline style and script.
 */

export const PORTAL_CSS = `
:root {
  --ink: #1b2430; --muted: #4a5566; --line: #c9d1dc; --bg: #f5f7fa; --card: #ffffff;
  --brand: #0b4f8a; --brand-dark: #083a66; --ok: #1d6b35; --ok-bg: #e6f4ea;
  --warn: #8a4b00; --warn-bg: #fff4e0; --err: #a4161a; --err-bg: #fdecec; --focus: #ffbf47;
  color-scheme: light;
}
* { box-sizing: border-box; }
html { font-size: 100%; }
body { margin: 0; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; line-height: 1.5; color: var(--ink); background: var(--bg); }
a { color: var(--brand); }
a:hover { color: var(--brand-dark); }
:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
.skip { position: absolute; left: -999px; top: 0; background: var(--card); padding: .5rem 1rem; z-index: 1; }
.skip:focus { left: .5rem; }
header.site { background: var(--brand); color: #fff; }
header.site .bar { max-width: 46rem; margin: 0 auto; padding: .75rem 1rem; display: flex; align-items: center; gap: 1rem; }
header.site .brand { font-weight: 700; font-size: 1.25rem; letter-spacing: .02em; }
header.site .sub { opacity: .9; }
header.site a { color: #fff; margin-left: auto; }
main { max-width: 46rem; margin: 1.5rem auto; padding: 1.5rem; background: var(--card); border: 1px solid var(--line); border-radius: .5rem; }
main:focus { outline: none; }
h1 { font-size: 1.5rem; margin-top: 0; line-height: 1.25; }
h2 { font-size: 1.15rem; }
footer { max-width: 46rem; margin: 0 auto 2rem; padding: 0 1rem; color: var(--muted); font-size: .9rem; }
label { display: block; font-weight: 600; margin: 1rem 0 .25rem; }
.help { color: var(--muted); font-size: .95rem; margin: .25rem 0; }
input[type=text], input[type=password], input[type=email] {
  font: inherit; width: 100%; max-width: 24rem; padding: .6rem .7rem; border: 2px solid var(--muted); border-radius: .35rem; background: #fff; color: var(--ink);
}
input:focus-visible { border-color: var(--brand); }
input.code { font-family: ui-monospace, "SFMono-Regular", Consolas, monospace; letter-spacing: .15em; max-width: 12rem; }
.check { display: flex; align-items: center; gap: .5rem; font-weight: 400; margin: .5rem 0; }
.check input { width: 1.2rem; height: 1.2rem; }
button, .button {
  font: inherit; font-weight: 600; display: inline-block; padding: .65rem 1.2rem; border-radius: .35rem; border: 2px solid var(--brand);
  background: var(--brand); color: #fff; cursor: pointer; text-decoration: none; margin: 1rem .5rem 0 0;
}
button:hover, .button:hover { background: var(--brand-dark); border-color: var(--brand-dark); color: #fff; }
button.secondary, .button.secondary { background: #fff; color: var(--brand); }
button.secondary:hover, .button.secondary:hover { background: var(--bg); color: var(--brand-dark); }
button.danger { background: #fff; color: var(--err); border-color: var(--err); margin: 0; padding: .35rem .8rem; }
button.danger:hover { background: var(--err-bg); color: var(--err); }
button.small { padding: .3rem .7rem; font-size: .9rem; margin: .25rem 0 0; }
form.inline { display: inline; }
.notice { padding: .75rem 1rem; border-radius: .35rem; border-left: 6px solid; margin: 1rem 0; }
.notice.ok { background: var(--ok-bg); border-color: var(--ok); }
.notice.warn { background: var(--warn-bg); border-color: var(--warn); }
.notice.error { background: var(--err-bg); border-color: var(--err); }
.identity { display: flex; gap: 1rem; align-items: center; padding: 1rem; background: var(--bg); border-radius: .5rem; margin: 1rem 0; }
.identity img, .identity svg { width: 96px; height: 96px; border-radius: .5rem; flex: none; object-fit: cover; }
.identity blockquote { margin: 0; font-size: 1.1rem; font-style: italic; }
.identity .label { color: var(--muted); font-size: .85rem; margin: 0 0 .25rem; }
.menu { list-style: none; padding: 0; }
.menu li { margin: 0 0 1rem; }
.menu button, .menu .button { margin: 0; width: 22rem; max-width: 100%; text-align: left; }
.menu .help { margin-left: .1rem; }
dl.fields { display: grid; grid-template-columns: max-content 1fr; gap: .5rem 1rem; }
dl.fields dt { font-weight: 600; }
dl.fields dd { margin: 0; overflow-wrap: anywhere; }
.big-code { font-family: ui-monospace, "SFMono-Regular", Consolas, monospace; font-size: 1.6rem; letter-spacing: .12em; font-weight: 700; }
.link { font-family: ui-monospace, "SFMono-Regular", Consolas, monospace; background: var(--bg); padding: .5rem; border-radius: .35rem; overflow-wrap: anywhere; }
table { border-collapse: collapse; width: 100%; margin: 1rem 0; }
th, td { text-align: left; padding: .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-size: .9rem; color: var(--muted); }
.state-active { color: var(--ok); font-weight: 600; }
.state-expired { color: var(--err); font-weight: 600; }
.state-pending { color: var(--warn); font-weight: 600; }
[hidden] { display: none !important; }
@media (max-width: 40rem) {
  main { margin: 0; border-radius: 0; border-left: 0; border-right: 0; }
  dl.fields { grid-template-columns: 1fr; }
  .identity { flex-direction: column; align-items: flex-start; }
  .menu button, .menu .button { min-width: 0; width: 100%; }
}
@media (prefers-reduced-motion: no-preference) { button, .button { transition: background .15s; } }
`;

/**
 * "Afficher en clair" (reveal the answer) and "Copier" buttons. Both are shown
 * only once this script runs, so without JavaScript the page has no dead control.
 */
export const PORTAL_JS = `'use strict';
document.querySelectorAll('[data-reveal]').forEach(function (box) {
  var input = document.getElementById(box.getAttribute('data-reveal'));
  var wrap = box.closest('[hidden]');
  if (!input) return;
  if (wrap) wrap.hidden = false;
  box.addEventListener('change', function () { input.type = box.checked ? 'text' : 'password'; });
});
document.querySelectorAll('[data-copy]').forEach(function (button) {
  var source = document.getElementById(button.getAttribute('data-copy'));
  if (!source || !navigator.clipboard) return;
  button.hidden = false;
  button.addEventListener('click', function () {
    navigator.clipboard.writeText(source.getAttribute('data-value') || source.textContent.trim()).then(function () {
      button.textContent = button.getAttribute('data-done');
    });
  });
});
`;
